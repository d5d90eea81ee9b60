"""Exact Hamming-radius search over 64-bit hashes (multi-index hashing).

The index answers "every stored entry whose hash is within Hamming distance ``r`` of a
query" with exactly the same result as a brute-force XOR + popcount scan, while touching
only a small candidate set.

Scheme (Norouzi, Punjani & Fleet, "Fast Search in Hamming Space with Multi-Index Hashing"):

* The 64 bits are split into ``m`` contiguous substrings (default ``m = 4`` of 16 bits).
  Each substring has a table: the entries sorted by that substring, plus a direct-address
  CSR offset array, so a bucket lookup is one array read.
* Pigeonhole: if ``d(q, h) <= r`` and table ``i`` is probed with radius ``t_i``, some
  substring satisfies ``d_i <= t_i`` whenever ``sum(t_i + 1) > r``.  The ``t_i`` are chosen
  as evenly as possible with ``sum(t_i + 1) == r + 1`` (``t_i = -1`` skips a table): the
  least probing that is still exact.  For r = 10 that is radii (2, 2, 2, 1): 428 buckets.
* A query enumerates every substring value within ``t_i`` of its own (XOR with
  precomputed masks) and verifies the full 64-bit distance of each bucket's entries, in a
  compiled loop that prefetches the buckets ahead (:mod:`detection.engine.hamming_probe`):
  the reads are scattered, and overlapping their cache misses is most of the speed.
  An entry reachable through several tables is reported by the first one only.

Hashes are unsigned 64-bit internally.  Inputs may be signed (Postgres ``bigint``) or
unsigned Python ints, or int64/uint64 arrays: only the bit pattern counts.  Ids are int64
and need not be unique (several hashes of one reference image share its id).

Entries added after the build go to an unsorted *delta* that is scanned by brute force
and merged into the tables once it exceeds ``merge_threshold`` entries (scanning 16k
hashes costs a few tens of microseconds; rebuilding 1M costs well under a second).
Removed ids are filtered out of results until the next rebuild drops them.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from functools import lru_cache
from itertools import combinations
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from detection.engine.hamming_probe import probe

__all__ = [
    "HammingIndex",
    "Matches",
    "as_uint64_array",
    "best_per_id",
    "brute_force",
]

_MASK64 = (1 << 64) - 1
_MAGIC = b"CGHIDX01"

UInt64Array = npt.NDArray[np.uint64]
Int64Array = npt.NDArray[np.int64]
HashesLike = Iterable[int] | npt.ArrayLike


class Matches(NamedTuple):
    """Stored entries within the radius of one query, one element per matching entry.

    Sorted by distance, then by insertion order (deterministic).
    """

    ids: Int64Array
    distances: Int64Array


def as_uint64_array(values: HashesLike) -> UInt64Array:
    """Convert hashes (signed or unsigned ints, any integer array) to a 1-D uint64 array.

    Signed values are reinterpreted as two's complement, which is how a 64-bit unsigned
    hash round-trips through a Postgres ``bigint``.
    """
    if isinstance(values, np.ndarray):
        if values.dtype == np.uint64:
            return values.ravel()
        if values.dtype == np.int64:
            return values.ravel().view(np.uint64)
        if np.issubdtype(values.dtype, np.integer):
            return values.ravel().astype(np.int64).view(np.uint64)
        raise TypeError(f"hash array must have an integer dtype, got {values.dtype}")
    if isinstance(values, (int, np.integer)):
        return np.array([int(values) & _MASK64], dtype=np.uint64)
    seq = list(values)  # type: ignore[arg-type]
    return np.fromiter((int(v) & _MASK64 for v in seq), dtype=np.uint64, count=len(seq))


def _as_id_array(ids: HashesLike) -> Int64Array:
    if isinstance(ids, (int, np.integer)):
        return np.array([int(ids)], dtype=np.int64)
    arr = ids if isinstance(ids, np.ndarray) else np.array(list(ids), dtype=np.int64)  # type: ignore[arg-type]
    return arr.astype(np.int64, copy=False).ravel()


def brute_force(hashes: HashesLike, query: int, radius: int) -> npt.NDArray[np.intp]:
    """Reference scan: ascending positions in ``hashes`` within ``radius`` of ``query``."""
    h = as_uint64_array(hashes)
    return np.flatnonzero(np.bitwise_count(h ^ np.uint64(int(query) & _MASK64)) <= radius)


def best_per_id(matches: Matches) -> Matches:
    """Collapse entry-level matches to one (id, smallest distance) per id, by distance."""
    if matches.ids.size == 0:
        return matches
    # Matches are sorted by distance, so an id's first occurrence is its best.
    _, first = np.unique(matches.ids, return_index=True)
    first.sort()
    return Matches(matches.ids[first], matches.distances[first])


@lru_cache(maxsize=128)
def _xor_masks(bits: int, radius: int) -> npt.NDArray[np.int64]:
    """Every ``bits``-wide value of popcount <= ``radius``: the bucket probe offsets."""
    out = [0]
    for k in range(1, radius + 1):
        for combo in combinations(range(bits), k):
            out.append(sum(1 << b for b in combo))
    return np.array(out, dtype=np.int64)


def _table_radii(radius: int, num_tables: int) -> list[int]:
    """Per-table probe radii ``t_i`` with ``sum(t_i + 1) == radius + 1``."""
    base, extra = divmod(radius + 1, num_tables)
    return [base + (1 if i < extra else 0) - 1 for i in range(num_tables)]


_NO_PROBES = np.empty(0, np.int64)


class _ProbePlan(NamedTuple):
    radii: npt.NDArray[np.int64]  # per table; -1 skips it
    xors: npt.NDArray[np.int64]  # every table's probe offsets, table after table
    xor_bounds: npt.NDArray[np.int64]  # table t's are xors[xor_bounds[t]:xor_bounds[t + 1]]


class HammingIndex:
    """Multi-index-hashing index over 64-bit hashes with int64 ids.

    >>> idx = HammingIndex([0b1011, 0xFFFF], ids=[7, 8])
    >>> idx.query(0b1001, 1).ids.tolist()
    [7]
    """

    def __init__(
        self,
        hashes: HashesLike = (),
        ids: HashesLike | None = None,
        *,
        num_tables: int = 4,
        merge_threshold: int = 16_384,
    ) -> None:
        if not 3 <= num_tables <= 6:
            # Fewer tables need >= 2**22-entry offset arrays; more give huge buckets.
            raise ValueError("num_tables must be in 3..6")
        self.num_tables = num_tables
        self.merge_threshold = merge_threshold
        base, extra = divmod(64, num_tables)
        self._widths = [base + 1 if i < extra else base for i in range(num_tables)]
        shifts, acc = [], 64
        for w in self._widths:
            acc -= w
            shifts.append(acc)
        self._shifts = np.array(shifts, dtype=np.uint64)
        self._wmasks = np.array([(1 << w) - 1 for w in self._widths], dtype=np.uint64)
        starts = np.cumsum([0] + [(1 << w) + 1 for w in self._widths])
        self._bases = starts[:-1].astype(np.int64)
        self._n_offsets = int(starts[-1])
        self._plans: dict[int, _ProbePlan | None] = {}

        h = as_uint64_array(hashes).copy()
        i = np.arange(h.shape[0], dtype=np.int64) if ids is None else _as_id_array(ids).copy()
        if i.shape[0] != h.shape[0]:
            raise ValueError(f"got {h.shape[0]} hashes but {i.shape[0]} ids")
        self._hashes: UInt64Array = h
        self._ids: Int64Array = i
        self._pending_h: list[UInt64Array] = []
        self._pending_i: list[Int64Array] = []
        self._delta_h: UInt64Array = np.empty(0, np.uint64)
        self._delta_i: Int64Array = np.empty(0, np.int64)
        self._removed: Int64Array = np.empty(0, np.int64)
        self._build()

    # ------------------------------------------------------------------ building
    def _build(self) -> None:
        n = self._hashes.shape[0]
        m = self.num_tables
        idx_dtype = np.int32 if m * n < 2**31 else np.int64
        tab_pos = np.empty(m * n, dtype=idx_dtype)
        offsets = np.empty(self._n_offsets, dtype=np.int64)
        for t in range(m):
            width = self._widths[t]
            key = (self._hashes >> self._shifts[t]) & self._wmasks[t]
            # numpy radix-sorts 16-bit keys (~20 ms per million); wider keys use timsort.
            key = key.astype(np.uint16 if width <= 16 else np.uint32)
            tab_pos[t * n : (t + 1) * n] = np.argsort(key, kind="stable")
            b = int(self._bases[t])
            counts = np.bincount(key, minlength=1 << width)
            offsets[b] = t * n
            np.cumsum(counts, out=offsets[b + 1 : b + 1 + (1 << width)])
            offsets[b + 1 : b + 1 + (1 << width)] += t * n
        self._tab_pos = tab_pos
        # Hashes in table order, so each bucket's hashes are contiguous for verification.
        self._tab_hashes = self._hashes[tab_pos]
        self._offsets = offsets.astype(idx_dtype)

    def _plan(self, radius: int) -> _ProbePlan | None:
        """Probe layout for ``radius``; None when a linear scan is cheaper."""
        if radius in self._plans:
            return self._plans[radius]
        radii = _table_radii(radius, self.num_tables)
        n = self._hashes.shape[0]
        plan: _ProbePlan | None = None
        if max(radii) <= 4:
            parts = [
                _xor_masks(self._widths[t], r) if r >= 0 else _NO_PROBES
                for t, r in enumerate(radii)
            ]
            n_probes = sum(x.shape[0] for x in parts)
            expected = sum(
                x.shape[0] * n / (1 << w) for x, w in zip(parts, self._widths, strict=True)
            )
            # Probing costs a few times a sequential scan per element; stay well below it.
            if n_probes + expected < n / 4:
                plan = _ProbePlan(
                    radii=np.array(radii, np.int64),
                    xors=np.concatenate(parts),
                    xor_bounds=np.cumsum([0] + [x.shape[0] for x in parts]).astype(np.int64),
                )
        self._plans[radius] = plan
        return plan

    def rebuild(self) -> None:
        """Merge the delta into the tables and physically drop removed ids."""
        self._flush_pending()
        h = np.concatenate([self._hashes, self._delta_h])
        i = np.concatenate([self._ids, self._delta_i])
        if self._removed.size:
            keep = ~np.isin(i, self._removed)
            h, i = h[keep], i[keep]
        self._hashes, self._ids = h, i
        self._delta_h = np.empty(0, np.uint64)
        self._delta_i = np.empty(0, np.int64)
        self._removed = np.empty(0, np.int64)
        self._plans.clear()
        self._build()

    def add(self, hashes: HashesLike, ids: HashesLike) -> None:
        """Add entries; they are searchable immediately (through the delta)."""
        h = as_uint64_array(hashes).copy()
        i = _as_id_array(ids).copy()
        if h.shape[0] != i.shape[0]:
            raise ValueError(f"got {h.shape[0]} hashes but {i.shape[0]} ids")
        if h.size == 0:
            return
        if self._removed.size:
            # Adding an id again revives it; its old entries stay hidden only if re-removed.
            self._removed = self._removed[~np.isin(self._removed, i)]
        self._pending_h.append(h)
        self._pending_i.append(i)
        if self._delta_h.shape[0] + sum(a.shape[0] for a in self._pending_h) > self.merge_threshold:
            self.rebuild()

    def remove(self, ids: HashesLike) -> None:
        """Hide every entry carrying one of ``ids`` (dropped physically on rebuild)."""
        self._removed = np.union1d(self._removed, _as_id_array(ids))

    def _flush_pending(self) -> None:
        if self._pending_h:
            self._delta_h = np.concatenate([self._delta_h, *self._pending_h])
            self._delta_i = np.concatenate([self._delta_i, *self._pending_i])
            self._pending_h, self._pending_i = [], []

    def __len__(self) -> int:
        """Number of live entries (removed ids excluded)."""
        self._flush_pending()
        total = self._hashes.shape[0] + self._delta_h.shape[0]
        if self._removed.size:
            total -= int(np.isin(self._ids, self._removed).sum())
            total -= int(np.isin(self._delta_i, self._removed).sum())
        return total

    # ------------------------------------------------------------------ querying
    def query(self, query: int, radius: int) -> Matches:
        """Entries within Hamming distance ``radius`` (inclusive) of ``query``."""
        if not 0 <= radius <= 64:
            raise ValueError("radius must be in 0..64")
        self._flush_pending()
        qi = int(query) & _MASK64
        q = np.uint64(qi)
        n_main = self._hashes.shape[0]
        plan = self._plan(radius) if n_main else None
        if plan is not None:
            _, pos, dist = self._probe(np.array([qi], np.uint64), radius, plan)
        elif n_main:
            d = np.bitwise_count(self._hashes ^ q)
            pos = np.flatnonzero(d <= radius)
            dist = d[pos]
        else:
            pos = dist = np.empty(0, np.int64)
        if self._delta_h.shape[0]:
            d = np.bitwise_count(self._delta_h ^ q)
            dpos = np.flatnonzero(d <= radius)
            if dpos.size:
                pos = np.concatenate([pos, dpos + n_main])
                dist = np.concatenate([dist, d[dpos]])
        if pos.size == 0:
            return Matches(np.empty(0, np.int64), np.empty(0, np.int64))
        pos = pos.astype(np.int64, copy=False)
        dist = dist.astype(np.int64, copy=False)
        order = np.lexsort((pos, dist))
        pos, dist = pos[order], dist[order]
        ids = self._ids_at(pos)
        if self._removed.size:
            keep = ~np.isin(ids, self._removed)
            ids, dist = ids[keep], dist[keep]
        return Matches(ids, dist)

    def _ids_at(self, pos: Int64Array) -> Int64Array:
        n_main = self._hashes.shape[0]
        if not self._delta_i.shape[0]:
            return self._ids[pos]
        in_main = pos < n_main
        out = np.empty(pos.shape[0], np.int64)
        out[in_main] = self._ids[pos[in_main]]
        out[~in_main] = self._delta_i[pos[~in_main] - n_main]
        return out

    def _probe(
        self, queries: UInt64Array, radius: int, plan: _ProbePlan
    ) -> tuple[Int64Array, Int64Array, Int64Array]:
        """(query number, position, distance) of every entry within ``radius``."""
        return probe(
            queries,
            radius,
            self._shifts,
            self._wmasks,
            plan.radii,
            self._bases,
            plan.xors,
            plan.xor_bounds,
            self._offsets,
            self._tab_hashes,
            self._tab_pos,
        )

    def query_many(self, queries: HashesLike, radius: int) -> list[Matches]:
        """:meth:`query` for many hashes at once (vectorised); one result per query."""
        if not 0 <= radius <= 64:
            raise ValueError("radius must be in 0..64")
        q = as_uint64_array(queries)
        nq = q.shape[0]
        if nq == 0:
            return []
        self._flush_pending()
        n_main = self._hashes.shape[0]
        plan = self._plan(radius) if n_main else None
        out_q: list[npt.NDArray[np.integer]] = []
        out_p: list[npt.NDArray[np.integer]] = []
        out_d: list[npt.NDArray[np.integer]] = []
        if plan is not None:
            cq, pos, dist = self._probe(q, radius, plan)
            out_q.append(cq)
            out_p.append(pos)
            out_d.append(dist)
        elif n_main:
            cq, pos, dist = self._scan(self._hashes, q, radius)
            out_q.append(cq)
            out_p.append(pos)
            out_d.append(dist)
        if self._delta_h.shape[0]:
            cq, pos, dist = self._scan(self._delta_h, q, radius)
            out_q.append(cq)
            out_p.append(pos + n_main)
            out_d.append(dist)
        return self._assemble(nq, out_q, out_p, out_d)

    @staticmethod
    def _scan(
        hashes: UInt64Array, q: UInt64Array, radius: int
    ) -> tuple[npt.NDArray[np.integer], npt.NDArray[np.integer], npt.NDArray[np.integer]]:
        out_q, out_p, out_d = [], [], []
        for j in range(q.shape[0]):
            d = np.bitwise_count(hashes ^ q[j])
            p = np.flatnonzero(d <= radius)
            out_q.append(np.full(p.shape[0], j, np.int64))
            out_p.append(p)
            out_d.append(d[p])
        return np.concatenate(out_q), np.concatenate(out_p), np.concatenate(out_d)

    def _assemble(
        self,
        nq: int,
        qs: list[npt.NDArray[np.integer]],
        ps: list[npt.NDArray[np.integer]],
        ds: list[npt.NDArray[np.integer]],
    ) -> list[Matches]:
        if not qs:
            e = np.empty(0, np.int64)
            return [Matches(e, e) for _ in range(nq)]
        cq = np.concatenate(qs).astype(np.int64, copy=False)
        pos = np.concatenate(ps).astype(np.int64, copy=False)
        dist = np.concatenate(ds).astype(np.int64, copy=False)
        order = np.lexsort((pos, dist, cq))
        cq, pos, dist = cq[order], pos[order], dist[order]
        ids = self._ids_at(pos)
        if self._removed.size:
            keep = ~np.isin(ids, self._removed)
            cq, dist, ids = cq[keep], dist[keep], ids[keep]
        bounds = np.searchsorted(cq, np.arange(nq + 1))
        return [
            Matches(ids[bounds[j] : bounds[j + 1]], dist[bounds[j] : bounds[j + 1]])
            for j in range(nq)
        ]

    # ------------------------------------------------------------------ serialisation
    def to_bytes(self) -> bytes:
        """Serialise entries, delta and removals; tables are rebuilt by :meth:`from_bytes`.

        Uses ``np.save`` without pickle, so loading untrusted bytes cannot run code.
        """
        self._flush_pending()
        header = json.dumps(
            {"num_tables": self.num_tables, "merge_threshold": self.merge_threshold}
        ).encode()
        buf = io.BytesIO()
        buf.write(_MAGIC)
        buf.write(len(header).to_bytes(4, "little"))
        buf.write(header)
        for arr in (self._hashes, self._ids, self._delta_h, self._delta_i, self._removed):
            np.save(buf, np.ascontiguousarray(arr), allow_pickle=False)
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> HammingIndex:
        """Inverse of :meth:`to_bytes`."""
        if data[: len(_MAGIC)] != _MAGIC:
            raise ValueError("not a serialised HammingIndex")
        buf = io.BytesIO(data)
        buf.seek(len(_MAGIC))
        header = json.loads(buf.read(int.from_bytes(buf.read(4), "little")))
        hashes, ids, delta_h, delta_i, removed = (
            np.load(buf, allow_pickle=False) for _ in range(5)
        )
        index = cls(
            hashes.astype(np.uint64, copy=False),
            ids.astype(np.int64, copy=False),
            num_tables=int(header["num_tables"]),
            merge_threshold=int(header["merge_threshold"]),
        )
        index._delta_h = delta_h.astype(np.uint64, copy=False)
        index._delta_i = delta_i.astype(np.int64, copy=False)
        index._removed = removed.astype(np.int64, copy=False)
        return index
