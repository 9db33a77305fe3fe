"""API throttles counted atomically, across processes when the cache is Redis.

DRF's ``SimpleRateThrottle`` keeps a list of request times in the cache and
writes it back after reading it: two processes (or threads) answering the
same client at once each read the same list, and one append is lost, so a
client can exceed its rate by the number of concurrent workers. Here each
request is one atomic step:

- **Redis** (``django.core.cache.backends.redis.RedisCache``): one Lua
  script increments the counter of the current window, sets its expiry and
  reads the previous window's counter, all in one round trip that no other
  client's commands interleave with.
- **Any other cache** (locmem in development and tests, which is per process
  anyway): the same steps under a process lock.

The rate is a sliding window approximated from two fixed windows (as
Cloudflare and Redis's own rate-limiting examples do): the previous window's
count weighted by how much of it still overlaps the last ``duration``
seconds, plus the current window's. A refused request is not counted, as
with DRF.
"""

import math
import threading
import time

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from rest_framework import throttling

# KEYS[1]: this window's counter, KEYS[2]: the previous window's.
# ARGV: limit, weight of the previous window, expiry (unix time) of KEYS[1].
_SCRIPT = """
local current = redis.call('INCR', KEYS[1])
redis.call('EXPIREAT', KEYS[1], ARGV[3])
local previous = tonumber(redis.call('GET', KEYS[2]) or '0')
if previous * tonumber(ARGV[2]) + current > tonumber(ARGV[1]) then
    redis.call('DECR', KEYS[1])
    return 0
end
return 1
"""

_lock = threading.Lock()


class AtomicRateMixin:
    """``allow_request`` for a ``SimpleRateThrottle`` subclass, atomically."""

    @staticmethod
    def backend():
        """The shared cache itself (``django.core.cache.cache`` is a proxy)."""
        return caches["default"]

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        now = self.timer()
        window = int(now // self.duration)
        self.window_end = (window + 1) * self.duration
        weight = 1 - (now - window * self.duration) / self.duration
        current, previous = self.window_keys(self.key, window)
        expires = int(self.window_end + self.duration) + 1  # kept while it is "previous"
        backend = self.backend()
        if isinstance(backend, RedisCache):
            allowed = self._redis_step(backend, current, previous, weight, expires)
        else:
            allowed = self._local_step(backend, current, previous, weight, expires - int(now))
        return bool(allowed)

    def window_keys(self, key, window):
        return f"{key}:w{window}", f"{key}:w{window - 1}"

    def _redis_step(self, backend, current, previous, weight, expires):
        client = backend._cache.get_client(write=True)
        keys = [backend.make_and_validate_key(k) for k in (current, previous)]
        return client.eval(_SCRIPT, 2, *keys, self.num_requests, repr(weight), expires)

    def _local_step(self, backend, current, previous, weight, timeout):
        with _lock:
            backend.add(current, 0, timeout)
            count = backend.incr(current)
            if (backend.get(previous) or 0) * weight + count > self.num_requests:
                backend.decr(current)
                return False
            return True

    def wait(self):
        """Seconds until the current window ends (at least 1): by then the
        refused client's weight has dropped by a whole window's share."""
        return max(1, math.ceil(self.window_end - self.timer()))

    @classmethod
    def forget(cls, key):
        """Drop a client's counters (tests reuse user ids)."""
        throttle = cls()
        window = int(time.time() // throttle.duration)
        for k in throttle.window_keys(key, window):
            cls.backend().delete(k)


class AnonRateThrottle(AtomicRateMixin, throttling.AnonRateThrottle):
    """DRF's anonymous throttle (by address), counted atomically."""


class UserRateThrottle(AtomicRateMixin, throttling.UserRateThrottle):
    """DRF's per-user throttle, counted atomically."""
