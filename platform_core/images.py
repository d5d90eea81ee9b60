"""Image intake: recognise by content, refuse bombs before decoding, strip
metadata, and fetch remote images without reaching the platform's own network.
"""

from __future__ import annotations

import functools
import io
import ipaddress
import socket
import struct
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import requests
from django.conf import settings
from PIL import Image, ImageOps, UnidentifiedImageError

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
    if len(data) > settings.IMAGE_MAX_BYTES:
        limit = settings.IMAGE_MAX_BYTES // (1024 * 1024)
        raise ImageRejected("image_too_large", f"The image is larger than {limit} MB.", 413)
    if len(data) < 16:
        raise ImageRejected("not_an_image", "The file is not an image.")
    try:
        with Image.open(io.BytesIO(data)) as img:
            fmt, (width, height) = img.format, img.size
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
    return ImageInfo(fmt, width, height)


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
    has_alpha = img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info)
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


# --- Fetching by URL ----------------------------------------------------------


def _address_allowed(host: str) -> None:
    if host in settings.IMAGE_FETCH_ALLOWED_HOSTS:
        return
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise ImageRejected("image_url_unreachable", f"Cannot resolve {host}.") from exc
    for info in infos:
        ip = ipaddress.ip_address(info[4][0].split("%")[0])
        if (
            ip.is_private
            or ip.is_loopback
            or ip.is_link_local
            or ip.is_multicast
            or ip.is_reserved
            or ip.is_unspecified
        ):
            raise ImageRejected(
                "image_url_forbidden", "Images are not fetched from internal network addresses."
            )


def check_image_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ImageRejected("image_url_invalid", "Image URLs must be http(s) URLs.")
    if parts.username or parts.password:
        raise ImageRejected("image_url_invalid", "Image URLs may not carry credentials.")


@functools.cache
def _session() -> requests.Session:
    """One pooled session per worker process: images mostly come from a few CDNs."""
    return requests.Session()


def fetch_image(url: str) -> bytes:
    """Download an image with a size cap, a timeout and redirects re-checked,
    refusing loopback, private and link-local addresses (unless allow-listed)."""
    for _ in range(MAX_REDIRECTS + 1):
        check_image_url(url)
        _address_allowed(urlsplit(url).hostname)
        try:
            response = _session().get(
                url,
                stream=True,
                timeout=settings.IMAGE_FETCH_TIMEOUT,
                allow_redirects=False,
                headers={"User-Agent": "CoGuard-image-intake/1.0"},
            )
        except requests.RequestException as exc:
            raise ImageRejected(
                "image_url_unreachable", f"Could not fetch the image: {exc}"
            ) from exc
        with response:
            if response.is_redirect:
                url = urljoin(url, response.headers.get("Location", ""))
                continue
            if response.status_code != 200:
                raise ImageRejected(
                    "image_url_unreachable", f"The image URL answered {response.status_code}."
                )
            declared = int(response.headers.get("Content-Length") or 0)
            if declared > settings.IMAGE_MAX_BYTES:
                raise ImageRejected("image_too_large", "The image is too large.", 413)
            body = bytearray()
            for chunk in response.iter_content(64 * 1024):
                body += chunk
                if len(body) > settings.IMAGE_MAX_BYTES:
                    raise ImageRejected("image_too_large", "The image is too large.", 413)
            return bytes(body)
    raise ImageRejected("image_url_unreachable", "Too many redirects.")
