"""The signature a receiver checks (docs/api.md, "Webhooks").

``X-CBM-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>``
with ``X-CBM-Timestamp`` in Unix seconds: the timestamp is signed with the
body, so a captured request cannot be replayed later than the receiver's
window (``REPLAY_WINDOW``) with a fresh timestamp.
"""

import hashlib
import hmac
import time

REPLAY_WINDOW = 300  # seconds; what docs/api.md tells receivers to accept


def signature(secret, timestamp, body):
    message = str(timestamp).encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def headers(secret, body, now=None):
    timestamp = str(int(now if now is not None else time.time()))
    return {"X-CBM-Timestamp": timestamp, "X-CBM-Signature": signature(secret, timestamp, body)}


def verify(secret, timestamp, body, received, now=None, window=REPLAY_WINDOW):
    """What a receiver does: the signature matches and the timestamp is recent."""
    try:
        age = abs((now if now is not None else time.time()) - int(timestamp))
    except (TypeError, ValueError):
        return False
    return age <= window and hmac.compare_digest(signature(secret, timestamp, body), received)
