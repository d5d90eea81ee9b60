"""Image intake: recognise by content, refuse bombs before decoding, strip
metadata, and fetch remote images without reaching the platform's own network.
"""

from __future__ import annotations

import functools
import io
import math
import os
import re
import socket
import struct
from dataclasses import dataclass
from urllib.parse import SplitResult, urljoin, urlsplit

import certifi
import requests
import urllib3
from django.conf import settings
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from .outbound import InternalAddress, checked_addresses, checked_pool_classes

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
THUMBNAIL_SIZE = (320, 320)
# Evidence needs detail, not a camera's full resolution.
MAX_STORED_SIDE = 1600
MAX_REDIRECTS = 3

# Our own ceiling (settings.IMAGE_MAX_PIXELS) is checked before decoding; this
# keeps Pillow's bomb guard from second-guessing it in either direction.
Image.MAX_IMAGE_PIXELS = None


class ImageRejected(Exception):
    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


@dataclass(frozen=True)
class ImageInfo:
    format: str
    width: int
    height: int


def _looks_complete(fmt: str, data: bytes) -> bool:
    """Cheap structural checks that catch truncated uploads without decoding."""
    if fmt == "JPEG":
        return data.rstrip(b"\x00").endswith(b"\xff\xd9")
    if fmt == "PNG":
        return b"IEND" in data[-16:]
    if fmt == "WEBP":
        riff_len = struct.unpack("<I", data[4:8])[0]
        return len(data) >= riff_len + 8
    return False


def inspect_image_bytes(data: bytes) -> ImageInfo:
    """Identify the image from its bytes and check it may be decoded: format by
    content (never by name), a pixel ceiling read from the header, and no
    truncation. Decodes nothing."""
    return _inspect(data)[0]


def _inspect(data: bytes, *, storable_as_is: bool = False) -> tuple[ImageInfo, bool]:
    """``inspect_image_bytes``, and (when asked) whether the JPEG's compressed
    data can be stored as it is (see ``_jpeg_needs_reencode``)."""
    as_is = False
    if len(data) > settings.IMAGE_MAX_BYTES:
        limit = settings.IMAGE_MAX_BYTES // (1024 * 1024)
        raise ImageRejected("image_too_large", f"The image is larger than {limit} MB.", 413)
    if len(data) < 16:
        raise ImageRejected("not_an_image", "The file is not an image.")
    try:
        with Image.open(io.BytesIO(data)) as img:
            fmt, (width, height) = img.format, img.size
            if storable_as_is and fmt == "JPEG":
                as_is = not _jpeg_needs_reencode(img)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, struct.error) as exc:
        raise ImageRejected("not_an_image", "The file is not a JPEG, PNG or WebP image.") from exc
    if fmt not in ACCEPTED_FORMATS:
        raise ImageRejected(
            "unsupported_image_format", f"{fmt} images are not accepted; use JPEG, PNG or WebP."
        )
    if width * height > settings.IMAGE_MAX_PIXELS:
        raise ImageRejected(
            "image_too_many_pixels",
            f"The image is {width}×{height} pixels; at most "
            f"{settings.IMAGE_MAX_PIXELS:,} pixels are accepted.",
            413,
        )
    if not _looks_complete(fmt, data):
        raise ImageRejected("image_truncated", "The image file is truncated or corrupt.")
    return ImageInfo(fmt, width, height), as_is


@dataclass
class CleanImage:
    content: bytes
    extension: str
    width: int
    height: int
    thumbnail: bytes
    image: Image.Image  # decoded, orientation applied, RGB or RGBA
    thumbnail_image: Image.Image


def reencode(data: bytes) -> CleanImage:
    """Decode fully and re-encode without metadata (EXIF, GPS, ICC comments)."""
    inspect_image_bytes(data)
    try:
        with Image.open(io.BytesIO(data)) as src:
            if src.format == "JPEG":
                # Decode big JPEGs at a reduced DCT scale: far cheaper, and the
                # stored copy is capped at MAX_STORED_SIDE anyway.
                src.draft("RGB", (MAX_STORED_SIDE, MAX_STORED_SIDE))
            src.load()
            img = ImageOps.exif_transpose(src)
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageRejected("image_truncated", "The image file is truncated or corrupt.") from exc
    has_alpha = _has_alpha(img)
    img = img.convert("RGBA" if has_alpha else "RGB")
    if max(img.size) > MAX_STORED_SIDE:
        img.thumbnail((MAX_STORED_SIDE, MAX_STORED_SIDE), reducing_gap=3.0)
    out = io.BytesIO()
    if has_alpha:
        img.save(out, "PNG", optimize=False)
        ext = "png"
    else:
        img.save(out, "JPEG", quality=90, optimize=False)
        ext = "jpg"
    thumb = img.copy()
    thumb.thumbnail(THUMBNAIL_SIZE, Image.Resampling.BILINEAR, reducing_gap=2.0)
    thumb_out = io.BytesIO()
    thumb.convert("RGB").save(thumb_out, "JPEG", quality=80)
    return CleanImage(out.getvalue(), ext, img.width, img.height, thumb_out.getvalue(), img, thumb)


