"""Bounded retry for calls to external servers (S3, database).

Every external call in ``storage`` goes through :func:`retry_call`: a few attempts with
exponential back-off, then :class:`pipeline.model.TransientError` so that the caller (runner or
worker) can decide to retry the whole document later.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from pipeline.model import TransientError

T = TypeVar("T")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4  # total tries, including the first
    base_delay: float = 0.5  # seconds before the second try; doubles each time
    max_delay: float = 4.0

    def delays(self) -> list[float]:
        return [min(self.base_delay * 2**i, self.max_delay) for i in range(self.attempts - 1)]


DEFAULT_POLICY = RetryPolicy()


def retry_call(
    fn: Callable[[], T],
    *,
    what: str,
    retry_on: tuple[type[BaseException], ...],
    policy: RetryPolicy = DEFAULT_POLICY,
    is_transient: Callable[[BaseException], bool] | None = None,
) -> T:
    """Call ``fn``; on a ``retry_on`` exception (that ``is_transient`` accepts) try again.

    After ``policy.attempts`` failures raise ``TransientError`` naming ``what``.
    """
    delays = policy.delays()
    for attempt in range(policy.attempts):
        try:
            return fn()
        except retry_on as exc:
            if is_transient is not None and not is_transient(exc):
                raise
            if attempt >= len(delays):
                raise TransientError(
                    f"{what} unreachable after {policy.attempts} attempts: {exc}"
                ) from exc
            log.warning("%s failed (attempt %d/%d): %s", what, attempt + 1, policy.attempts, exc)
            time.sleep(delays[attempt])
    raise AssertionError("unreachable")  # pragma: no cover
