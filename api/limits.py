"""Bounds on what one request may ask for: value lengths per field kind, search depth, rates.

Every bound here is checked before work is done for the request (the rate and depth in
``api.security.Gatekeeper`` before routing, the value length before anything is written).
"""

from __future__ import annotations

import math
import threading
import time

# Longest value a reviewer may type, per field kind (characters, after whitespace is folded).
# Generous for real documents (the longest Vietnamese addresses and free-text fields are a few
# hundred characters), small enough that a value never dominates the search index.
MAX_VALUE_CHARS = {
    "date": 32,
    "year": 8,
    "id_number": 32,
    "phone": 32,
    "email": 254,
    "gender": 16,
    "number": 32,
    "dossier_code": 128,
    "name": 120,
    "text": 2000,
}
DEFAULT_VALUE_CHARS = 500  # a kind not listed above

# Offset pages deeper than this are refused: continue with the keyset cursor instead.
MAX_OFFSET = 1000


def check_value_length(kind: str, value) -> None:
    """ValueError when a corrected value is longer than its kind allows."""
    if value is None:
        return
    text = " ".join(str(value).split())
    limit = MAX_VALUE_CHARS.get(kind, DEFAULT_VALUE_CHARS)
    if len(text) > limit:
        raise ValueError(f"a {kind} value is at most {limit} characters "
                         f"(this one has {len(text)})")


def deep_page_error(offset: int) -> str | None:
    if offset > MAX_OFFSET:
        return (f"pages deeper than {MAX_OFFSET} results are not served by offset; "
                "continue with the keyset cursor (the 'after' value of the last page)")
    return None


class RateLimiter:
    """Token buckets per (token id, kind): ``per_minute`` requests, bursts up to ``burst``.
    In memory and per process: a bound on one token's load, not an accounting system."""

    def __init__(self, rates: dict[str, tuple[float, int]]):
        self.rates = rates  # kind -> (per_minute, burst)
        self._buckets: dict[tuple[str, str], tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, token_id: str, kind: str) -> int:
        """0 if allowed, else the seconds to wait (for Retry-After)."""
        per_minute, burst = self.rates.get(kind, (0, 0))
        if per_minute <= 0:
            return 0
        rate = per_minute / 60.0
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get((token_id, kind), (float(burst), now))
            tokens = min(float(burst), tokens + (now - last) * rate)
            if tokens >= 1.0:
                self._buckets[(token_id, kind)] = (tokens - 1.0, now)
                return 0
            self._buckets[(token_id, kind)] = (tokens, now)
            if len(self._buckets) > 50_000:
                self._buckets.clear()
            return max(1, math.ceil((1.0 - tokens) / rate))