# --- Intake: clean once, decode once ------------------------------------------

# What the thumbnail and the perceptual fingerprints need: JPEGs are decoded
# at the smallest DCT scale (1/2 .. 1/8) that keeps the short side at least
# this long, which costs a fraction of a full decode.
PREVIEW_MIN_SIDE = 320


def preview_image(data: bytes) -> Image.Image:
    """The stored image decoded for its thumbnail and fingerprints: JPEGs at a
    reduced DCT scale, other formats in full. Listing photos and brands'
    reference images both go through here, so their fingerprints compare
    like with like."""
    try:
        with Image.open(io.BytesIO(data)) as src:
            if src.format == "JPEG":
                w, h = src.size
                scale = min(1.0, PREVIEW_MIN_SIDE / max(1, min(w, h)))
                mode = src.mode if src.mode in ("RGB", "L") else "RGB"
                src.draft(mode, (math.ceil(w * scale), math.ceil(h * scale)))
            src.load()
            if src.mode in ("RGB", "RGBA", "L"):
                return src.copy()  # still usable once the file is closed
            return src.convert("RGBA" if _has_alpha(src) else "RGB")
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageRejected("image_truncated", "The image file is truncated or corrupt.") from exc


def _has_alpha(img: Image.Image) -> bool:
    return img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info)


@dataclass
class IntakeImage:
    """A listing photo ready to store: metadata-free content, its thumbnail, and
    the reduced decode (``preview``) its fingerprints are computed from."""

    content: bytes
    extension: str
    width: int
    height: int
    thumbnail: bytes
    preview: Image.Image
    reencoded: bool  # False: the original JPEG's own scan data, losslessly stripped


def _jpeg_needs_reencode(src: Image.Image) -> bool:
    """Pixels must change (rotate, shrink, leave CMYK) only in these cases; any
    other JPEG is stored as its own compressed data with metadata stripped."""
    if max(src.size) > MAX_STORED_SIDE or src.mode not in ("RGB", "L"):
        return True
    try:
        orientation = src.getexif().get(ExifTags.Base.Orientation, 1)
    except (OSError, SyntaxError, ValueError, struct.error):
        return True  # unreadable EXIF: re-encoding drops it either way
    return orientation not in (0, 1)


def intake_image(data: bytes) -> IntakeImage:
    """Clean a listing photo for storage and decode it once for its thumbnail
    and fingerprints.

    A JPEG that needs no pixel change keeps its compressed data: its metadata
    (EXIF, GPS, XMP, ICC, comments, embedded previews, bytes after the image) is
    cut out segment by segment, which is lossless and costs no decode or encode.
    Everything else (PNG, WebP, rotated, oversized or CMYK JPEGs) is decoded in
    full and re-encoded as before. Either way the stored bytes are then decoded
    (at reduced scale), so a file that does not decode is refused, not stored.
    """
    info, as_is = _inspect(data, storable_as_is=True)
    content = None
    if as_is:
        try:
            content = strip_jpeg_metadata(data)
            ext, width, height = "jpg", info.width, info.height
        except ImageRejected:
            content = None  # odd but perhaps decodable structure: the decoder decides
    reencoded = content is None
    if reencoded:
        clean = reencode(data)
        content, ext, width, height = clean.content, clean.extension, clean.width, clean.height
    preview = preview_image(content)
    thumb = preview.copy()
    # An area average: as good as bilinear at these small reductions, and cheaper.
    thumb.thumbnail(THUMBNAIL_SIZE, Image.Resampling.BOX, reducing_gap=2.0)
    thumb_out = io.BytesIO()
    thumb.convert("RGB").save(thumb_out, "JPEG", quality=80)
    return IntakeImage(content, ext, width, height, thumb_out.getvalue(), preview, reencoded)


