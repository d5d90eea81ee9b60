"""Fetching listing photos by URL: what an integrator sees when a URL is good,
moved, missing, too large, or points inside the platform's network."""

from __future__ import annotations

import base64
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from platform_core import outbound
from platform_core.images import ImageRejected, _proxy_for, fetch_image
from tests.images import jpeg_bytes

PHOTO = jpeg_bytes(3)


class _Server:
    """Answers each path as told: (status, headers, body chunks)."""

    def __init__(self):
        self.requests: list[str] = []
        self.clients: list[tuple[str, int]] = []  # the connection each request came on
        self.proxy_auth: list[str | None] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as CDNs answer

            def do_GET(self):
                server.requests.append(self.path)
                server.clients.append(self.client_address)
                server.proxy_auth.append(self.headers.get("Proxy-Authorization"))
                # As a forward proxy it is asked for absolute URLs.
                status, headers, chunks = server.routes(urlsplit(self.path).path)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                try:
                    for chunk in chunks:
                        self.wfile.write(chunk)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client stopped reading: what a size cap does

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
        if path == "/moved-nowhere":
            return 302, {"Content-Length": "0"}, []
        if path == "/moved-badly":
            return 302, {"Location": "http://[::1/photo.jpg", "Content-Length": "0"}, []
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
    s.httpd.server_close()


def _refusal(url: str) -> ImageRejected:
    with pytest.raises(ImageRejected) as caught:
        fetch_image(url)
    return caught.value


def test_a_photo_is_downloaded_byte_for_byte_and_the_connection_reused(server):
    assert fetch_image(server.url("/photo.jpg")) == PHOTO
    assert fetch_image(server.url("/photo.jpg")) == PHOTO
    assert server.requests == ["/photo.jpg", "/photo.jpg"]
    assert server.clients[0] == server.clients[1], "the second download opened a new connection"


def test_a_moved_photo_is_followed_to_its_new_address(server):
    assert fetch_image(server.url("/moved")) == PHOTO
    assert server.requests == ["/moved", "/photo.jpg"]
    # The redirect's unread body did not poison the pooled connection.
    assert fetch_image(server.url("/photo.jpg")) == PHOTO


def test_a_redirect_into_the_platforms_network_is_refused(server):
    refused = _refusal(server.url("/moved-inside"))
    assert refused.code == "image_url_forbidden"
    assert server.requests == ["/moved-inside"]


def test_a_redirect_without_a_location_or_to_a_broken_url_is_refused_clearly(server):
    refused = _refusal(server.url("/moved-nowhere"))
    assert refused.code == "image_url_unreachable"
    assert "302" in refused.message
    refused = _refusal(server.url("/moved-badly"))
    assert refused.code == "image_url_invalid"


@pytest.mark.parametrize(
    "url", ["http://[::1/photo.jpg", "http://example.com:99999/x.jpg", "ftp://example.com/x.jpg"]
)
def test_a_malformed_url_is_refused_before_any_request(server, url):
    assert _refusal(url).code == "image_url_invalid"
    assert server.requests == []


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


@pytest.fixture
def proxy_env(monkeypatch):
    """A clean proxy environment, and the per-origin proxy choice forgotten."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    _proxy_for.cache_clear()
    yield monkeypatch
    _proxy_for.cache_clear()


@pytest.mark.parametrize(
    "proxy, credentials",
    [("http://user:secret@127.0.0.1:{port}", b"user:secret"), ("127.0.0.1:{port}", None)],
)
def test_a_proxy_from_the_environment_is_used(server, settings, proxy_env, proxy, credentials):
    settings.IMAGE_FETCH_ALLOWED_HOSTS = ["images.example"]  # never resolved: the proxy fetches
    proxy_env.setenv("HTTP_PROXY", proxy.format(port=server.port))  # a bare host:port works too
    assert fetch_image("http://images.example/photo.jpg") == PHOTO
    assert server.requests == ["http://images.example/photo.jpg"]
    expected = "Basic " + base64.b64encode(credentials).decode() if credentials else None
    assert server.proxy_auth == [expected]


def test_no_proxy_exempts_hosts_by_address_range(server, proxy_env):
    proxy_env.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
    proxy_env.setenv("NO_PROXY", "127.0.0.0/8")
    assert fetch_image(server.url("/photo.jpg")) == PHOTO
    assert server.requests == ["/photo.jpg"]  # asked directly, not as a proxy


@pytest.fixture
def rebinding_dns(monkeypatch):
    """A hostile name server for ``cdn.rebind.example``: a public address to
    the first question, the platform's own (loopback) to every later one."""
    real = socket.getaddrinfo
    answers = []

    def getaddrinfo(host, port, *args, **kwargs):
        if host != "cdn.rebind.example":
            return real(host, port, *args, **kwargs)
        address = "8.8.8.8" if not answers else "127.0.0.1"
        answers.append(address)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port or 0))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers


def test_a_name_that_rebinds_to_an_internal_address_never_reaches_it(
    server, settings, rebinding_dns, monkeypatch
):
    settings.IMAGE_FETCH_ALLOWED_HOSTS = []
    connected = []

    def create_connection(address, *args, **kwargs):
        connected.append(address[0])  # the public address does not answer here
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(outbound, "create_connection", create_connection)
    refused = _refusal(f"http://cdn.rebind.example:{server.port}/photo.jpg")
    assert refused.code == "image_url_unreachable"
    # Resolved once, and the connection went to the address that was checked.
    assert rebinding_dns == ["8.8.8.8"]
    assert connected == ["8.8.8.8"]
    assert server.requests == []


def test_a_name_with_any_internal_address_is_refused(server, settings, monkeypatch):
    settings.IMAGE_FETCH_ALLOWED_HOSTS = []
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host != "cdn.mixed.example":
            return real(host, port, *args, **kwargs)
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port or 0))
            for address in ("8.8.8.8", "127.0.0.1")
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    refused = _refusal(f"http://cdn.mixed.example:{server.port}/photo.jpg")
    assert refused.code == "image_url_forbidden"
    assert server.requests == []


@pytest.mark.parametrize(
    "address, internal",
    [
        ("8.8.8.8", False),
        ("2001:4860:4860::8888", False),
        ("10.0.0.8", True),
        ("127.0.0.1", True),
        ("169.254.169.254", True),  # a cloud's metadata service
        ("100.100.100.200", True),  # shared address space: another cloud's metadata
        ("224.0.0.1", True),
        ("0.0.0.0", True),
        ("::1", True),
        ("fe80::1%eth0", True),
        ("::ffff:127.0.0.1", True),  # IPv4-mapped loopback
        ("2002:7f00:1::", True),  # 6to4 around 127.0.0.1
        ("2002:808:808::", False),  # 6to4 around 8.8.8.8
    ],
)
def test_what_counts_as_the_platforms_own_network(address, internal):
    assert outbound.is_internal(address) is internal
