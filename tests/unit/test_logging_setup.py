"""CHARLIB_LOG switches the ``charlib`` logger on; secrets are redacted."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from charlib import _logging


@pytest.fixture
def fresh_logger(monkeypatch: pytest.MonkeyPatch) -> Iterator[logging.Logger]:
    """The charlib logger with its handlers and level restored afterwards."""
    logger = logging.getLogger("charlib")
    handlers, level = list(logger.handlers), logger.level
    monkeypatch.setattr(_logging, "_configured", False)
    yield logger
    logger.handlers[:] = handlers
    logger.setLevel(level)


@pytest.mark.parametrize(("value", "level"), [("debug", logging.DEBUG), (" INFO ", logging.INFO)])
def test_env_configures_once(fresh_logger: logging.Logger, value: str, level: int) -> None:
    """A known level adds one stderr handler and sets the level, once per process."""
    before = len(fresh_logger.handlers)
    _logging.configure_from_env({"CHARLIB_LOG": value})
    _logging.configure_from_env({"CHARLIB_LOG": value})
    assert len(fresh_logger.handlers) == before + 1
    assert fresh_logger.level == level


@pytest.mark.parametrize("value", ["", "verbose"])
def test_env_unset_or_unknown_does_nothing(fresh_logger: logging.Logger, value: str) -> None:
    """Without a known value the logger is left to the application."""
    before = list(fresh_logger.handlers)
    _logging.configure_from_env({"CHARLIB_LOG": value})
    assert fresh_logger.handlers == before


def test_redact_headers() -> None:
    """Authorization-like headers are replaced; others pass through."""
    headers = [("Authorization", "Bearer sk"), ("X-Api-Key", "k"), ("Accept", "application/json")]
    assert _logging.redact_headers(headers) == {
        "Authorization": "<redacted>",
        "X-Api-Key": "<redacted>",
        "Accept": "application/json",
    }