# JPEG segments that carry the picture; every other one (APPn metadata, COM)
# is dropped. APP14 "Adobe" stays: it says how to read the colour channels.
_JPEG_PICTURE_MARKERS = frozenset([*range(0xC0, 0xC8), *range(0xC9, 0xD0), 0xDB, 0xDC, 0xDD, 0xEE])
_SOS, _EOI, _APP0 = 0xDA, 0xD9, 0xE0
# A JFIF header without a thumbnail: density unspecified (1:1 aspect).
_JFIF = b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"


def strip_jpeg_metadata(data: bytes) -> bytes:
    """The JPEG with only the segments that make the picture (quantisation and
    Huffman tables, frame, restart interval, scans) and a plain JFIF header:
    no EXIF, GPS, XMP, ICC, IPTC, comments, embedded thumbnails or trailing
    bytes. Lossless: the compressed scan data is copied unchanged."""
    corrupt = ImageRejected("image_truncated", "The image file is truncated or corrupt.")
    n = len(data)
    if data[:2] != b"\xff\xd8":
        raise corrupt
    out = [b"\xff\xd8"]
    jfif = False
    pos = 2
    while True:
        if pos >= n or data[pos] != 0xFF:
            raise corrupt
        while pos < n and data[pos] == 0xFF:  # fill bytes before a marker
            pos += 1
        if pos >= n:
            raise corrupt
        marker = data[pos]
        pos += 1
        if marker == _EOI:
            out.append(b"\xff\xd9")
            return b"".join(out)
        if pos + 2 > n:
            raise corrupt
        length = int.from_bytes(data[pos : pos + 2], "big")
        end = pos + length
        if length < 2 or end > n:
            raise corrupt
        if marker == _APP0 and not jfif and data[pos + 2 : pos + 7] == b"JFIF\x00":
            out.append(_JFIF)
            jfif = True
        elif marker == _SOS:
            end = _scan_end(data, end)
            if end < 0:
                raise corrupt
            out.append(b"\xff\xda" + data[pos:end])
        elif marker in _JPEG_PICTURE_MARKERS:
            out.append(bytes((0xFF, marker)) + data[pos:end])
        elif not (0xE0 <= marker <= 0xEF or marker == 0xFE):
            raise corrupt  # not a segment a picture may carry
        pos = end


# In entropy-coded data a 0xFF is followed by 0x00 (a stuffed byte), another
# 0xFF (fill) or a restart marker; anything else is the next segment's marker.
_SEGMENT_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")


def _scan_end(data: bytes, pos: int) -> int:
    """Where the entropy-coded data that starts at ``pos`` ends (-1: it does not)."""
    found = _SEGMENT_MARKER.search(data, pos)
    return found.start() if found else -1


# --- Fetching by URL ----------------------------------------------------------


def check_image_url(url: str) -> SplitResult:
    """The URL's parts, if an image may be fetched from it at all."""
    try:
        parts = urlsplit(url)
        # Parsed lazily: a bad port or host raises here, not mid-download.
        host, _port = parts.hostname, parts.port
    except ValueError as exc:
        raise ImageRejected("image_url_invalid", "The image URL is not a valid URL.") from exc
    if parts.scheme not in ("http", "https") or not host:
        raise ImageRejected("image_url_invalid", "Image URLs must be http(s) URLs.")
    if parts.username or parts.password:
        raise ImageRejected("image_url_invalid", "Image URLs may not carry credentials.")
    return parts


_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_HEADERS = {"User-Agent": "CoGuard-image-intake/1.0", "Accept": "*/*"}


@functools.cache
def _pool(proxy: str | None) -> urllib3.PoolManager:
    """One connection pool per worker process (and proxy): images mostly come
    from a few CDNs, and a chunk downloads on ``INTAKE_DOWNLOADS`` threads, each
    keeping its connection. urllib3 directly, not requests: requests' per-call
    setup (merging settings, cookies, hooks) cost more CPU than the download.
    Certificates are checked against REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE (a file
    or a folder) when set, else certifi's bundle, as requests would; credentials
    from a .netrc are never sent to image hosts."""
    ca = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or certifi.where()
    options = {
        "cert_reqs": "CERT_REQUIRED",
        ("ca_cert_dir" if os.path.isdir(ca) else "ca_certs"): ca,
        "maxsize": 10,
    }
    if proxy is None:
        manager = urllib3.PoolManager(**options)
        # Each connection resolves its host once and connects only to an
        # address it checked: no window for DNS rebinding.
        manager.pool_classes_by_scheme = checked_pool_classes("IMAGE_FETCH_ALLOWED_HOSTS")
        return manager
    # What requests' adapter does with a proxy URL: a default scheme, and its
    # credentials sent as Proxy-Authorization.
    proxy = requests.utils.prepend_scheme_if_needed(proxy, "http")
    user, password = requests.utils.get_auth_from_url(proxy)
    headers = urllib3.make_headers(proxy_basic_auth=f"{user}:{password}") if user else None
    return urllib3.ProxyManager(proxy, proxy_headers=headers, **options)


