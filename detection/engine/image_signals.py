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
off the logo and spoils the layout check -- a white or bright one dominates the colour
correlation so much that the logo is not among the coarse peaks at all.  So when that
check fails (or the logo looks clean, or looks occluded) covered logos are searched
(:func:`_cover_among`): flat patches of one colour that could be a cover are found at
search scale; around each, the logo is searched with the patch left out of the
correlation (masked NCC, :func:`_locate_covered`), so the cover's colour does not
matter; every candidate is aligned finely (:func:`_refine`, capped colour differences
of 32x32 cells, so a cover weighs the same wherever the box sits) and verified
(:func:`_find_cover`): a cover is a patch of flat cells of one colour over the logo's
detail (in pieces inside one solid patch when it has the logo's background colour),
and what is not covered must match the reference in colour cell by cell and in its
grey strokes.  A photo without flat patches skips all this.  A located logo with none
of these is a clean logo (``smeared=False``).
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
import scipy.fft
from PIL import Image, ImageFilter
from scipy.ndimage import label

from detection.engine.cell_fit import box_fit_error, box_fit_errors
from detection.engine.hamming_index import HammingIndex
from detection.engine.imagehash_fast import grey_thumbnail, phash_from_grey32
from detection.engine.resample import resize_grey

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
assert LISTING_BOXES[0] == (0.0, 0.0, 1.0, 1.0), "fingerprint() mirrors the first box's pixels"
# Candidate radius for hash pairs (verified afterwards, see ImageMatcher).
DEFAULT_MATCH_RADIUS = 10
_THUMB_SIDE = 256

ImageInput = Image.Image | bytes


def _grey(img: ImageInput, side: int = _THUMB_SIDE) -> npt.NDArray[np.uint8]:
    """Greyscale pixels with short side about ``side`` (JPEG bytes decode reduced)."""
    if isinstance(img, bytes):
        pixels, _ = grey_thumbnail(img, min_side=side)
    else:
        pixels = np.asarray(img.convert("L"))
    h, w = pixels.shape
    scale = side / min(w, h)
    if scale < 1.0:
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        pixels = resize_grey(pixels, size, Image.Resampling.BOX)
    return pixels


def _box_hash(g: npt.NDArray[np.uint8], box: Box) -> tuple[int, npt.NDArray[np.uint8]]:
    h, w = g.shape
    crop = g[round(box[1] * h) : round(box[3] * h), round(box[0] * w) : round(box[2] * w)]
    px = resize_grey(crop, (32, 32), Image.Resampling.LANCZOS)
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
    pixels: list[npt.NDArray[np.uint8]] = []
    for box in boxes:
        h, px = _box_hash(g, box)
        hashes.append(h)
        pixels.append(px)
    if role == "listing":
        # LISTING_BOXES[0] is the whole image: mirror its 32x32 pixels, no new resize.
        mirrored = np.ascontiguousarray(pixels[0][:, ::-1])
        hashes.append(phash_from_grey32(mirrored))
        pixels.append(mirrored)
    return Fingerprint(hashes, b"".join(_thumb16(px).tobytes() for px in pixels))


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
    fit_cells: npt.NDArray[np.float32]  # 2 _FINE x 2 _FINE mean colours, for alignment
    # Blurred templates by (width, height), made on first use: every listing photo is
    # searched at the same scale, so a cached reference reuses them for every photo.
    templates: dict[tuple[int, int], npt.NDArray[np.uint8]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def template(self, tw: int, th: int) -> list[npt.NDArray[np.float64]]:
        """The logo at tw x th, blurred like the search image: one array per channel."""
        pixels = self.templates.get((tw, th))
        if pixels is None:
            tmpl = self.rgb.resize((tw, th), Image.Resampling.BOX)
            pixels = np.asarray(tmpl.filter(ImageFilter.GaussianBlur(_LOWPASS)))
            self.templates[(tw, th)] = pixels
        return [pixels[..., k].astype(np.float64) for k in range(3)]

    @classmethod
    def from_image(cls, img: ImageInput) -> LogoReference:
        rgb = img if isinstance(img, Image.Image) else Image.open(io.BytesIO(img))
        rgb = rgb.convert("RGB")
        g = np.asarray(
            rgb.convert("L").resize((_DETAIL, _DETAIL), Image.Resampling.LANCZOS), np.float32
        )
        fine = _cell_means(rgb, _FINE)
        return cls(
            rgb,
            g,
            _cell_means(rgb),
            _cell_std(g),
            _hf_energy(g),
            rgb.width / rgb.height,
            fine,
            _cell_std(g, _FINE),
            _cell_means(rgb, 2 * _FINE),
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


# Below this norm (summed squared deviation) a template channel is one flat colour.
_FLAT_TEMPLATE = 1e-6


class _Correlator:
    """Normalised cross-correlation of templates of any size with one image's channels,
    at every position where the template lies inside the image ("valid").

    The channels' transforms are taken once (at a fast size: zero padding changes no
    valid window) and their window sums come from integral images, so each template
    costs one forward and one inverse transform for all its channels."""

    def __init__(self, chans: list[npt.NDArray[np.float64]]):
        self.H, self.W = chans[0].shape
        self.shape = (
            scipy.fft.next_fast_len(self.H, real=True),
            scipy.fft.next_fast_len(self.W, real=True),
        )
        stack = np.stack(chans)
        # Single precision transforms (1.5-3x faster here). A template with its
        # mean taken out correlates the same with the channels shifted by any constant,
        # so each channel is centred on its own mean: float32's rounding grows with the
        # values' size, and this keeps it ~1e-4 of the scores (a white or black photo
        # included). The window sums of the denominator stay in double precision.
        centred = stack - stack.mean(axis=(1, 2), keepdims=True)
        self.spectra = scipy.fft.rfft2(centred.astype(np.float32), s=self.shape)
        self.integrals = np.zeros((2 * len(chans), self.H + 1, self.W + 1))
        self.integrals[:, 1:, 1:] = np.concatenate([stack, stack * stack]).cumsum(1).cumsum(2)

    def ncc(self, tmpls: list[npt.NDArray[np.float64]]) -> npt.NDArray[np.float64]:
        """The channels' mean map, shape (H - th + 1, W - tw + 1). A flat template
        channel (a red and yellow logo has no blue) says nothing about where the logo
        is and is left out; a template flat in every channel matches nowhere."""
        th, tw = tmpls[0].shape
        hv, wv = self.H - th + 1, self.W - tw + 1
        t = np.stack(tmpls)
        t -= t.mean(axis=(1, 2), keepdims=True)
        t_norm = np.sqrt((t * t).sum(axis=(1, 2)))
        padded = np.zeros((len(tmpls), self.H, self.W))
        padded[:, :th, :tw] = t
        spectra = np.conj(scipy.fft.rfft2(padded.astype(np.float32), s=self.shape))
        num = scipy.fft.irfft2(self.spectra * spectra, s=self.shape)[:, :hv, :wv]
        num = num.astype(np.float64)
        c = self.integrals
        sums = c[:, th:, tw:] - c[:, :-th, tw:] - c[:, th:, :-tw] + c[:, :-th, :-tw]
        k = len(tmpls)
        s1, s2 = sums[:k], sums[k:]
        var = np.maximum(s2 - s1 * s1 / (th * tw), 0.0)
        norm = t_norm[:, None, None]
        # Flat listing areas (var ~ 0) must not produce huge ratios.
        maps = num / (np.sqrt(var) * norm + 0.05 * norm * np.sqrt(th * tw) + 1e-9)
        informative = t_norm >= _FLAT_TEMPLATE
        if not informative.any():
            return np.zeros((hv, wv))
        return maps[informative].mean(axis=0)


class _SearchView(NamedTuple):
    """A listing photo as every coarse search sees it, made once per check."""

    small: Image.Image  # short side _SEARCH_SIDE
    scale: float  # small / listing
    chans: list[npt.NDArray[np.float64]]  # small's channels, blurred by _LOWPASS
    size: tuple[int, int]  # the listing's (width, height)


def _search_view(listing: Image.Image) -> _SearchView:
    scale = _SEARCH_SIDE / min(listing.size)
    small = listing.resize(
        (max(1, round(listing.width * scale)), max(1, round(listing.height * scale))),
        Image.Resampling.BOX,
    )
    blurred = small.filter(ImageFilter.GaussianBlur(_LOWPASS))
    chans = [np.asarray(c, np.float64) for c in blurred.split()]
    return _SearchView(small, scale, chans, listing.size)


def _locate(
    view: _SearchView, ref: LogoReference, candidates: int = 1
) -> list[tuple[float, tuple[int, int, int, int]]]:
    """Best coarse matches, best first: (colour correlation, box in listing pixels).

    Each RGB channel is correlated separately and the maps averaged: colour layout is
    what blurring and pixelating preserve, and it is far more specific than grey shape.
    With ``candidates`` > 1, the next best peaks (of any template size, not overlapping
    a better one) follow: a cover over the logo can make another place score higher.
    """
    chans, scale = view.chans, view.scale
    correlator = _Correlator(chans)
    peaks: list[tuple[float, tuple[int, int, int, int]]] = []
    short = min(view.small.size)
    for s in _TEMPLATE_SCALES:
        th, tw = _template_size(short, s, ref)
        if th < 10 or tw < 10 or th > chans[0].shape[0] or tw > chans[0].shape[1]:
            continue
        ncc = correlator.ncc(ref.template(tw, th))
        for _ in range(candidates):
            k = int(np.argmax(ncc))
            y, x = divmod(k, ncc.shape[1])
            v = float(ncc[y, x])
            if not np.isfinite(v) or v <= -1.0:
                break
            peaks.append((v, _listing_box(x, y, tw, th, scale)))
            # Suppress this peak's neighbourhood before looking for the next one.
            ncc[max(0, y - th // 2) : y + th // 2 + 1, max(0, x - tw // 2) : x + tw // 2 + 1] = -2.0
    peaks.sort(key=lambda p: -p[0])
    out: list[tuple[float, tuple[int, int, int, int]]] = []
    for v, box in peaks:
        if all(_iou(box, b) < 0.3 for _, b in out):
            out.append((v, box))
        if len(out) == candidates:
            break
    return out or [(-1.0, (0, 0, *view.size))]


_COVER_MIN_AREA = 20  # px at search scale: smaller flat patches are not covers
_MAX_PATCHES = 6  # the largest flat patches are the likely covers
# Half steps between the plain search's sizes: the uncovered rest is small, and a size
# 10% off loses it.
_COVERED_SCALES = tuple(0.82 ** (k / 2) for k in range(17))


def _template_size(short: int, share: float, ref: LogoReference) -> tuple[int, int]:
    """(height, width) of the logo at ``share`` of the search image's short side."""
    th = round(short * share / ref.aspect) if ref.aspect > 1 else round(short * share)
    return th, round(th * ref.aspect)


def _listing_box(x: int, y: int, tw: int, th: int, scale: float) -> tuple[int, int, int, int]:
    """A template window at search scale, in listing pixels."""
    return (round(x / scale), round(y / scale), round((x + tw) / scale), round((y + th) / scale))


def _cover_patches(small: Image.Image) -> list[npt.NDArray[np.bool_]]:
    """Flat patches of one colour that could be a cover (box, sticker) at search
    scale, largest first: solid, of a size a logo's cover has, and not the whole
    background."""
    a = np.asarray(small, np.float64)
    h, w = a.shape[:2]
    sd = np.zeros((h - 2, w - 2))
    for k in range(3):
        c = a[..., k]
        s1, s2 = _box_sums(c, 3, 3), _box_sums(c * c, 3, 3)
        np.maximum(sd, np.sqrt(np.maximum(s2 / 9 - (s1 / 9) ** 2, 0.0)), out=sd)
    flat = np.zeros((h, w), bool)
    flat[1:-1, 1:-1] = sd < 2.5
    labels, n = label(flat)
    patches = []
    for k in range(1, n + 1):
        part = labels == k
        area = int(part.sum())
        if area < _COVER_MIN_AREA or area > 0.25 * h * w:
            continue
        ys, xs = np.nonzero(part)
        bbox = (ys.max() - ys.min() + 1) * (xs.max() - xs.min() + 1)
        if area / bbox < 0.5 or a[part].std(axis=0).max() > 8.0:
            continue  # not solid, or a gradient rather than one colour
        patches.append(part)
    patches.sort(key=lambda p: -int(p.sum()))
    return patches


def _box_sums(a: npt.NDArray[np.float64], h: int, w: int) -> npt.NDArray[np.float64]:
    """Sums of ``a`` over every h x w window (valid positions), by an integral image."""
    c = np.zeros((a.shape[0] + 1, a.shape[1] + 1))
    c[1:, 1:] = a.cumsum(0).cumsum(1)
    return c[h:, w:] - c[:-h, w:] - c[h:, :-w] + c[:-h, :-w]


def _locate_covered(
    view: _SearchView,
    patches: list[npt.NDArray[np.bool_]],
    ref: LogoReference,
    candidates: int = 3,
) -> list[tuple[float, tuple[int, int, int, int]]]:
    """Coarse matches of the logo around each flat patch that could be a cover
    (found at search scale by :func:`_cover_patches`), with
    the patch left out of the correlation (masked normalised cross-correlation), so a
    cover of any colour neither adds to nor subtracts from the match of the rest.
    Best first: (correlation of the uncovered rest, box in listing pixels)."""
    if not patches:
        return []
    chans, scale = view.chans, view.scale
    H, W = chans[0].shape
    short = min(view.small.size)
    # Transforms of a fast size (small primes): a 137-px side would cost several times
    # more. Zero padding changes no window that lies inside the image, the only ones kept.
    shape = (scipy.fft.next_fast_len(H, real=True), scipy.fft.next_fast_len(W, real=True))

    # Single precision transforms, 3x faster here, as in _Correlator: the masked
    # correlation is the same for a template and for channels shifted by any constant,
    # so both are centred on their means, which keeps float32's rounding ~1e-5 of the
    # scores. Window sums (and the arithmetic that combines them) stay in double.
    def fft(a: npt.NDArray[np.float64]) -> npt.NDArray[np.complex64]:
        return scipy.fft.rfft2(a.astype(np.float32, copy=False), s=shape)

    def ifft(a: npt.NDArray[np.complex64]) -> npt.NDArray[np.float32]:
        return scipy.fft.irfft2(a, s=shape)

    chans = [c - c.mean() for c in chans]
    sizes = [_template_size(short, s, ref) for s in _COVERED_SCALES]
    sizes = [(th, tw) for th, tw in sizes if 10 <= th <= H and 10 <= tw <= W]

    # Each patch with the sizes it can be a cover for: a share of the logo, inside
    # it, and some window of that size containing it.
    searches = []
    for patch in patches:
        ys, xs = np.nonzero(patch)
        y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
        area = float(len(ys))
        usable = [
            (th, tw)
            for th, tw in sizes
            if 0.08 * th * tw <= area <= 0.7 * th * tw
            and y1 - y0 <= th
            and x1 - x0 <= tw
            and max(0, y1 - th) < min(H - th + 1, y0 + 1)
            and max(0, x1 - tw) < min(W - tw + 1, x0 + 1)
        ]
        if usable:
            searches.append((patch, (y0, y1, x0, x1), usable))
    needed = sorted({size for *_, usable in searches for size in usable}, reverse=True)
    if not needed:
        return []
    # Each needed size's channels and their squares, padded to the image and
    # transformed together; flat channels are left out of the correlation (see
    # _Correlator.ncc).
    block = np.zeros((6 * len(needed), H, W), np.float32)
    templates = {}
    for index, (th, tw) in enumerate(needed):
        informative, energy = [], []
        for i, t in enumerate(ref.template(tw, th)):
            t = t - t.mean()
            block[6 * index + 2 * i, :th, :tw] = t
            block[6 * index + 2 * i + 1, :th, :tw] = t * t
            energy.append(float((t * t).sum()))
            if energy[-1] >= _FLAT_TEMPLATE**2:
                informative.append(i)
        templates[th, tw] = (index, tuple(informative), energy)
    spectra = np.conj(fft(block))

    peaks: list[tuple[float, tuple[int, int, int, int]]] = []
    for patch, (y0, y1, x0, x1), sizes_here in searches:
        usable = [(th, tw, *templates[th, tw]) for th, tw in sizes_here]
        usable = [u for u in usable if u[3]]  # some channel not flat
        if not usable:
            continue
        # The blur spreads the cover's edge: leave a 2 px margin out too.
        grown = patch.copy()
        for _ in range(2):
            g = grown.copy()
            g[1:] |= grown[:-1]
            g[:-1] |= grown[1:]
            g[:, 1:] |= grown[:, :-1]
            g[:, :-1] |= grown[:, 1:]
            grown = g
        m = (~grown).astype(np.float64)
        # Windowed sums under the template's weights need transforms; plain window sums
        # (visible pixels, their values and squares) are box sums of integral images.
        fm, *fpm = fft(np.stack([m, *(c * m for c in chans)]))
        boxed = np.stack([m, *(c * m for c in chans), *(c * c * m for c in chans)])
        integrals = np.zeros((len(boxed), H + 1, W + 1))
        np.cumsum(np.cumsum(boxed, axis=1), axis=2, out=integrals[:, 1:, 1:])
        # One inverse transform for all sizes: several small calls cost more.
        products = []
        for _th, _tw, index, _channels, _energy in usable:
            pads = spectra[6 * index : 6 * index + 6]
            for k in range(3):
                products += [fm * pads[2 * k], fm * pads[2 * k + 1], fpm[k] * pads[2 * k]]
        weighted = ifft(np.stack(products))
        for j, (th, tw, _index, channels, energy) in enumerate(usable):
            hv, wv = H - th + 1, W - tw + 1
            # Only windows that contain the patch count: work on those alone.
            ya, yb = max(0, y1 - th), min(hv, y0 + 1)
            xa, xb = max(0, x1 - tw), min(wv, x0 + 1)
            if ya >= yb or xa >= xb:
                continue
            c = integrals
            sums = (
                c[:, ya + th : yb + th, xa + tw : xb + tw]
                - c[:, ya:yb, xa + tw : xb + tw]
                - c[:, ya + th : yb + th, xa:xb]
                + c[:, ya:yb, xa:xb]
            )
            n = sums[0]
            nn = np.maximum(n, 1.0)
            acc = np.zeros((yb - ya, xb - xa))
            for k in channels:
                st, stt, spt = weighted[9 * j + 3 * k : 9 * j + 3 * k + 3, ya:yb, xa:xb]
                sp, spp = sums[1 + k], sums[4 + k]
                num = spt - sp * st / nn
                vp = np.maximum(spp - sp * sp / nn, 0.0)
                vt = np.maximum(stt - st * st / nn, 0.0)
                # Where the visible part of the channel is flat to within rounding
                # (1e-5 of the channel's energy; float32's measured under 1e-6), both
                # sides of the ratio are rounding: it counts as no match. (Uncentred,
                # even double precision left such ratios, one ranked above the logo.)
                ratio = num / (np.sqrt(vp * vt) + 0.05 * np.sqrt(vt * nn) + 1e-9)
                acc += np.where(vt > 1e-5 * energy[k], ratio, 0.0)
            score = acc / len(channels)
            # ... with enough of the logo left to see.
            valid = n >= 0.3 * th * tw
            if not valid.any():
                continue
            score = np.where(valid, score, -2.0)
            k = int(np.argmax(score))
            y, x = divmod(k, xb - xa)
            v = float(score[y, x])
            y, x = y + ya, x + xa
            if np.isfinite(v) and v > -1.0:
                peaks.append((v, _listing_box(x, y, tw, th, scale)))
    peaks.sort(key=lambda p: -p[0])
    out: list[tuple[float, tuple[int, int, int, int]]] = []
    for v, box in peaks:
        if all(_iou(box, b) < 0.3 for _, b in out):
            out.append((v, box))
        if len(out) == candidates:
            break
    return out


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


_COVER_SHIFTS = (-0.16, -0.08, 0.0, 0.08, 0.16)  # of the located box's size
_COVER_SCALES = (0.84, 0.92, 1.0, 1.08, 1.16)
_REFINE_STARTS = 3
_COVER_CANDIDATES = 4  # coarse peaks examined for a covered logo
# A cover takes a big share of the coarse correlation away; the fine check that follows
# is strict (the uncovered rest must match the reference cell by cell).
_MIN_COVER_CORRELATION = 0.3
_CELL_MATCH = 24.0
# A cover hides at most ~70% of the logo: the rest keeps the capped fit error under this.
_MAX_FIT_ERROR = 0.75 * 2 * _CELL_MATCH
# Visible detail vs the reference's strokes: covered copies of the logo measured
# 0.36-0.84, other logos in the same style with a patch over their emblem up to 0.45.
_MIN_SHAPE_MATCH = 0.46  # mean absolute RGB difference of a fine cell that still matches


_Fit = tuple[float, tuple[int, int, int, int]] | None


def _fit_error(
    sums: npt.NDArray[np.float64],
    cx: float,
    cy: float,
    w: float,
    h: float,
    ref: LogoReference,
    memo: dict[tuple[int, int, int, int], _Fit] | None = None,
) -> _Fit:
    """How badly the box centred at (cx, cy) of size w x h fits the reference: the mean
    colour difference of its fine cells, each capped so that covered cells (any colour)
    weigh the same wherever the box sits. ``sums`` is the image's integral image, so a
    box costs a few array lookups. Nearby boxes round to the same pixels: ``memo``
    keeps the answers per pixel box."""
    b = (round(cx - w / 2), round(cy - h / 2), round(cx + w / 2), round(cy + h / 2))
    if memo is None:
        return _box_fit_error(sums, b, ref)
    if b not in memo:
        memo[b] = _box_fit_error(sums, b, ref)
    return memo[b]


def _box_fit_error(
    sums: npt.NDArray[np.float64], b: tuple[int, int, int, int], ref: LogoReference
) -> _Fit:
    e = box_fit_error(sums, *b, ref.fit_cells, 2 * _CELL_MATCH)
    return None if np.isnan(e) else (e, b)


def _box_fit_errors(
    sums: npt.NDArray[np.float64], boxes: list[tuple[int, int, int, int]], ref: LogoReference
) -> list[_Fit]:
    """(fit error, box) of each box, or None where it leaves the image or is too small
    for the grid (:func:`detection.engine.cell_fit.box_fit_errors`)."""
    errs = box_fit_errors(sums, np.array(boxes, np.int64), ref.fit_cells, 2 * _CELL_MATCH)
    return [None if np.isnan(e) else (float(e), b) for e, b in zip(errs, boxes, strict=True)]


def _refine(
    img: Image.Image, box: tuple[int, int, int, int], ref: LogoReference
) -> tuple[int, int, int, int] | None:
    """The logo's exact box near a coarse one (the coarse search is good to ~15%):
    the best few of a grid of shifts and sizes, each improved by a descent with
    shrinking steps."""
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    # The integral image in integers (exact, and several times faster than in floats),
    # then as floats: the same values either way.
    px = np.asarray(img)
    counts = np.zeros((px.shape[0] + 1, px.shape[1] + 1, 3), np.int64)
    np.cumsum(px, 0, dtype=np.int64, out=counts[1:, 1:])
    np.cumsum(counts[1:, 1:], 1, out=counts[1:, 1:])
    sums = counts.astype(np.float64)
    starts = []
    memo: dict[tuple[int, int, int, int], _Fit] = {}
    grid = [
        ((x0 + x1) / 2 + dx * w, (y0 + y1) / 2 + dy * h, s)
        for s in _COVER_SCALES
        for dy in _COVER_SHIFTS
        for dx in _COVER_SHIFTS
    ]
    boxes = [
        (round(cx - w * s / 2), round(cy - h * s / 2), round(cx + w * s / 2), round(cy + h * s / 2))
        for cx, cy, s in grid
    ]
    for (cx, cy, s), b, fit in zip(grid, boxes, _box_fit_errors(sums, boxes, ref), strict=True):
        memo[b] = fit
        if fit is not None:
            starts.append((fit[0], cx, cy, s))
    starts.sort()
    if not starts or starts[0][0] > _MAX_FIT_ERROR:
        return None  # not even a quarter of the logo matches anywhere near
    best: tuple[float, tuple[int, int, int, int]] | None = None
    for err, cx, cy, s in starts[:_REFINE_STARTS]:
        b = None
        step = 0.03
        while step >= 0.005:
            moved = False
            for ddx, ddy, ds in (
                (step, 0, 0),
                (-step, 0, 0),
                (0, step, 0),
                (0, -step, 0),
                (0, 0, step),
                (0, 0, -step),
            ):
                ncx, ncy, ns = cx + ddx * w, cy + ddy * h, s * (1 + ds)
                fit = _fit_error(sums, ncx, ncy, w * ns, h * ns, ref, memo)
                if fit is not None and fit[0] < err - 1e-6:
                    err, b = fit[0], fit[1]
                    cx, cy, s = ncx, ncy, ns
                    moved = True
            if not moved:
                step /= 2
        if b is None:
            b = _fit_error(sums, cx, cy, w * s, h * s, ref, memo)[1]  # type: ignore[index]
        if best is None or err < best[0]:
            best = (err, b)
    assert best is not None
    return best[1]


def _find_cover(
    img: Image.Image, box: tuple[int, int, int, int], ref: LogoReference
) -> tuple[float, tuple[int, int, int, int], str, float] | None:
    """A solid cover (box, sticker, band) over the logo's detail near the coarse location.

    A cover drags the coarse match off the logo and spoils the colour layout of whole
    cells, so the layout check alone rejects it.  Here the location is refined
    (:func:`_refine`) by the colour difference of fine cells, capped so that a cover
    costs the same wherever the box sits.  At the best position, a cover is a patch of
    flat cells of one colour where the reference differs -- in pieces when the cover
    has the logo's background colour, but inside one solid patch; everything around
    it must match the reference, and part of the logo's detail must still be visible
    and have the reference's strokes.  Returns (covered share of the logo's detail,
    box, description, quality of the fit) or None.
    """
    x0, y0, x1, y1 = box
    if min(x1 - x0, y1 - y0) < 2 * _FINE:
        return None
    # Align on a copy of the neighbourhood where the logo is ~160 px: as exact, cheaper.
    f = min(1.0, 160.0 / min(x1 - x0, y1 - y0))
    mx, my = (x1 - x0) * 0.4, (y1 - y0) * 0.4
    ox, oy = max(0, round(x0 - mx)), max(0, round(y0 - my))
    near = img.crop((ox, oy, min(img.width, round(x1 + mx)), min(img.height, round(y1 + my))))
    near = near.resize(
        (max(1, round(near.width * f)), max(1, round(near.height * f))), Image.Resampling.BOX
    )
    local = (round((x0 - ox) * f), round((y0 - oy) * f), round((x1 - ox) * f), round((y1 - oy) * f))
    lb = _refine(near, local, ref)
    if lb is None:
        return None
    b = (
        round(lb[0] / f) + ox,
        round(lb[1] / f) + oy,
        min(img.width, round(lb[2] / f) + ox),
        min(img.height, round(lb[3] / f) + oy),
    )
    cells = _cell_means(img.crop(b), _FINE)
    region = img.crop(b)
    grey = np.asarray(
        region.convert("L").resize((4 * _FINE, 4 * _FINE), Image.Resampling.BOX), np.float32
    )
    flat = _cell_std(grey, _FINE) < 6.0
    outlier = np.abs(cells - ref.fine_cells).mean(axis=2) >= _CELL_MATCH
    candidates = flat & outlier
    labels, n = label(candidates)
    cover = np.zeros_like(candidates)
    colour = np.zeros(3, np.float32)
    for k in range(1, n + 1):
        part = labels == k
        c = np.median(cells[part], axis=0)
        part &= np.abs(cells - c).max(axis=2) < 20.0  # one colour
        if part.sum() > cover.sum():
            cover, colour = part, c
    # A cover in the logo's background colour hides the strokes but not the background
    # between them: its hidden cells come in pieces, all inside one solid patch.
    same = flat & (np.abs(cells - colour).max(axis=2) < 20.0)
    cover = candidates & same
    area = int(cover.sum())
    if area < 12 or area > 0.7 * cover.size:
        return None
    ys, xs = np.nonzero(cover)
    if same[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1].mean() < 0.7:
        return None  # scattered flat cells, not one cover
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
        or hidden < 0.2
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
    return hidden, b, detail, shape * rest_match


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
    view = _search_view(img)
    candidates = _locate(view, ref, _COVER_CANDIDATES)
    corr, box = candidates[0]
    if corr < min_correlation:
        if (covered := _cover_among(img, view, candidates, ref)) is not None:
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
        if (covered := _cover_among(img, view, candidates, ref)) is not None:
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
        # A cover found and verified at the refined location tells where the logo is
        # better than the coarse match does (which can lock on to part of the logo).
        if (covered := _cover_among(img, view, candidates, ref)) is not None:
            return covered
        kind, score = "occluded", min(1.0, occluded / 0.6)
    elif hf_ratio < 0.45:
        kind, score = "blur", min(1.0, (0.45 - hf_ratio) / 0.35)
    elif (covered := _cover_among(img, view, candidates, ref)) is not None and not _part_of(
        covered.box,  # type: ignore[arg-type]  # a cover found always has its box
        box,
    ):
        # (A "cover" well inside the logo found here is the logo's own plain
        # background passing for a cover over a smaller copy of it: the logo is clean.)
        return covered
    detail = (
        f"logo located (correlation {corr:.2f}, colour layout {layout:.2f}) at {box}; "
        f"detail energy {hf_ratio:.0%} of the reference, {occluded:.0%} of its detailed "
        f"cells flat, grid pattern {mosaic:.2f}"
    )
    return SmearResult(True, kind != "clean", kind, round(score, 3), round(corr, 3), box, detail)


def _part_of(inner: tuple[int, int, int, int], outer: tuple[int, int, int, int]) -> bool:
    """Is ``inner`` a small box (under half the area) lying within ``outer``?"""
    area = (inner[2] - inner[0]) * (inner[3] - inner[1])
    ix = max(0, min(inner[2], outer[2]) - max(inner[0], outer[0]))
    iy = max(0, min(inner[3], outer[3]) - max(inner[1], outer[1]))
    outer_area = (outer[2] - outer[0]) * (outer[3] - outer[1])
    return area < 0.5 * outer_area and ix * iy >= 0.9 * area


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
    img: Image.Image,
    view: _SearchView,
    candidates: list[tuple[float, tuple[int, int, int, int]]],
    ref: LogoReference,
) -> SmearResult | None:
    """The coarse candidate that is most clearly the logo under a cover (see
    :func:`_find_cover`): among the plain matches, and matches around each flat patch
    with the patch left out (:func:`_locate_covered`), which a bright cover cannot pull
    away. The best fit wins: part of a logo can pass for the logo at a smaller size."""
    # No flat patch, no cover: most photos end here, before any costly alignment.
    scale = view.scale
    patches = _cover_patches(view.small)[:_MAX_PATCHES]
    if not patches:
        return None
    cover_mask = np.any(patches, axis=0)
    tried: list[tuple[int, int, int, int]] = []
    best: tuple[float, SmearResult] | None = None
    for group in (candidates, None):
        if group is None:
            group = _locate_covered(view, patches, ref)
        for corr, box in group:
            if corr < _MIN_COVER_CORRELATION:
                break
            if any(_iou(box, b) > 0.8 for b in tried):
                continue
            x0, y0, x1, y1 = (round(v * scale) for v in box)
            if cover_mask[y0 : y1 + 1, x0 : x1 + 1].sum() < _COVER_MIN_AREA / 2:
                continue  # no cover over this place
            tried.append(box)
            cover = _find_cover(img, box, ref)
            if cover is not None and (best is None or cover[3] > best[0]):
                hidden, fine_box, detail, fit = cover
                score = round(min(1.0, hidden / 0.6), 3)
                best = (
                    fit,
                    SmearResult(True, True, "occluded", score, round(corr, 3), fine_box, detail),
                )
    return best[1] if best else None
