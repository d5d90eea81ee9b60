"""HammingIndex must return exactly what a brute-force scan returns."""

from __future__ import annotations

import numpy as np
import pytest

from detection.engine.hamming_index import (
    HammingIndex,
    Matches,
    as_uint64_array,
    best_per_id,
    brute_force,
)


def _random_hashes(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.integers(0, 2**64, size=n, dtype=np.uint64)


def _clustered_hashes(rng: np.random.Generator, n: int, cluster: int = 40) -> np.ndarray:
    """Hashes like real phashes of near-duplicate images: tight clusters, skewed buckets."""
    centres = _random_hashes(rng, max(1, n // cluster))
    # Real phashes are far from uniform: bias some bits so 16-bit buckets are uneven.
    centres &= np.uint64(0xFFFF_FF0F_FFFF_FFF0)
    h = centres[rng.integers(0, centres.size, size=n)]
    for _ in range(8):
        bit = rng.integers(0, 64, size=n).astype(np.uint64)
        flip = rng.random(n) < 0.6
        h ^= np.where(flip, np.uint64(1) << bit, np.uint64(0))
    return h


def _perturb(rng: np.random.Generator, h: np.ndarray, max_flips: int) -> np.ndarray:
    out = h.copy()
    for i in range(out.size):
        k = int(rng.integers(0, max_flips + 1))
        for b in rng.choice(64, size=k, replace=False):
            out[i] ^= np.uint64(1) << np.uint64(b)
    return out


def _brute_entries(hashes: np.ndarray, ids: np.ndarray, q: int, r: int) -> list[tuple[int, int]]:
    pos = brute_force(hashes, q, r)
    d = np.bitwise_count(hashes[pos] ^ np.uint64(q))
    return sorted(zip(ids[pos].tolist(), d.tolist(), strict=True))


def _entries(m: Matches) -> list[tuple[int, int]]:
    return sorted(zip(m.ids.tolist(), m.distances.tolist(), strict=True))


@pytest.mark.parametrize("kind", ["random", "clustered"])
def test_matches_brute_force_all_radii(kind: str) -> None:
    rng = np.random.default_rng(1 if kind == "random" else 2)
    n = 30_000
    hashes = _random_hashes(rng, n) if kind == "random" else _clustered_hashes(rng, n)
    ids = rng.integers(0, 5_000, size=n)  # repeated ids, as with several hashes per image
    index = HammingIndex(hashes, ids)
    # Queries near stored hashes (so there are hits at every radius) plus unrelated ones.
    queries = np.concatenate(
        [_perturb(rng, hashes[rng.integers(0, n, size=60)], 12), _random_hashes(rng, 10)]
    )
    total_hits = 0
    for r in range(11):
        assert index._plan(r) is not None, "test must exercise the multi-index path"
        batch = index.query_many(queries, r)
        for q, got in zip(queries.tolist(), batch, strict=True):
            want = _brute_entries(hashes, ids, q, r)
            assert _entries(index.query(q, r)) == want
            assert _entries(got) == want
            total_hits += len(want)
    assert total_hits > 200  # the comparison is not vacuous


@pytest.mark.parametrize("num_tables", [3, 4, 5, 6])
def test_an_entry_reachable_through_every_table_is_reported_once(num_tables: int) -> None:
    # One stock photo's hash stored 3,000 times (every substring equal, so every table
    # reaches every copy), among random hashes: each copy once, whatever the batch.
    rng = np.random.default_rng(5)
    stock = np.uint64(0x0123_4567_89AB_CDEF)
    hashes = np.concatenate([np.full(3_000, stock), _random_hashes(rng, 50_000)])
    index = HammingIndex(hashes, np.arange(hashes.size), num_tables=num_tables)
    assert index._plan(10) is not None
    one = index.query(int(stock), 10)
    assert sorted(one.ids.tolist()[:3_000]) == list(range(3_000))
    near = int(stock) ^ 0b1011  # three bits off: the copies at distance 3
    batch = index.query_many([int(stock), near, 0], 10)
    assert _entries(batch[0]) == _entries(one) == _brute_entries(hashes, index._ids, int(stock), 10)
    assert _entries(batch[1]) == _brute_entries(hashes, index._ids, near, 10)
    assert batch[1].distances.tolist()[:3_000] == [3] * 3_000
    assert _entries(batch[2]) == _brute_entries(hashes, index._ids, 0, 10)


def test_results_sorted_by_distance_and_distances_correct() -> None:
    rng = np.random.default_rng(3)
    hashes = _clustered_hashes(rng, 5_000, cluster=200)
    index = HammingIndex(hashes)
    q = int(hashes[17])
    m = index.query(q, 10)
    assert m.ids.size > 5
    assert np.all(np.diff(m.distances) >= 0)
    assert np.array_equal(m.distances, np.bitwise_count(hashes[m.ids] ^ np.uint64(q)))
    assert m.ids[0] == 17 and m.distances[0] == 0


def test_signed_and_unsigned_inputs_are_the_same_hash() -> None:
    unsigned = [0xFFFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0001, 12345]
    signed = [-1, -(2**63) + 1, 12345]
    assert np.array_equal(as_uint64_array(unsigned), as_uint64_array(signed))
    assert np.array_equal(
        as_uint64_array(np.array(signed, dtype=np.int64)), as_uint64_array(unsigned)
    )
    index = HammingIndex(signed, ids=[1, 2, 3])
    assert index.query(0xFFFF_FFFF_FFFF_FFFE, 1).ids.tolist() == [1]
    assert index.query(-2, 1).ids.tolist() == [1]


def test_add_remove_rebuild_and_delta() -> None:
    rng = np.random.default_rng(4)
    base = _random_hashes(rng, 10_000)
    index = HammingIndex(base, np.arange(10_000), merge_threshold=1_000)
    extra = _perturb(rng, base[:50], 2)
    index.add(extra, np.arange(100_000, 100_050))  # stays in the delta
    assert index._delta_h.size + sum(a.size for a in index._pending_h) == 50
    got = index.query(int(base[3]), 2)
    assert 3 in got.ids.tolist() and 100_003 in got.ids.tolist()

    index.remove([3])
    assert 3 not in index.query(int(base[3]), 2).ids.tolist()
    assert len(index) == 10_049

    all_h = np.concatenate([base, extra])
    all_i = np.concatenate([np.arange(10_000), np.arange(100_000, 100_050)])
    keep = all_i != 3
    queries = _perturb(rng, all_h[rng.integers(0, all_h.size, 40)], 6)
    for q in queries.tolist():
        want = _brute_entries(all_h[keep], all_i[keep], q, 6)
        assert _entries(index.query(q, 6)) == want

    # Crossing the merge threshold rebuilds: the delta empties and results are unchanged.
    more = _random_hashes(rng, 1_200)
    index.add(more, np.arange(200_000, 201_200))
    assert index._delta_h.size == 0 and index._removed.size == 0
    assert len(index) == 10_049 + 1_200
    assert index.query(int(more[5]), 0).ids.tolist() == [200_005]
    assert 3 not in index.query(int(base[3]), 0).ids.tolist()


def test_serialisation_round_trip_keeps_delta_and_removals() -> None:
    rng = np.random.default_rng(5)
    hashes = _clustered_hashes(rng, 8_000)
    index = HammingIndex(hashes, np.arange(8_000) * 3)
    index.add([int(hashes[0]) ^ 1], [777])
    index.remove([9])
    data = index.to_bytes()
    clone = HammingIndex.from_bytes(data)
    queries = _perturb(rng, hashes[:30], 5)
    for q in queries.tolist():
        assert _entries(clone.query(q, 8)) == _entries(index.query(q, 8))
    assert 777 in clone.query(int(hashes[0]), 1).ids.tolist()
    assert 9 not in clone.query(int(hashes[3]), 0).ids.tolist()
    with pytest.raises(ValueError):
        HammingIndex.from_bytes(b"garbage" + data)


def test_empty_and_tiny_indexes_and_validation() -> None:
    empty = HammingIndex()
    assert empty.query(5, 3).ids.size == 0
    assert [m.ids.size for m in empty.query_many([1, 2], 4)] == [0, 0]
    empty.add([5], [9])
    assert empty.query(4, 1).ids.tolist() == [9]
    tiny = HammingIndex([1, 2, 3], ids=[10, 20, 30])  # linear-scan plan
    assert sorted(tiny.query(0, 1).ids.tolist()) == [10, 20]
    with pytest.raises(ValueError):
        tiny.query(0, 65)
    with pytest.raises(ValueError):
        HammingIndex([1, 2], ids=[1])
    with pytest.raises(ValueError):
        HammingIndex(num_tables=2)


def test_best_per_id_keeps_smallest_distance() -> None:
    index = HammingIndex([0b0000, 0b0011, 0b0001, 0b1111], ids=[1, 1, 2, 2])
    best = best_per_id(index.query(0, 4))
    assert best.ids.tolist() == [1, 2]
    assert best.distances.tolist() == [0, 1]
