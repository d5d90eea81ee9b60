"""Counterfeit networks: which shops are linked, how strongly, and which form rings.

Pure algorithms (NumPy and SciPy, no Django), shared by the database-backed
rebuild and incremental update in :mod:`networks.services` and by the benchmark.

Links come from *blocking keys* a shop carries, never from comparing all pairs:

* ``photo`` -- a product photo (64-bit perceptual hash); near-duplicate hashes
  (Hamming distance <= ``photo_radius``) are one photo cluster, found with the
  exact multi-index Hamming index;
* ``contact`` -- the keyed hash of the seller's phone or e-mail;
* ``ship_product`` -- where an item ships from together with what it is (a
  signature of its title's words);
* ``lookalike`` -- a lookalike brand name detection found ("Adidoss").

Two shops sharing a key gain evidence weighted by the key's kind and its
*rarity* (IDF-style): a key carried by ``k`` shops of ``N`` weighs
``min(1, log(N/k) / log(N/20))`` of its kind's base weight -- all of it up to
the size of a large ring, falling as ``k`` grows -- and a key carried by more
than ``max_bucket`` shops (a stock photo, a big city with a generic title)
links nothing at all, which also keeps the pairs generated per key bounded.
Evidence combines as independent (noisy-OR): ``1 - prod(1 - w)``.

A shop that shares the seller contact or at least two photos with a
*suspended* shop created before it is a ``reappearance`` (a banned seller back
under a new name): that link is strong on its own.

Rings are the connected components of the links at or over ``threshold``.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from detection.engine.hamming_index import HammingIndex, as_uint64_array

PHOTO = "photo"
CONTACT = "contact"
SHIP_PRODUCT = "ship_product"
LOOKALIKE = "lookalike"
REAPPEARANCE = "reappearance"

# Order matters: the engine numbers kinds by position.
KEY_KINDS = (PHOTO, CONTACT, SHIP_PRODUCT, LOOKALIKE)
LINK_KINDS = (*KEY_KINDS, REAPPEARANCE)

# Weight of one shared key of each kind, for a key two shops alone share. One
# contact is near-conclusive; one photo or one shipping lane is suggestive, two
# make a link (0.45 -> 0.70, 0.4 -> 0.64 over the default threshold of 0.6).
BASE_WEIGHT = {PHOTO: 0.45, CONTACT: 0.9, SHIP_PRODUCT: 0.4, LOOKALIKE: 0.4}
REAPPEARANCE_WEIGHT = 0.95
# Keys shared by up to this many shops (a large ring) carry their full weight.
RING_SCALE = 12
RARITY_DECAY = 1.0
# A reappearance needs the contact, or this many shared photos: one stock photo
# in common with a suspended shop says nothing.
REAPPEARANCE_MIN_PHOTOS = 2
# Rarity is measured against at least this many shops, so that a small
# catalogue (a demo, a test) does not make every shared key look common.
MIN_CATALOGUE = 10_000
_MASK64 = (1 << 64) - 1


@dataclass(frozen=True)
class Params:
    threshold: float = 0.6
    max_bucket: int = 200
    photo_radius: int = 3


# --- Keys ------------------------------------------------------------------------


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def normalise_place(text: str) -> str:
    """ "Guangzhou, CN" and "guangzhou cn" are one place."""
    return " ".join(re.findall(r"\w+", _fold(text or "")))


def title_signature(title: str) -> str:
    """What a listing is, independent of word order and repetition: its title's
    distinct words, sorted. Sellers copying a listing copy its title."""
    words = sorted(set(re.findall(r"\w+", _fold(title or ""))))
    return " ".join(words)[:120]


def ship_product_key(ship_from: str, title: str) -> str:
    place, sig = normalise_place(ship_from), title_signature(title)
    if not place or not sig:
        return ""
    return f"{place[:60]}|{sig}"[:190]


def normalise_lookalike(token: str) -> str:
    return _fold(token).strip()[:100]


def lookalike_names(title: str, description: str, signals: Iterable[dict]) -> list[str]:
    """The lookalike names a scan found in a listing (its ``lookalike_name``
    findings' spans), normalised."""
    texts = {"title": title or "", "description": description or ""}
    out = []
    for sig in signals or ():
        if not isinstance(sig, dict) or sig.get("code") != "lookalike_name":
            continue
        for span in (sig.get("evidence") or {}).get("spans", []):
            try:
                fld, start, end = span
                name = normalise_lookalike(texts.get(fld, "")[int(start) : int(end)])
            except (TypeError, ValueError):
                continue
            if len(name) >= 3:
                out.append(name)
    return sorted(set(out))


def photo_bands(h: int) -> tuple[int, int, int, int]:
    """The four 16-bit bands of a 64-bit hash: two hashes within distance 3
    share at least one band exactly (pigeonhole), so an index per band finds
    every near-duplicate with four equality lookups."""
    u = int(h) & _MASK64
    return tuple((u >> s) & 0xFFFF for s in (48, 32, 16, 0))  # type: ignore[return-value]


def signed64(h: int) -> int:
    u = int(h) & _MASK64
    return u - (1 << 64) if u >= 1 << 63 else u


def hamming(a: int, b: int) -> int:
    return ((int(a) ^ int(b)) & _MASK64).bit_count()


# --- Weights ---------------------------------------------------------------------


def rarity(shops_with_key: int, catalogue_shops: int) -> float:
    """IDF-style weight of a key ``shops_with_key`` shops carry, in (0, 1]."""
    if shops_with_key <= RING_SCALE:
        return 1.0
    n = max(catalogue_shops, MIN_CATALOGUE)
    # Beyond a ring's size a key loses weight fast (a power law: the chance
    # that unrelated shops share it grows with the square of its spread), and
    # never weighs more than its inverse document frequency says.
    idf = math.log(n / shops_with_key) / math.log(n / RING_SCALE)
    return max(0.0, min(idf, (RING_SCALE / shops_with_key) ** RARITY_DECAY))


def key_weight(kind: str, shops_with_key: int, catalogue_shops: int, params: Params) -> float:
    if shops_with_key < 2 or shops_with_key > params.max_bucket:
        return 0.0
    return BASE_WEIGHT[kind] * rarity(shops_with_key, catalogue_shops)


@dataclass
class PairEvidence:
    """Everything two shops share, and the link's strength."""

    strength: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def kinds(self) -> list[str]:
        return [k for k in LINK_KINDS if self.counts.get(k)]


def pair_strength(
    shared: Iterable[tuple[str, int]],
    *,
    catalogue_shops: int,
    params: Params,
    reappearance: bool = False,
) -> PairEvidence:
    """The link between two shops from the keys they share, each given as
    (kind, number of shops carrying that key). The same rule as
    :func:`build_network`, for one pair (the incremental path).
    ``reappearance``: one of the two is suspended and the other newer (see
    :func:`is_reappearance`); it counts when contacts or photos match."""
    log_miss = 0.0
    counts: dict[str, int] = {}
    for kind, k in shared:
        w = key_weight(kind, k, catalogue_shops, params)
        if w <= 0.0:
            continue
        counts[kind] = counts.get(kind, 0) + 1
        log_miss += math.log1p(-w)
    if reappearance and (
        counts.get(CONTACT, 0) >= 1 or counts.get(PHOTO, 0) >= REAPPEARANCE_MIN_PHOTOS
    ):
        counts[REAPPEARANCE] = 1
        log_miss += math.log1p(-REAPPEARANCE_WEIGHT)
    return PairEvidence(strength=round(1.0 - math.exp(log_miss), 4), counts=counts)


def is_reappearance(
    *, a_suspended: bool, b_suspended: bool, a_created: float, b_created: float
) -> bool:
    """A shop created after a suspended one it shares photos or contacts with."""
    if a_suspended == b_suspended:
        return False
    return b_created > a_created if a_suspended else a_created > b_created


# --- Photo clusters --------------------------------------------------------------


def photo_clusters(hashes: npt.ArrayLike, radius: int, chunk: int = 65_536):
    """Group near-duplicate hashes: returns (distinct hashes as uint64, cluster
    label per distinct hash, inverse mapping each input to its distinct hash).
    Labels are the index of the cluster's smallest distinct hash."""
    h = as_uint64_array(np.asarray(hashes))
    uniq, inverse = np.unique(h, return_inverse=True)
    n = uniq.shape[0]
    if n == 0:
        return uniq, np.empty(0, np.int64), inverse
    index = HammingIndex(uniq, ids=np.arange(n, dtype=np.int64))
    src: list[np.ndarray] = []
    dst: list[np.ndarray] = []
    if radius > 0:
        for start in range(0, n, chunk):
            results = index.query_many(uniq[start : start + chunk], radius)
            lens = np.fromiter((m.ids.shape[0] for m in results), np.int64, len(results))
            if lens.sum() == 0:
                continue
            ids = np.concatenate([m.ids for m in results])
            q = np.repeat(np.arange(start, start + len(results), dtype=np.int64), lens)
            keep = ids != q
            src.append(q[keep])
            dst.append(ids[keep])
    a = np.concatenate(src) if src else np.empty(0, np.int64)
    b = np.concatenate(dst) if dst else np.empty(0, np.int64)
    labels = components(n, a, b)
    # Canonical label: the smallest member (uniq is sorted, so its first index).
    first = np.full(labels.max() + 1, n, dtype=np.int64)
    np.minimum.at(first, labels, np.arange(n, dtype=np.int64))
    return uniq, first[labels], inverse


def components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Connected-component label of each of ``n`` nodes joined by edges ``a``-``b``."""
    graph = coo_matrix((np.ones(a.shape[0], np.int8), (a, b)), shape=(n, n)).tocsr()
    _, labels = connected_components(graph, directed=False)
    return labels.astype(np.int64)


# --- Whole catalogue -------------------------------------------------------------


@dataclass
class Network:
    """Links (``a < b``, shop indexes), their strength and per-kind counts, and
    the ring each shop belongs to (-1: none)."""

    a: np.ndarray
    b: np.ndarray
    strength: np.ndarray
    counts: dict[str, np.ndarray]
    ring: np.ndarray
    photo_hashes: np.ndarray  # distinct photo hashes (uint64)
    photo_cluster: np.ndarray  # the cluster's canonical hash per distinct hash (uint64)

    def rings(self) -> dict[int, np.ndarray]:
        order = np.argsort(self.ring, kind="stable")
        labels = self.ring[order]
        start = np.searchsorted(labels, 0)
        out: dict[int, np.ndarray] = {}
        if start == labels.shape[0]:
            return out
        cuts = np.flatnonzero(np.diff(labels[start:])) + 1
        for group in np.split(order[start:], cuts):
            out[int(self.ring[group[0]])] = group
        return out


def build_network(
    *,
    n_shops: int,
    keys: dict[str, tuple[npt.ArrayLike, npt.ArrayLike]],
    photos: tuple[npt.ArrayLike, npt.ArrayLike] | None = None,
    suspended: npt.ArrayLike | None = None,
    created: npt.ArrayLike | None = None,
    params: Params = Params(),
) -> Network:
    """Links and rings over a whole catalogue.

    ``keys[kind] = (shop indexes, key codes)`` for ``contact``, ``ship_product``
    and ``lookalike`` (codes: any int64 naming the key; repeats are fine);
    ``photos = (shop indexes, 64-bit hashes)``; ``suspended`` and ``created``
    (any orderable number) per shop, for reappearances.
    """
    obs_shop: list[np.ndarray] = []
    obs_key: list[np.ndarray] = []
    obs_kind: list[np.ndarray] = []
    uniq = clusters = np.empty(0, np.uint64)
    if photos is not None and len(photos[0]):
        p_shop = np.asarray(photos[0], dtype=np.int64)
        uniq, labels, inverse = photo_clusters(photos[1], params.photo_radius)
        clusters = uniq[labels]
        obs_shop.append(p_shop)
        obs_key.append(labels[inverse].astype(np.int64))
        obs_kind.append(np.zeros(p_shop.shape[0], np.int64))
    for kind_no, kind in enumerate(KEY_KINDS):
        if kind == PHOTO or kind not in keys:
            continue
        shops, codes = keys[kind]
        shops = np.asarray(shops, dtype=np.int64)
        if shops.shape[0] == 0:
            continue
        _, dense = np.unique(np.asarray(codes, dtype=np.int64), return_inverse=True)
        obs_shop.append(shops)
        obs_key.append(dense.astype(np.int64))
        obs_kind.append(np.full(shops.shape[0], kind_no, np.int64))
    n_kinds = len(KEY_KINDS)
    empty = np.empty(0, np.int64)
    if obs_shop:
        shop = np.concatenate(obs_shop)
        # One id per (kind, key), then one row per (key, shop).
        kk = np.concatenate(obs_key) * n_kinds + np.concatenate(obs_kind)
        _, key = np.unique(kk, return_inverse=True)
        kind_of_key = np.zeros(int(key.max()) + 1, np.int64)
        kind_of_key[key] = kk % n_kinds
        pair = np.unique(key.astype(np.int64) * n_shops + shop)
        key, shop = pair // n_shops, pair % n_shops
        size = np.bincount(key)
        keep = (size[key] >= 2) & (size[key] <= params.max_bucket)
        key, shop = key[keep], shop[keep]
        a, b, w, kinds = _pairs(key, shop, size, kind_of_key, n_shops, params)
    else:
        a = b = kinds = empty
        w = np.empty(0, np.float64)

    # Accumulate per pair: noisy-OR over keys, and a count per kind.
    code = a * n_shops + b
    edge, inv = np.unique(code, return_inverse=True)
    log_miss = np.zeros(edge.shape[0])
    np.add.at(log_miss, inv, np.log1p(-w))
    counts = {
        kind: np.bincount(inv[kinds == k], minlength=edge.shape[0]).astype(np.int32)
        for k, kind in enumerate(KEY_KINDS)
    }
    ea, eb = edge // n_shops, edge % n_shops
    reappear = np.zeros(edge.shape[0], np.int32)
    if suspended is not None and edge.shape[0]:
        susp = np.asarray(suspended, dtype=bool)
        made = (
            np.asarray(created, dtype=np.float64)
            if created is not None
            else np.arange(n_shops, dtype=np.float64)
        )
        shares = (counts[PHOTO] >= REAPPEARANCE_MIN_PHOTOS) | (counts[CONTACT] > 0)
        later_a = susp[eb] & ~susp[ea] & (made[ea] > made[eb])
        later_b = susp[ea] & ~susp[eb] & (made[eb] > made[ea])
        hit = shares & (later_a | later_b)
        reappear[hit] = 1
        log_miss[hit] += math.log1p(-REAPPEARANCE_WEIGHT)
    counts[REAPPEARANCE] = reappear
    strength = 1.0 - np.exp(log_miss)

    strong = strength >= params.threshold
    labels = components(n_shops, ea[strong], eb[strong])
    sizes = np.bincount(labels)
    ring = np.where(sizes[labels] >= 2, labels, -1)
    return Network(ea, eb, strength, counts, ring, uniq, clusters)


def _pairs(key, shop, size, kind_of_key, n_shops, params: Params):
    """Every pair of shops sharing each key, with the key's weight: one
    vectorised pass per bucket size (at most ``max_bucket`` of them)."""
    order = np.argsort(key, kind="stable")
    key, shop = key[order], shop[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    group_key = key[starts]
    group_size = size[group_key]
    out_a, out_b, out_w, out_k = [], [], [], []
    base = np.array([BASE_WEIGHT[k] for k in KEY_KINDS])
    for k in np.unique(group_size):
        sel = np.flatnonzero(group_size == k)
        members = shop[starts[sel][:, None] + np.arange(k)[None, :]]
        ii, jj = np.triu_indices(int(k), 1)
        x, y = members[:, ii].ravel(), members[:, jj].ravel()
        kinds = np.repeat(kind_of_key[group_key[sel]], ii.shape[0])
        out_a.append(np.minimum(x, y))
        out_b.append(np.maximum(x, y))
        out_w.append(base[kinds] * rarity(int(k), n_shops))
        out_k.append(kinds)
    if not out_a:
        e = np.empty(0, np.int64)
        return e, e, np.empty(0, np.float64), e
    return (
        np.concatenate(out_a),
        np.concatenate(out_b),
        np.concatenate(out_w),
        np.concatenate(out_k),
    )


def stable_code(text: str) -> int:
    """A 63-bit code for a string key (the benchmark and the rebuild use it
    to hand string keys to :func:`build_network`)."""
    import hashlib

    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big") >> 1
