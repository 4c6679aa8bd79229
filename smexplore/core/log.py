"""The package's logger, ``smexplore``: silent until the application configures logging.

Requests that reach the network and answers served from the cache are logged at DEBUG; retries,
waits of the client-side rate budget, pulls started again and writes at INFO; giving up, and a
cache that is damaged, read-only or cannot be changed, at WARNING. Modules log through children
of ``logger`` (``smexplore.http``, ``smexplore.cache``), which propagate to it. No record ever
carries a credential: requests are logged by path and query parameters, never by URL or headers.

Turn it on with ``logging.basicConfig(level=logging.INFO)``, or give the ``smexplore`` logger a
level and a handler of your own. No record holds a secret of a live Session's credentials, even
one a server echoed: every ``smexplore`` logger passes its text through ``core.redact``.
"""

from __future__ import annotations

import logging

from .redact import redact

__all__ = ["get_logger", "logger"]

logger = logging.getLogger("smexplore")
if not any(isinstance(handler, logging.NullHandler) for handler in logger.handlers):
    # Without it, records of WARNING and above would reach logging's last-resort handler (stderr)
    # in applications that configured no logging.
    logger.addHandler(logging.NullHandler())


class _Redacting(logging.Filter):
    """Takes the secrets of live credentials out of a record's text (``core.redact``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        cleaned = redact(text)
        if cleaned != text:
            record.msg, record.args = cleaned, None
        return True


_REDACTING = _Redacting()
logger.addFilter(_REDACTING)


def get_logger(name: str) -> logging.Logger:
    """The child logger ``smexplore.<name>`` (it propagates to ``smexplore``); its records never
    hold a secret of a live Session's credentials."""
    child = logger.getChild(name)
    if _REDACTING not in child.filters:
        child.addFilter(_REDACTING)
    return child