@functools.lru_cache(maxsize=1024)
def _proxy_for(scheme: str, host: str, port: int | None) -> str | None:
    """The proxy HTTP_PROXY / HTTPS_PROXY / ALL_PROXY name for this origin unless
    NO_PROXY exempts it (hosts, domains, CIDR ranges), read as requests reads
    them; once per origin, since reading the environment costs as much as a
    download's own CPU."""
    origin = f"{scheme}://{host}" + (f":{port}" if port else "")
    proxies = requests.utils.get_environ_proxies(origin)
    return requests.utils.select_proxy(origin, proxies) if proxies else None


def fetch_image(url: str) -> bytes:
    """Download an image with a size cap, a timeout and redirects re-checked,
    refusing loopback, private and link-local addresses (unless allow-listed)."""
    allowed = settings.IMAGE_FETCH_ALLOWED_HOSTS
    for _ in range(MAX_REDIRECTS + 1):
        parts = check_image_url(url)
        # The name urllib3 connects to, which for non-ASCII hosts (IDNA 2008)
        # need not be what the resolver would make of the raw name (IDNA 2003).
        try:
            host = urllib3.util.parse_url(url).host or ""
        except ValueError as exc:
            raise ImageRejected("image_url_invalid", "The image URL is not a valid URL.") from exc
        proxy = _proxy_for(parts.scheme, parts.hostname, parts.port)
        try:
            if proxy is not None and host not in allowed:
                # The proxy resolves the name again; only it can pin the address.
                checked_addresses(host, parts.port, allowed_hosts=allowed)
            # Without a proxy the connection itself checks what it connects to.
            response = _pool(proxy).request(
                "GET",
                url,
                headers=_HEADERS,
                timeout=settings.IMAGE_FETCH_TIMEOUT,  # to connect, and between reads
                redirect=False,
                retries=False,
                preload_content=False,
            )
        except InternalAddress as exc:
            raise ImageRejected(
                "image_url_forbidden", "Images are not fetched from internal network addresses."
            ) from exc
        except (socket.gaierror, urllib3.exceptions.NameResolutionError) as exc:
            raise ImageRejected("image_url_unreachable", f"Cannot resolve {host}.") from exc
        except (urllib3.exceptions.HTTPError, ValueError) as exc:
            raise ImageRejected(
                "image_url_unreachable", f"Could not fetch the image: {exc}"
            ) from exc
        try:
            if response.status in _REDIRECTS and response.headers.get("Location"):
                try:
                    url = urljoin(url, response.headers["Location"])
                except ValueError as exc:  # e.g. an unclosed IPv6 bracket
                    raise ImageRejected(
                        "image_url_invalid", "The image URL redirects to an invalid URL."
                    ) from exc
                continue
            if response.status != 200:
                raise ImageRejected(
                    "image_url_unreachable", f"The image URL answered {response.status}."
                )
            declared = response.headers.get("Content-Length", "")
            if declared.isdecimal() and int(declared) > settings.IMAGE_MAX_BYTES:
                raise ImageRejected("image_too_large", "The image is too large.", 413)
            body = bytearray()
            try:
                for chunk in response.stream(64 * 1024):
                    body += chunk
                    if len(body) > settings.IMAGE_MAX_BYTES:
                        raise ImageRejected("image_too_large", "The image is too large.", 413)
            except urllib3.exceptions.HTTPError as exc:
                raise ImageRejected(
                    "image_url_unreachable", f"Could not fetch the image: {exc}"
                ) from exc
            return bytes(body)
        finally:
            # A body read to its end leaves the connection reusable; anything
            # left unread (a redirect's, a refused one's) must not be, so close.
            if not response.isclosed():
                response.close()
            response.release_conn()
    raise ImageRejected("image_url_unreachable", "Too many redirects.")
