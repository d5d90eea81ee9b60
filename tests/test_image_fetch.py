"""Fetching listing photos by URL: what an integrator sees when a URL is good,
moved, missing, too large, or points inside the platform's network."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from platform_core.images import ImageRejected, fetch_image
from tests.images import jpeg_bytes

PHOTO = jpeg_bytes(3)


class _Server:
    """Answers each path as told: (status, headers, body chunks)."""

    def __init__(self):
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as CDNs answer

            def do_GET(self):
                server.requests.append(self.path)
                status, headers, chunks = server.routes(self.path)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                for chunk in chunks:
                    self.wfile.write(chunk)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def routes(self, path: str):
        sized = {"Content-Length": str(len(PHOTO))}
        if path == "/photo.jpg":
            return 200, sized, [PHOTO]
        if path == "/moved":
            return 302, {"Location": "/photo.jpg", "Content-Length": "4"}, [b"gone"]
        if path == "/moved-inside":
            return 301, {"Location": "http://10.1.2.3/photo.jpg", "Content-Length": "0"}, []
        if path == "/loop":
            return 302, {"Location": "/loop", "Content-Length": "0"}, []
        if path == "/declared-huge":
            return 200, {"Content-Length": str(10**9)}, []
        if path == "/endless":  # no length given: streams until the connection closes
            return 200, {"Connection": "close"}, [b"\xff" * 65536] * 40
        return 404, {"Content-Length": "9"}, [b"not found"]


@pytest.fixture
def server(settings):
    settings.IMAGE_FETCH_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.IMAGE_MAX_BYTES = 1024 * 1024
    s = _Server()
    yield s
    s.httpd.shutdown()


def _refusal(url: str) -> ImageRejected:
    with pytest.raises(ImageRejected) as caught:
        fetch_image(url)
    return caught.value


def test_a_photo_is_downloaded_byte_for_byte_and_the_connection_reused(server):
    assert fetch_image(server.url("/photo.jpg")) == PHOTO
    assert fetch_image(server.url("/photo.jpg")) == PHOTO
    assert server.requests == ["/photo.jpg", "/photo.jpg"]


def test_a_moved_photo_is_followed_to_its_new_address(server):
    assert fetch_image(server.url("/moved")) == PHOTO
    assert server.requests == ["/moved", "/photo.jpg"]
    # The redirect's unread body did not poison the pooled connection.
    assert fetch_image(server.url("/photo.jpg")) == PHOTO


def test_a_redirect_into_the_platforms_network_is_refused(server):
    refused = _refusal(server.url("/moved-inside"))
    assert refused.code == "image_url_forbidden"
    assert server.requests == ["/moved-inside"]


def test_endless_redirects_stop(server):
    refused = _refusal(server.url("/loop"))
    assert (refused.code, refused.message) == ("image_url_unreachable", "Too many redirects.")
    assert len(server.requests) == 4  # the first request and three redirects


def test_a_missing_photo_names_the_status_the_host_answered(server):
    refused = _refusal(server.url("/nothing-here.jpg"))
    assert refused.code == "image_url_unreachable"
    assert "404" in refused.message


@pytest.mark.parametrize("path", ["/declared-huge", "/endless"])
def test_a_photo_over_the_size_limit_is_refused_whether_declared_or_not(server, path):
    refused = _refusal(server.url(path))
    assert (refused.code, refused.status) == ("image_too_large", 413)


def test_a_host_that_does_not_answer_is_reported_unreachable(server):
    closed = _Server()
    url = closed.url("/photo.jpg")
    closed.httpd.shutdown()
    closed.httpd.server_close()
    refused = _refusal(url)
    assert refused.code == "image_url_unreachable"
    assert refused.message.startswith("Could not fetch the image")


def test_loopback_is_refused_unless_allow_listed(server, settings):
    settings.IMAGE_FETCH_ALLOWED_HOSTS = []
    assert _refusal(server.url("/photo.jpg")).code == "image_url_forbidden"
    assert server.requests == []
