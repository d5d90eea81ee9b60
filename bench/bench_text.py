"""Benchmark text normalisation, BrandMatcher and all text signals on one core.

Run from the repository root::

    .venv/bin/python bench/bench_text.py [--names 10000] [--titles 100000]

Protected names and titles are synthetic (``detection.engine.synthetic``): pronounceable
pseudo-brands (15% two words, 10% with a CJK alias, 10% with a misspelling alias) and
product titles of which ~30% name a brand and ~10% contain CJK.  Each figure is the
best of ``--rounds`` runs (other processes on a shared machine only ever add time), as
wall-clock and as CPU time of this process (``time.process_time``; the "per core"
figure, which a busy machine disturbs far less).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from detection.engine.matcher import BrandMatcher, ProtectedName
from detection.engine.synthetic import brand_names, listing_titles
from detection.engine.text import normalize
from detection.engine.text_signals import TextSignalDetector


def best_rate(fn: Callable[[], object], n: int, rounds: int) -> tuple[float, float]:
    """Best (wall-clock, CPU-time) rate in items/s over ``rounds`` runs."""
    wall = cpu = 0.0
    for _ in range(rounds):
        t, c = time.perf_counter(), time.process_time()
        fn()
        wall = max(wall, n / max(time.perf_counter() - t, 1e-9))
        cpu = max(cpu, n / max(time.process_time() - c, 1e-9))
    return wall, cpu


def show(label: str, rates: tuple[float, float], target: int | None = None) -> None:
    wall, cpu = rates
    goal = f"   target >= {target:,}: {'met' if cpu >= target else 'NOT met'}" if target else ""
    print(f"{label:<30} {wall:>10,.0f} titles/s wall {cpu:>10,.0f} titles/s CPU{goal}")


def with_lookalikes(titles: list[str], brands: list[tuple[int, str, list[str]]]) -> list[str]:
    """Replace ~5% of titles' words by a misspelt brand name (the lookalike path)."""
    rnd = random.Random(7)
    out = []
    for t in titles:
        if rnd.random() < 0.05:
            name = rnd.choice(brands)[1].split(" ")[0]
            i = rnd.randrange(1, len(name))
            name = name[:i] + rnd.choice("aeiou") + name[i + 1 :]
            words = t.split(" ")
            words[rnd.randrange(len(words))] = name
            t = " ".join(words)
        out.append(t)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--names", type=int, default=10_000)
    ap.add_argument("--titles", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()

    brands = brand_names(args.names, seed=1)
    titles = with_lookalikes(listing_titles(args.titles, brands, seed=2), brands)
    t = time.perf_counter()
    matcher = BrandMatcher(ProtectedName(i, n, a) for i, n, a in brands)
    t_matcher = time.perf_counter() - t
    t = time.perf_counter()
    detector = TextSignalDetector(matcher)
    t_detector = time.perf_counter() - t
    print(
        f"{args.names:,} protected names ({sum(1 + len(a) for _, _, a in brands):,} terms); "
        f"{len(titles):,} titles, {sum(len(x) for x in titles) / len(titles):.0f} chars avg, "
        f"{sum(not x.isascii() for x in titles) / len(titles):.0%} non-ASCII"
    )
    print(f"build: BrandMatcher {t_matcher:.2f} s, TextSignalDetector {t_detector:.2f} s")

    n = len(titles)
    show("normalize()", best_rate(lambda: [normalize(x) for x in titles], n, args.rounds))
    show(
        "BrandMatcher.find_many()",
        best_rate(lambda: matcher.find_many(titles), n, args.rounds),
        200_000,
    )
    show(
        "BrandMatcher.find() loop",
        best_rate(lambda: [matcher.find(x) for x in titles], n, args.rounds),
        200_000,
    )
    sub = titles[: max(1, len(titles) // 5)]
    show(
        "TextSignalDetector.analyse()",
        best_rate(lambda: [detector.analyse(x) for x in sub], len(sub), args.rounds),
        10_000,
    )

    found = [detector.analyse(x) for x in sub]
    counts: dict[str, int] = {}
    for fs in found:
        for f in fs:
            counts[f.code.value] = counts.get(f.code.value, 0) + 1
    print(f"findings on {len(sub):,} titles: {dict(sorted(counts.items()))}")


if __name__ == "__main__":
    main()
