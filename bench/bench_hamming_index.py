"""Benchmark HammingIndex against a NumPy brute-force scan at 1M reference hashes.

Run from the repository root::

    .venv/bin/python bench/bench_hamming_index.py [--n 1000000] [--queries 400]

Prints build time, per-query time of brute force (``np.bitwise_count(h ^ q) <= r``) versus
the index (single ``query`` and batched ``query_many``) for radii 0..10, the speed-up, and
whether every index result equalled the brute-force result.  Timings alternate between
methods over several rounds and report each method's best round (other processes on a
shared machine only ever add time).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from detection.engine.hamming_index import HammingIndex


def clustered_hashes(rng: np.random.Generator, n: int) -> np.ndarray:
    """Phash-like data: clusters of near-duplicates (up to ~8 flipped bits) around centres."""
    centres = rng.integers(0, 2**64, size=n // 20, dtype=np.uint64)
    h = centres[rng.integers(0, centres.size, size=n)]
    for _ in range(8):
        bit = rng.integers(0, 64, size=n).astype(np.uint64)
        h ^= np.where(rng.random(n) < 0.6, np.uint64(1) << bit, np.uint64(0))
    return h


def brute(h: np.ndarray, q: np.uint64, r: int) -> np.ndarray:
    return np.flatnonzero(np.bitwise_count(h ^ q) <= r)


def timings(
    h: np.ndarray,
    index: HammingIndex,
    queries: np.ndarray,
    bf_sample: list[np.uint64],
    q_ints: list[int],
    r: int,
    rounds: int,
) -> tuple[float, float, float]:
    """Per-query seconds for brute force, ``query`` and ``query_many``.

    Rounds interleave the three methods; each method's best round is reported, because
    other processes on a shared machine only ever add time.
    """
    t_bf, t_one, t_many = [], [], []
    for _ in range(rounds):
        t = time.perf_counter()
        for q in bf_sample:
            brute(h, q, r)
        t_bf.append((time.perf_counter() - t) / len(bf_sample))
        t = time.perf_counter()
        for qi in q_ints:
            index.query(qi, r)
        t_one.append((time.perf_counter() - t) / len(q_ints))
        t = time.perf_counter()
        index.query_many(queries, r)
        t_many.append((time.perf_counter() - t) / len(queries))
    return min(t_bf), min(t_one), min(t_many)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--queries", type=int, default=400)
    ap.add_argument("--rounds", type=int, default=7)
    args = ap.parse_args()
    rng = np.random.default_rng(42)

    for kind in ("random", "clustered"):
        h = (
            rng.integers(0, 2**64, size=args.n, dtype=np.uint64)
            if kind == "random"
            else clustered_hashes(rng, args.n)
        )
        ids = np.arange(args.n, dtype=np.int64)
        builds = []
        for _ in range(3):
            t = time.perf_counter()
            index = HammingIndex(h, ids)
            builds.append(time.perf_counter() - t)
        t = time.perf_counter()
        blob = index.to_bytes()
        t_ser = time.perf_counter() - t
        t = time.perf_counter()
        HammingIndex.from_bytes(blob)
        t_load = time.perf_counter() - t
        print(f"\n== {kind} hashes, n={args.n:,} ==")
        runs = ", ".join(f"{b:.3f}" for b in builds)
        print(
            f"build: median {statistics.median(builds):.3f} s (runs {runs})"
            f"; serialised {len(blob) / 1e6:.1f} MB in {t_ser:.3f} s, loaded in {t_load:.3f} s"
        )
        # Queries: perturbed stored hashes (so there are neighbours) and unrelated hashes.
        n_q = args.queries
        queries = h[rng.integers(0, args.n, size=n_q)].copy()
        for _ in range(4):
            bit = rng.integers(0, 64, size=n_q).astype(np.uint64)
            queries ^= np.where(rng.random(n_q) < 0.7, np.uint64(1) << bit, np.uint64(0))
        queries[n_q // 2 :] = rng.integers(0, 2**64, size=n_q - n_q // 2, dtype=np.uint64)
        q_scalars = [np.uint64(x) for x in queries]
        q_ints = [int(x) for x in queries]
        bf_sample = q_scalars[:: max(1, n_q // 80)]
        print(
            f"{'r':>3} {'brute us':>9} {'query us':>9} {'x':>6} {'many us':>8} {'x':>6}"
            f" {'avg hits':>8}  exact"
        )
        all_exact = True
        for r in range(11):
            t_bf, t_one, t_many = timings(h, index, queries, bf_sample, q_ints, r, args.rounds)
            batch = index.query_many(queries, r)
            exact = True
            hits = 0
            for j, q in enumerate(q_scalars):
                want = brute(h, q, r)
                hits += want.size
                single = np.sort(index.query(q_ints[j], r).ids)
                exact &= np.array_equal(np.sort(batch[j].ids), want)
                exact &= np.array_equal(single, want)
            all_exact &= exact
            print(
                f"{r:>3} {t_bf * 1e6:>9.0f} {t_one * 1e6:>9.1f} {t_bf / t_one:>6.1f}"
                f" {t_many * 1e6:>8.1f} {t_bf / t_many:>6.1f} {hits / n_q:>8.2f}  {exact}"
            )
        print(f"all results identical to brute force: {all_exact}")


if __name__ == "__main__":
    main()
