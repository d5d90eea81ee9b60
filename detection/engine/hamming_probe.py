"""The compiled probe-and-verify loop of :class:`~detection.engine.hamming_index.HammingIndex`.

A radius-10 query reads ~430 buckets of ~15 hashes scattered over 32 MB of tables: its
cost is waiting for memory, not arithmetic. NumPy can only issue those reads one
vectorised step at a time, so this loop first works out every bucket's bounds, then
verifies the buckets in order while asking the CPU to fetch the ones a few steps ahead
(``llvm.prefetch``), so their cache misses overlap instead of following one another.

The loop is compiled on first use (a few seconds) and the machine code cached for this
CPU under ``NUMBA_CACHE_DIR`` when that is set, otherwise beside this module (or in the
user's cache folder when the module's folder is read-only); the folder must be writable.

An entry reachable through several tables is reported once: by the first table whose
probe radius its substring is within (the tables are probed in order), so no result
needs de-duplicating afterwards.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

# Buckets fetched ahead of the one being verified: enough to cover a miss to memory
# (~100 ns) while each bucket takes ~40 ns; measured best between 8 and 16.
_PREFETCH_AHEAD = 12


@intrinsic
def _popcount(typingctx, x):
    """The CPU's population count of a uint64."""
    sig = types.uint64(types.uint64)

    def codegen(context, builder, signature, args):
        fn = builder.module.declare_intrinsic("llvm.ctpop", [ir.IntType(64)])
        return builder.call(fn, args)

    return sig, codegen


@intrinsic
def _prefetch(typingctx, array, index):
    """Ask for ``array[index]`` to be loaded into cache (no effect on results; an
    address past the end is harmless, a prefetch never faults)."""
    sig = types.void(array, index)

    def codegen(context, builder, signature, args):
        data = context.make_array(signature.args[0])(context, builder, args[0]).data
        i8p = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        fnty = ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32])
        fn = builder.module.declare_intrinsic("llvm.prefetch", fnty=fnty)
        # read, keep in all cache levels, data cache
        address = builder.bitcast(builder.gep(data, [args[1]]), i8p)
        builder.call(fn, [address, ir.Constant(i32, 0), ir.Constant(i32, 3), ir.Constant(i32, 1)])
        return context.get_dummy_value()

    return sig, codegen


@njit(cache=True, nogil=True)
def probe(
    queries,  # uint64[:]
    radius,  # int
    shifts,  # uint64[:] per table: where its substring starts
    wmasks,  # uint64[:] per table: its substring's mask after the shift
    radii,  # int64[:] per table: probe radius, -1 skips the table
    bases,  # int64[:] per table: its first slot in ``offsets``
    xors,  # int64[:] the probe offsets of every table, table after table
    xor_bounds,  # int64[:] table t's probe offsets are xors[xor_bounds[t]:xor_bounds[t+1]]
    offsets,  # int[:] bucket b of table t is entries offsets[bases[t]+b]:offsets[bases[t]+b+1]
    tab_hashes,  # uint64[:] every table's hashes in bucket order
    tab_pos,  # int[:] the position of each of those in insertion order
):
    """Every (query number, entry position, distance) within ``radius``, grouped by query."""
    m = shifts.shape[0]
    n_probes = xor_bounds[m]
    starts = np.empty(n_probes, np.int64)
    ends = np.empty(n_probes, np.int64)
    tables = np.empty(n_probes, np.int64)
    cap = 64 + 4 * queries.shape[0]
    out_q = np.empty(cap, np.int64)
    out_pos = np.empty(cap, np.int64)
    out_dist = np.empty(cap, np.int64)
    n = 0
    for qn in range(queries.shape[0]):
        q = queries[qn]
        p = 0
        for t in range(m):
            if radii[t] < 0:
                continue
            sub = np.int64((q >> shifts[t]) & wmasks[t])
            for k in range(xor_bounds[t], xor_bounds[t + 1]):
                b = bases[t] + (sub ^ xors[k])
                starts[p] = offsets[b]
                ends[p] = offsets[b + 1]
                tables[p] = t
                p += 1
        for k in range(min(_PREFETCH_AHEAD, p)):
            _prefetch(tab_hashes, starts[k])
        for k in range(p):
            if k + _PREFETCH_AHEAD < p:
                ahead = starts[k + _PREFETCH_AHEAD]
                _prefetch(tab_hashes, ahead)
                _prefetch(tab_hashes, ahead + 8)  # a bucket's first two cache lines
            t = tables[k]
            for j in range(starts[k], ends[k]):
                x = tab_hashes[j] ^ q
                d = _popcount(x)
                if d > radius:
                    continue
                seen = False
                for u in range(t):
                    if radii[u] >= 0 and _popcount((x >> shifts[u]) & wmasks[u]) <= radii[u]:
                        seen = True
                        break
                if seen:
                    continue
                if n == cap:
                    cap *= 2
                    out_q = _grown(out_q, cap)
                    out_pos = _grown(out_pos, cap)
                    out_dist = _grown(out_dist, cap)
                out_q[n] = qn
                out_pos[n] = tab_pos[j]
                out_dist[n] = d
                n += 1
    return out_q[:n], out_pos[:n], out_dist[:n]


@njit(cache=True, nogil=True)
def _grown(a, cap):
    out = np.empty(cap, a.dtype)
    out[: a.shape[0]] = a
    return out
