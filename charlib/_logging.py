"""The ``charlib`` logger, and ``CHARLIB_LOG`` to switch it on without touching code.

``CHARLIB_LOG=info`` logs every response (method, URL, status, elapsed time) and every retry
decision; ``CHARLIB_LOG=debug`` adds each request with its headers. The API key never appears:
header values listed in :data:`SENSITIVE_HEADERS` are replaced before logging, and every message
built from a server's answer is redacted when the error is made (see :mod:`charlib._text`).
"""

from __future__ import annotations

import logging
import os

from charlib._config import ENV_LOG
from charlib._text import SENSITIVE_HEADERS, redact_headers

__all__ = ["SENSITIVE_HEADERS", "configure_from_env", "logger", "redact_headers"]

logger = logging.getLogger("charlib")

_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO}
_configured = False


def configure_from_env(environ: dict[str, str] | None = None) -> None:
    """Attach a stderr handler to the ``charlib`` logger if ``CHARLIB_LOG`` asks for one.

    Runs once per process (each client calls it); unknown values are ignored, and an application
    that configures logging itself simply leaves ``CHARLIB_LOG`` unset.
    """
    global _configured
    if _configured:
        return
    value = (environ if environ is not None else os.environ).get(ENV_LOG, "").strip().lower()
    level = _LEVELS.get(value)
    if level is None:
        return
    _configured = True
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(level)
