"""Outbound HTTP that never reaches the platform's own network (SSRF).

Listing photos are fetched from URLs integrators send and webhooks are posted
to URLs brands register, so either could name a host that resolves to the
database, the broker or a cloud metadata service. Checking the name first and
connecting afterwards is not enough: the connection resolves the name again,
and a hostile DNS server can answer a public address to the check and a
private one to the connection (DNS rebinding). So the connection classes here
resolve once, check every address, and connect to a checked one. The TLS
certificate is still verified against the host name the URL gave.

Through a proxy the proxy resolves the target, so callers check the name
beforehand (``checked_addresses``); the proxy's own address, which the
operator configured, is not checked.
"""

from __future__ import annotations

import functools
import ipaddress
import socket
import sys

from django.conf import settings
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util.connection import allowed_gai_family, create_connection


class InternalAddress(Exception):
    """The host resolves to an address inside the platform's network."""

    def __init__(self, host: str):
        super().__init__(f"{host} resolves to an internal network address.")
        self.host = host


def is_internal(address: str) -> bool:
    """Not an address on the public internet: private, loopback, link-local,
    shared (carrier-grade NAT, where some clouds keep their metadata service),
    multicast, reserved or unspecified; an IPv6 address that carries an IPv4
    one (mapped, 6to4, Teredo) is judged by that one too."""
    ip = ipaddress.ip_address(address.split("%")[0])  # drop an IPv6 scope
    if ip.version == 6:
        carried = [ip.ipv4_mapped, ip.sixtofour, *(ip.teredo or ())]
        if any(inner is not None and is_internal(str(inner)) for inner in carried):
            return True
    return (
        not ip.is_global
        or ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def checked_addresses(host: str, port: int | None, *, allowed_hosts) -> list[str]:
    """The addresses ``host`` resolves to, if none of them is internal. An
    allow-listed host (a test server, an on-premises image store) is not
    checked. Raises ``InternalAddress``, or ``socket.gaierror`` if the name
    does not resolve."""
    host = host.strip("[]")  # an IPv6 literal as URLs write it
    try:
        # The address families urllib3 would connect with (IPv4 only on a
        # machine without IPv6).
        infos = socket.getaddrinfo(host, port, allowed_gai_family(), socket.SOCK_STREAM)
    except UnicodeError as exc:  # a label over 63 characters
        raise socket.gaierror(socket.EAI_NONAME, str(exc)) from exc
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise socket.gaierror(socket.EAI_NONAME, f"{host} has no address")
    if host not in allowed_hosts and any(is_internal(a) for a in addresses):
        raise InternalAddress(host)
    return addresses


class _ConnectsToCheckedAddresses:
    """Mixed into urllib3's connection classes: resolve once, check, connect
    to what was checked. ``allowed_hosts_setting`` names the allow-list.
    ``InternalAddress`` is not one of urllib3's errors, so it passes through
    urllib3 and requests unchanged: callers catch it."""

    allowed_hosts_setting: str

    def _new_conn(self) -> socket.socket:
        allowed = getattr(settings, self.allowed_hosts_setting)
        # urllib3 resolves _dns_host (the name with any trailing dot kept).
        try:
            addresses = checked_addresses(self._dns_host, self.port, allowed_hosts=allowed)
        except socket.gaierror as exc:
            raise NameResolutionError(self.host, self, exc) from exc
        error: Exception | None = None
        for address in addresses:  # as socket.create_connection tries them
            try:
                sock = create_connection(
                    (address, self.port),
                    self.timeout,
                    source_address=self.source_address,
                    socket_options=self.socket_options,
                )
                sys.audit("http.client.connect", self, self.host, self.port)
                return sock
            except TimeoutError as exc:
                error = ConnectTimeoutError(
                    self, f"Connection to {self.host} timed out. (connect timeout={self.timeout})"
                )
                error.__cause__ = exc
            except OSError as exc:
                error = NewConnectionError(self, f"Failed to establish a new connection: {exc}")
                error.__cause__ = exc
        assert error is not None  # checked_addresses returns at least one
        raise error


@functools.cache
def checked_pool_classes(allowed_hosts_setting: str) -> dict[str, type[HTTPConnectionPool]]:
    """urllib3 pool classes (``PoolManager.pool_classes_by_scheme``) whose
    connections only reach checked addresses."""
    attrs = {"allowed_hosts_setting": allowed_hosts_setting}
    http = type("CheckedHTTPConnection", (_ConnectsToCheckedAddresses, HTTPConnection), attrs)
    https = type("CheckedHTTPSConnection", (_ConnectsToCheckedAddresses, HTTPSConnection), attrs)
    return {
        "http": type("CheckedHTTPConnectionPool", (HTTPConnectionPool,), {"ConnectionCls": http}),
        "https": type(
            "CheckedHTTPSConnectionPool", (HTTPSConnectionPool,), {"ConnectionCls": https}
        ),
    }
