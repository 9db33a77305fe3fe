"""Where a webhook may point (SSRF): a public address, over https.

The tracker runs next to things a caller must not reach through it (the
database, Redis, a cloud's metadata service at 169.254.169.254), so an
address is refused unless every address its host resolves to is global.
The check runs at registration (a clear 400) and again at every delivery,
and the delivery connects to the very address it checked, so a name that
resolves elsewhere the second time (DNS rebinding) gains nothing.
``CBM_WEBHOOK_ALLOW_PRIVATE`` (development and tests: a receiver on
127.0.0.1) lifts both rules, plain http included.
"""

import http.client
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext_lazy as _


class Refused(ValueError):
    """A URL no delivery may go to; the message says why, for its owner."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str  # the checked IP address the delivery connects to


def check(url):
    """The URL's target, or ``Refused``."""
    allow_private = settings.CBM_WEBHOOK_ALLOW_PRIVATE
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise Refused(_("An https:// address is required."))
    if parts.scheme == "http" and not allow_private:
        raise Refused(_("An https:// address is required."))
    if parts.username or parts.password:
        raise Refused(_("Put no credentials in the address: the signature proves the sender."))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (OSError, ValueError, UnicodeError):
        raise Refused(_("This address's host cannot be found.")) from None
    addresses = [info[4][0] for info in infos]
    if not allow_private and not all(ipaddress.ip_address(a).is_global for a in addresses):
        raise Refused(_("This address is private: webhooks go to public addresses only."))
    path = parts.path or "/"
    return Target(
        parts.scheme,
        parts.hostname,
        port,
        f"{path}?{parts.query}" if parts.query else path,
        addresses[0],
    )


class PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the checked address, whatever the name resolves to now."""

    def __init__(self, target, timeout):
        super().__init__(target.host, target.port, timeout=timeout)
        self.address = target.address

    def connect(self):
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class PinnedHTTPSConnection(http.client.HTTPSConnection):
    """The same over TLS: the certificate is checked against the host name."""

    def __init__(self, target, timeout):
        super().__init__(target.host, target.port, timeout=timeout)
        self.address = target.address

    def connect(self):
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def connection(target, timeout):
    pinned = PinnedHTTPSConnection if target.scheme == "https" else PinnedHTTPConnection
    return pinned(target, timeout)
