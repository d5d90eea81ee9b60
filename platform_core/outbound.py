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
    ip = ipaddress.ip_address(address.split("%")[0])  # drop an IPv6 scope
    return (
        ip.is_private
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
    if host not in allowed_hosts and any(is_internal(a) for a in addresses):
        raise InternalAddress(host)
    return addresses


class _ConnectsToCheckedAddresses:
    """Mixed into urllib3's connection classes: resolve once, check, connect
    to what was checked. ``allowed_hosts_setting`` names the allow-list."""

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
                return create_connection(
                    (address, self.port),
                    self.timeout,
                    source_address=self.source_address,
                    socket_options=self.socket_options,
                )
            except TimeoutError as exc:
                error = ConnectTimeoutError(
                    self, f"Connection to {self.host} timed out. (connect timeout={self.timeout})"
                )
                error.__cause__ = exc
            except OSError as exc:
                error = NewConnectionError(self, f"Failed to establish a new connection: {exc}")
                error.__cause__ = exc
        raise error or NameResolutionError(self.host, self, None)


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
