"""Image signals: near-duplicate matching against reference images, and logo smearing.

Near-duplicate fingerprints (``image_fingerprints``)
----------------------------------------------------
A single global pHash does not survive a 15% crop: the DCT signs it keeps move with the
image content (a 2% shift already flips ~7 of 64 bits, a 10% shift ~28, as far apart as
unrelated photos).  So both sides store a few pHashes of *crops*, and a listing matches a
reference when any listing hash is within ``radius`` of any reference hash (all pairs
are found with one :class:`~detection.engine.hamming_index.HammingIndex` query per
listing hash):

* reference (11 hashes): the full image; the centre 88% and 76%; the four one-sided
  crops that drop 12% of one edge (left, right, top, bottom); the four corner crops that
  drop 12% of two adjacent edges;
* listing (4 hashes): the full image; the centre 88% and 76% (undo an added border or a
  caption band); the mirror image of the full image (mirroring is a common evasion).

A listing cropped by up to ~15% on any combination of sides is then within a few
percent of one reference crop (crops between the grid points, e.g. 6-8% on one side,
are the weakest case); rotations up to ~5 degrees mostly disturb the corners,
which the centre crops ignore; resizing, recompression, colour shifts and small text
overlays barely move a pHash.  All hashes are pHashes (:mod:`imagehash_fast`) of crops
of one greyscale thumbnail (short side 256 px), so an image is decoded once.  Hash hits
are verified with 16x16 thumbnails of the two crops (:class:`ImageMatcher`), because
simple graphics on plain backgrounds (logos) can share a pHash without being the same.

Logo smearing (``detect_logo_smear``)
-------------------------------------
Sellers of knockoffs often show a branded product with the logo blurred, pixelated or
covered, so that the listing passes a logo check but buyers still recognise it.  The
detector first finds the logo at a coarse scale -- normalised cross-correlation of a
low-passed logo template over a low-passed listing, per colour channel, at 9 template
sizes -- which
blurring, mosaicking and partial covering leave largely intact.  In the best matching
region it then compares fine detail with the reference logo:

* ``blur`` -- high-frequency energy (mean absolute Laplacian) below 45% of the logo's;
* ``mosaic`` -- block-constant pixels: strong pixel steps at a constant spacing;
* ``occluded`` -- at least 30% of the logo's detailed cells are flat in the listing,
  or a solid cover (box, sticker) sits on the logo: see below.

The coarse location is confirmed by the colour layout of an 8x8 grid of cells, leaving
out covered cells, before any of this is judged.  A large cover pulls the coarse match
off the logo and spoils the layout check, so when that check fails (or the logo looks
clean) the best few coarse peaks are searched for a covered logo (:func:`_find_cover`):
the location is refined on a 16x16 grid, a cover is one connected flat patch of one
colour over the logo's detail, and what is not covered must match the reference in
colour cell by cell and in its grey strokes.  Covers much lighter or more saturated
than the logo can still defeat the coarse search.  A located logo with none of these
is a clean logo (``smeared=False``).
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageFilter
from scipy.ndimage import label
from scipy.signal import fftconvolve

from detection.engine.hamming_index import HammingIndex
from detection.engine.imagehash_fast import grey_thumbnail, phash_from_grey32

__all__ = [
    "DEFAULT_MATCH_RADIUS",
    "LISTING_BOXES",
    "REFERENCE_BOXES",
    "Fingerprint",
    "ImageMatch",
    "ImageMatcher",
    "LogoReference",
    "SmearResult",
    "detect_logo_smear",
    "fingerprint",
    "image_fingerprints",
]

Box = tuple[float, float, float, float]  # (left, top, right, bottom) as fractions
_C = 0.12
REFERENCE_BOXES: tuple[Box, ...] = (
    (0.0, 0.0, 1.0, 1.0),
    (0.06, 0.06, 0.94, 0.94),
    (0.12, 0.12, 0.88, 0.88),
    (_C, 0.0, 1.0, 1.0),
    (0.0, 0.0, 1.0 - _C, 1.0),
    (0.0, _C, 1.0, 1.0),
    (0.0, 0.0, 1.0, 1.0 - _C),
    (_C, _C, 1.0, 1.0),
    (0.0, _C, 1.0 - _C, 1.0),
    (_C, 0.0, 1.0, 1.0 - _C),
    (0.0, 0.0, 1.0 - _C, 1.0 - _C),
)
LISTING_BOXES: tuple[Box, ...] = (
    (0.0, 0.0, 1.0, 1.0),
    (0.06, 0.06, 0.94, 0.94),
    (0.12, 0.12, 0.88, 0.88),
)
# Candidate radius for hash pairs (verified afterwards, see ImageMatcher).
DEFAULT_MATCH_RADIUS = 10
_THUMB_SIDE = 256

ImageInput = Image.Image | bytes


def _grey(img: ImageInput, side: int = _THUMB_SIDE) -> Image.Image:
    """Greyscale thumbnail with short side about ``side`` (JPEG bytes decode reduced)."""
    if isinstance(img, bytes):
        pixels, _ = grey_thumbnail(img, min_side=side)
        g = Image.fromarray(pixels)
    else:
        g = img.convert("L")
    w, h = g.size
    scale = side / min(w, h)
    if scale < 1.0:
        g = g.resize((max(1, round(w * scale)), max(1, round(h * scale))), Image.Resampling.BOX)
    return g


def _box_hash(g: Image.Image, box: Box) -> tuple[int, npt.NDArray[np.uint8]]:
    w, h = g.size
    crop = g.crop((round(box[0] * w), round(box[1] * h), round(box[2] * w), round(box[3] * h)))
    px = np.asarray(crop.resize((32, 32), Image.Resampling.LANCZOS))
    return phash_from_grey32(px), px


class Fingerprint(NamedTuple):
    """Hashes of an image's crops plus tiny greyscale thumbnails of the same crops.

    ``thumbs`` (16x16 uint8 per crop, concatenated; 2,816 bytes for a reference) is what
    :class:`ImageMatcher` uses to verify a hash hit: simple graphics such as logos on
    plain backgrounds can share a low-frequency layout (and so a pHash) while differing
    in shape, which a normalised correlation of the thumbnails tells apart.
    """

    hashes: list[int]
    thumbs: bytes


def fingerprint(img: ImageInput, *, role: str = "reference") -> Fingerprint:
    """Hashes and verification thumbnails of the crops for ``role``.

    References get 11 crops (:data:`REFERENCE_BOXES`); listings 4: :data:`LISTING_BOXES`
    plus the mirrored full image.
    """
    if role not in ("reference", "listing"):
        raise ValueError("role must be 'reference' or 'listing'")
    g = _grey(img)
    boxes = REFERENCE_BOXES if role == "reference" else LISTING_BOXES
    hashes: list[int] = []
    thumbs: list[npt.NDArray[np.uint8]] = []
    for box in boxes:
        h, px = _box_hash(g, box)
        hashes.append(h)
        thumbs.append(_thumb16(px))
    if role == "listing":
        mirrored = np.ascontiguousarray(_px_full(g)[:, ::-1])
        hashes.append(phash_from_grey32(mirrored))
        thumbs.append(_thumb16(mirrored))
    return Fingerprint(hashes, b"".join(t.tobytes() for t in thumbs))


def _px_full(g: Image.Image) -> npt.NDArray[np.uint8]:
    return np.asarray(g.resize((32, 32), Image.Resampling.LANCZOS))


def _thumb16(px32: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    return px32.reshape(16, 2, 16, 2).mean(axis=(1, 3)).round().astype(np.uint8)


def image_fingerprints(img: ImageInput, *, role: str = "reference") -> list[int]:
    """Unsigned 64-bit pHashes of the crops for ``role`` ("reference" or "listing").

    References get 11 hashes (:data:`REFERENCE_BOXES`), listings 4 (:data:`LISTING_BOXES`
    plus the mirrored full image).  :func:`fingerprint` also returns the thumbnails that
    :class:`ImageMatcher` uses to verify hash hits.
    """
    return fingerprint(img, role=role).hashes


class ImageMatch(NamedTuple):
    reference_id: int
    distance: int  # smallest Hamming distance over all (listing, reference) hash pairs
    correlation: float  # thumbnail correlation of the best verified pair
    pairs: int  # hash pairs within the radius (more = more certain)
    score: float  # 0..1, 1 = identical


def _ncc(a: npt.NDArray[np.float64], b: npt.NDArray[np.float64]) -> float:
    a = a - a.mean()
    b = b - b.mean()
    den = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return float((a * b).sum() / den) if den > 1e-9 else 0.0


class ImageMatcher:
    """Near-duplicate matching of listings against reference images.

    Candidates: every (listing crop, reference crop) hash pair within ``radius`` (one
    :class:`HammingIndex` query per listing hash; index ids encode reference id and
    crop number).  Verification: a pair within ``sure_distance`` bits is accepted as
    is; a farther one only if its 16x16 thumbnails correlate at ``min_correlation`` or
    more.  Thresholds come from generated photos and logos (see the tests): transformed
    copies stay within 8 bits with correlation >= 0.8; unrelated photos never came within
    the radius, and of unrelated logos built from one template about 1 in 1,000 pairs
    passes both checks.
    """

    _SLOTS = 16  # id = reference_id * 16 + crop number

    def __init__(
        self,
        radius: int = DEFAULT_MATCH_RADIUS,
        sure_distance: int = 2,
        min_correlation: float = 0.8,
    ) -> None:
        self.radius = radius
        self.sure_distance = sure_distance
        self.min_correlation = min_correlation
        self.index = HammingIndex()
        self._thumbs: dict[int, bytes] = {}

    def add_reference(self, reference_id: int, fp: Fingerprint) -> None:
        ids = [reference_id * self._SLOTS + k for k in range(len(fp.hashes))]
        self.index.add(fp.hashes, ids)
        self._thumbs[reference_id] = fp.thumbs

    def add_references(self, items: Iterable[tuple[int, Fingerprint]]) -> None:
        hashes: list[int] = []
        ids: list[int] = []
        for rid, fp in items:
            hashes.extend(fp.hashes)
            ids.extend(rid * self._SLOTS + k for k in range(len(fp.hashes)))
            self._thumbs[rid] = fp.thumbs
        self.index.add(hashes, ids)
        self.index.rebuild()

    def match(self, listing: Fingerprint) -> list[ImageMatch]:
        """References near-duplicated by the listing, best first."""
        results = self.index.query_many(listing.hashes, self.radius)
        pairs: dict[int, list[tuple[int, int, int]]] = {}  # ref -> (dist, listing k, ref k)
        for lk, m in enumerate(results):
            for entry, d in zip(m.ids.tolist(), m.distances.tolist(), strict=True):
                rid, rk = divmod(entry, self._SLOTS)
                pairs.setdefault(rid, []).append((d, lk, rk))
        out = []
        for rid, ps in pairs.items():
            ps.sort()
            best_corr = -1.0
            accepted: tuple[int, int, int] | None = None
            for d, lk, rk in ps:
                corr = _ncc(_thumb_at(listing.thumbs, lk), _thumb_at(self._thumbs[rid], rk))
                if d <= self.sure_distance or corr >= self.min_correlation:
                    accepted, best_corr = (d, lk, rk), corr
                    break
                best_corr = max(best_corr, corr)
            if accepted is None:
                continue
            d = accepted[0]
            score = round(max(0.0, 1.0 - d / 32.0) * (0.5 + 0.5 * max(best_corr, 0.0)), 3)
            out.append(ImageMatch(rid, d, round(best_corr, 3), len(ps), score))
        out.sort(key=lambda x: (x.distance, -x.correlation, x.reference_id))
        return out


def _thumb_at(blob: bytes, k: int) -> npt.NDArray[np.float64]:
    return np.frombuffer(blob, np.uint8, 256, k * 256).astype(np.float64)


# ---------------------------------------------------------------------- logo smearing
_SEARCH_SIDE = 96  # listing is searched at this short-side size
_TEMPLATE_SCALES = tuple(0.82**k for k in range(9))  # 1.0 .. 0.2 of the short side
_LOWPASS = 1.5  # Gaussian radius (px at search scale) of the coarse comparison
_DETAIL = 64  # side of the region compared for fine detail
_CELLS = 8  # grid for occlusion and coarse verification
_FINE = 16  # finer grid for finding a cover (box, sticker) over part of the logo


@dataclass(frozen=True, slots=True)
class LogoReference:
    """Precomputed views of a reference logo for :func:`detect_logo_smear`."""

    rgb: Image.Image  # the logo in RGB, for templates at any size
    grey: npt.NDArray[np.float32]  # _DETAIL x _DETAIL
    cells: npt.NDArray[np.float32]  # _CELLS x _CELLS x 3 mean colours
    cell_std: npt.NDArray[np.float32]  # _CELLS x _CELLS grey standard deviations
    hf_energy: float
    aspect: float  # width / height
    fine_cells: npt.NDArray[np.float32]  # _FINE x _FINE x 3 mean colours
    fine_std: npt.NDArray[np.float32]  # _FINE x _FINE grey standard deviations
    background: npt.NDArray[np.float32]  # the logo's most common cell colour (RGB)

    @classmethod
    def from_image(cls, img: ImageInput) -> LogoReference:
        rgb = img if isinstance(img, Image.Image) else Image.open(io.BytesIO(img))
        rgb = rgb.convert("RGB")
        g = np.asarray(
            rgb.convert("L").resize((_DETAIL, _DETAIL), Image.Resampling.LANCZOS), np.float32
        )
        fine = _cell_means(rgb, _FINE)
        flat = fine.reshape(-1, 3)
        # The background is the colour that most cells share (within a few grey levels).
        close = (np.abs(flat[:, None, :] - flat[None, :, :]).max(axis=2) < 12).sum(axis=1)
        return cls(
            rgb,
            g,
            _cell_means(rgb),
            _cell_std(g),
            _hf_energy(g),
            rgb.width / rgb.height,
            fine,
            _cell_std(g, _FINE),
            flat[int(np.argmax(close))].copy(),
        )


class SmearResult(NamedTuple):
    located: bool  # the logo was found at coarse scale
    smeared: bool  # ... and its detail is blurred, pixelated or covered
    kind: str  # "none" (not located), "clean", "blur", "mosaic" or "occluded"
    score: float  # 0..1 strength of the smear evidence (0 when not smeared)
    correlation: float  # coarse match quality (colour cell correlation)
    box: tuple[int, int, int, int] | None  # logo region in the listing (pixels)
    detail: str


def _hf_energy(d: npt.NDArray[np.float32]) -> float:
    lap = 4 * d[1:-1, 1:-1] - d[:-2, 1:-1] - d[2:, 1:-1] - d[1:-1, :-2] - d[1:-1, 2:]
    return float(np.mean(np.abs(lap)))


def _cell_std(d: npt.NDArray[np.float32], cells: int = _CELLS) -> npt.NDArray[np.float32]:
    n = d.shape[0] // cells
    d = d[: n * cells, : n * cells]
    return d.reshape(cells, n, cells, n).std(axis=(1, 3)).astype(np.float32)


def _cell_means(img: Image.Image, cells: int = _CELLS) -> npt.NDArray[np.float32]:
    return np.asarray(img.resize((cells, cells), Image.Resampling.BOX), np.float32)


def _ncc_map(image: npt.NDArray[np.float64], tmpl: npt.NDArray[np.float64]) -> npt.NDArray:
    """Normalised cross-correlation of ``tmpl`` at every valid position of ``image``."""
    th, tw = tmpl.shape
    t = tmpl - tmpl.mean()
    t_norm = float(np.sqrt((t * t).sum()))
    if t_norm < 1e-6:
        return np.zeros((1, 1))
    num = fftconvolve(image, t[::-1, ::-1], mode="valid")
    ones = np.ones((th, tw))
    s1 = fftconvolve(image, ones, mode="valid")
    s2 = fftconvolve(image * image, ones, mode="valid")
    var = np.maximum(s2 - s1 * s1 / (th * tw), 0.0)
    # Flat listing areas (var ~ 0) must not produce huge ratios.
    return num / (np.sqrt(var) * t_norm + 0.05 * t_norm * np.sqrt(th * tw) + 1e-9)


def _locate(
    listing: Image.Image, ref: LogoReference, candidates: int = 1
) -> list[tuple[float, tuple[int, int, int, int]]]:
    """Best coarse matches, best first: (colour correlation, box in listing pixels).

    Each RGB channel is correlated separately and the maps averaged: colour layout is
    what blurring and pixelating preserve, and it is far more specific than grey shape.
    With ``candidates`` > 1, the next best peaks (of any template size, not overlapping
    a better one) follow: a cover over the logo can make another place score higher.
    """
    scale = _SEARCH_SIDE / min(listing.size)
    small = listing.resize(
        (max(1, round(listing.width * scale)), max(1, round(listing.height * scale))),
        Image.Resampling.BOX,
    ).filter(ImageFilter.GaussianBlur(_LOWPASS))
    chans = [np.asarray(c, np.float64) for c in small.split()]
    peaks: list[tuple[float, tuple[int, int, int, int]]] = []
    short = min(small.size)
    for s in _TEMPLATE_SCALES:
        th = round(short * s / ref.aspect) if ref.aspect > 1 else round(short * s)
        tw = round(th * ref.aspect)
        if th < 10 or tw < 10 or th > chans[0].shape[0] or tw > chans[0].shape[1]:
            continue
        tmpl = ref.rgb.resize((tw, th), Image.Resampling.BOX).filter(
            ImageFilter.GaussianBlur(_LOWPASS)
        )
        maps = [
            _ncc_map(c, np.asarray(t, np.float64)) for c, t in zip(chans, tmpl.split(), strict=True)
        ]
        ncc = np.mean(maps, axis=0)
        for _ in range(candidates):
            k = int(np.argmax(ncc))
            y, x = divmod(k, ncc.shape[1])
            v = float(ncc[y, x])
            if not np.isfinite(v) or v <= -1.0:
                break
            box = (
                round(x / scale),
                round(y / scale),
                round((x + tw) / scale),
                round((y + th) / scale),
            )
            peaks.append((v, box))
            # Suppress this peak's neighbourhood before looking for the next one.
            ncc[max(0, y - th // 2) : y + th // 2 + 1, max(0, x - tw // 2) : x + tw // 2 + 1] = -2.0
    peaks.sort(key=lambda p: -p[0])
    out: list[tuple[float, tuple[int, int, int, int]]] = []
    for v, box in peaks:
        if all(_iou(box, b) < 0.3 for _, b in out):
            out.append((v, box))
        if len(out) == candidates:
            break
    return out or [(-1.0, (0, 0, listing.width, listing.height))]


def _iou(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0])) * max(0, min(a[3], b[3]) - max(a[1], b[1]))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - ix
    return ix / union if union > 0 else 0.0


def _mosaic_strength(region: npt.NDArray[np.float32]) -> float:
    """Share of strong pixel steps that sit on one regular grid (1.0 = a clean mosaic).

    Mean absolute step per column (and per row): a mosaic has large steps on its block
    edges, at a constant (possibly fractional, when blocks were scaled) period, and none
    in between; natural content and sharp logos have edges at irregular spacings.
    """
    scores = []
    periods = np.arange(5.0, 40.0, 0.1)
    for axis in (0, 1):
        steps = np.abs(np.diff(region, axis=1 - axis)).mean(axis=axis)
        if steps.size < 24:
            return 0.0
        threshold = max(4.0 * float(np.median(steps)), 1.5)
        strong = np.flatnonzero(steps > threshold)
        if strong.size < 6 or np.mean(steps <= threshold) < 0.7:
            return 0.0  # too few edges, or block interiors are not flat
        edges = strong[np.concatenate(([True], np.diff(strong) > 1))].astype(np.float64)
        if edges.size < 6:
            return 0.0
        # For each candidate period, the phase that puts most edges on the grid.
        r = edges[None, :] % periods[:, None]
        best = 0.0
        for k in range(periods.size):
            p = periods[k]
            tol = max(1.5, 0.08 * p)
            d = np.abs(r[k][:, None] - r[k][None, :])
            d = np.minimum(d, p - d)
            best = max(best, float((d <= tol).sum(axis=1).max()) / edges.size)
        scores.append(best)
    return float(min(scores))


_COVER_SHIFTS = (-0.08, -0.04, 0.0, 0.04, 0.08)  # of the located box's size
_COVER_SCALES = (0.92, 1.0, 1.08)
_COVER_CANDIDATES = 4  # coarse peaks examined for a covered logo
# A cover takes a big share of the coarse correlation away; the fine check that follows
# is strict (the uncovered rest must match the reference cell by cell).
_MIN_COVER_CORRELATION = 0.3
_CELL_MATCH = 24.0
# Visible detail vs the reference's strokes: covered copies of the logo measured
# 0.36-0.84, other logos in the same style with a patch over their emblem up to 0.45.
_MIN_SHAPE_MATCH = 0.46  # mean absolute RGB difference of a fine cell that still matches


def _find_cover(
    img: Image.Image, box: tuple[int, int, int, int], ref: LogoReference
) -> tuple[float, tuple[int, int, int, int], str] | None:
    """A solid cover (box, sticker) over the logo's detail near the coarse location.

    A cover drags the coarse match a little off the logo and spoils the colour layout
    of whole cells, so the layout check alone rejects it.  Here the location is refined
    on a 16x16 grid by the share of cells that match the reference, which a cover
    lowers equally at every position.  At the best position, a cover is one connected
    patch of flat cells of one colour (not the logo's background colour) where the
    reference differs; everything around it must match the reference, and part of the
    logo's detail must still be visible.  Returns (covered share of the logo's detail,
    box, description) or None.
    """
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    if min(w, h) < 2 * _FINE:
        return None
    best: tuple[float, tuple[int, int, int, int], npt.NDArray[np.float32]] | None = None
    for s in _COVER_SCALES:
        bw, bh = w * s, h * s
        for dy in _COVER_SHIFTS:
            for dx in _COVER_SHIFTS:
                cx, cy = (x0 + x1) / 2 + dx * w, (y0 + y1) / 2 + dy * h
                b = (round(cx - bw / 2), round(cy - bh / 2), round(cx + bw / 2), round(cy + bh / 2))
                if b[0] < 0 or b[1] < 0 or b[2] > img.width or b[3] > img.height:
                    continue
                cells = _cell_means(img.crop(b), _FINE)
                inliers = float((np.abs(cells - ref.fine_cells).mean(axis=2) < _CELL_MATCH).mean())
                if best is None or inliers > best[0]:
                    best = (inliers, b, cells)
    if best is None:
        return None
    _, b, cells = best
    region = img.crop(b)
    grey = np.asarray(
        region.convert("L").resize((4 * _FINE, 4 * _FINE), Image.Resampling.BOX), np.float32
    )
    flat = _cell_std(grey, _FINE) < 6.0
    outlier = np.abs(cells - ref.fine_cells).mean(axis=2) >= _CELL_MATCH
    not_background = np.abs(cells - ref.background).max(axis=2) > 40.0
    candidates = flat & outlier & not_background
    labels, n = label(candidates)
    cover = np.zeros_like(candidates)
    for k in range(1, n + 1):
        part = labels == k
        colour = np.median(cells[part], axis=0)
        part &= np.abs(cells - colour).max(axis=2) < 20.0  # one colour
        if part.sum() > cover.sum():
            cover = part
    area = int(cover.sum())
    if area < 12 or area > 0.7 * cover.size:
        return None
    # Cells cut by the cover's edge are neither covered nor logo: leave them out.
    edge = np.zeros_like(cover)
    edge[:-1] |= cover[1:]
    edge[1:] |= cover[:-1]
    edge[:, :-1] |= cover[:, 1:]
    edge[:, 1:] |= cover[:, :-1]
    rest = ~(cover | edge)
    rest_match = float((~outlier[rest]).mean()) if rest.any() else 0.0
    detailed = ref.fine_std > 12.0
    n_detail = max(1, int(detailed.sum()))
    hidden = float(((cover | edge) & detailed).sum() / n_detail)
    visible = float((rest & detailed & ~outlier).sum() / n_detail)
    shown = rest & detailed
    detail_match = float((~outlier[shown]).mean()) if shown.any() else 0.0
    # The visible detail must be the reference's own shapes (another logo in the same
    # style, with its emblem as the "cover", matches cell colours but not strokes).
    shape = _visible_shape_match(region, ref, shown)
    if (
        rest_match < 0.85
        or hidden < 0.3
        or visible < 0.15
        or detail_match < 0.75
        or shape < _MIN_SHAPE_MATCH
    ):
        return None
    colour = tuple(int(c) for c in np.median(cells[cover], axis=0))
    detail = (
        f"logo located at {b}; a flat patch of colour {colour} covers {hidden:.0%} of its "
        f"detail, {rest_match:.0%} of the rest matches the reference (visible strokes "
        f"{shape:.2f})"
    )
    return hidden, b, detail


def detect_logo_smear(
    listing: ImageInput,
    ref: LogoReference,
    *,
    min_correlation: float = 0.55,
    min_layout: float = 0.85,
) -> SmearResult:
    """Is the reference logo present in ``listing`` with its detail destroyed?"""
    img = listing if isinstance(listing, Image.Image) else Image.open(io.BytesIO(listing))
    img = img.convert("RGB")
    candidates = _locate(img, ref, _COVER_CANDIDATES)
    corr, box = candidates[0]
    if corr < min_correlation:
        if (covered := _cover_among(img, candidates, ref)) is not None:
            return covered
        return SmearResult(
            False, False, "none", 0.0, round(corr, 3), None, "logo not found at coarse scale"
        )
    region_img = img.crop(box)
    grey = region_img.convert("L")
    region = np.asarray(grey.resize((_DETAIL, _DETAIL), Image.Resampling.LANCZOS), np.float32)
    # Occlusion: flat cells here where the logo has detail or a clearly different colour
    # (a box may also cover plain background).
    detailed = ref.cell_std > 12.0
    flat = _cell_std(region) < 6.0
    cells = _cell_means(region_img)
    gap = np.abs(cells - ref.cells).mean(axis=2)
    covered = flat & (detailed | (gap > 60.0))
    occluded = float((covered & detailed).sum() / max(1, detailed.sum()))
    # Verify the location on the colour layout of the cells that are not covered, and
    # not among the 30% most different ones (a cover rarely lines up with the grid).
    keep = ~covered & (gap <= np.quantile(gap, 0.7))
    layout = 0.0
    if keep.any():
        a = cells[keep].ravel()
        b = ref.cells[keep].ravel()
        a, b = a - a.mean(), b - b.mean()
        den = float(np.sqrt((a * a).sum() * (b * b).sum()))
        layout = float((a * b).sum() / den) if den > 1e-9 else 0.0
    if layout < min_layout or keep.mean() < 0.35:
        if (covered := _cover_among(img, candidates, ref)) is not None:
            return covered
        return SmearResult(
            False,
            False,
            "none",
            0.0,
            round(min(corr, layout), 3),
            None,
            f"coarse match ({corr:.2f}) not confirmed by colour layout ({layout:.2f})",
        )
    hf_ratio = _hf_energy(region) / max(ref.hf_energy, 1e-6)
    native = np.asarray(grey, np.float32)
    mosaic = _mosaic_strength(native)

    kind, score = "clean", 0.0
    if mosaic >= 0.8 and hf_ratio < 0.85:  # a mosaic also loses fine detail
        kind, score = "mosaic", min(1.0, mosaic)
    elif occluded >= 0.3:
        kind, score = "occluded", min(1.0, occluded / 0.6)
    elif hf_ratio < 0.45:
        kind, score = "blur", min(1.0, (0.45 - hf_ratio) / 0.35)
    elif (covered := _cover_among(img, candidates, ref)) is not None:
        return covered
    detail = (
        f"logo located (correlation {corr:.2f}, colour layout {layout:.2f}) at {box}; "
        f"detail energy {hf_ratio:.0%} of the reference, {occluded:.0%} of its detailed "
        f"cells flat, grid pattern {mosaic:.2f}"
    )
    return SmearResult(True, kind != "clean", kind, round(score, 3), round(corr, 3), box, detail)


def _visible_shape_match(
    region: Image.Image, ref: LogoReference, shown: npt.NDArray[np.bool_]
) -> float:
    """Best normalised correlation of the grey detail in ``shown`` cells, within +-3 px."""
    side = _DETAIL
    g = np.asarray(region.convert("L").resize((side, side), Image.Resampling.LANCZOS), np.float32)
    k = side // _FINE
    mask = np.kron(shown, np.ones((k, k), bool))
    pad = 3
    m = mask[pad:-pad, pad:-pad]
    if m.sum() < 16:
        return 0.0
    r = ref.grey[pad:-pad, pad:-pad][m]
    r = r - r.mean()
    best = -1.0
    for dy in range(-pad, pad + 1):
        for dx in range(-pad, pad + 1):
            a = g[pad + dy : side - pad + dy, pad + dx : side - pad + dx][m]
            a = a - a.mean()
            den = float(np.sqrt((a * a).sum() * (r * r).sum()))
            if den > 1e-6:
                best = max(best, float((a * r).sum()) / den)
    return best


def _cover_among(
    img: Image.Image, candidates: list[tuple[float, tuple[int, int, int, int]]], ref: LogoReference
) -> SmearResult | None:
    """The first coarse candidate that is the logo under a cover (see :func:`_find_cover`)."""
    for corr, box in candidates:
        if corr < _MIN_COVER_CORRELATION:
            break
        cover = _find_cover(img, box, ref)
        if cover is not None:
            hidden, fine_box, detail = cover
            score = round(min(1.0, hidden / 0.6), 3)
            return SmearResult(True, True, "occluded", score, round(corr, 3), fine_box, detail)
    return None
