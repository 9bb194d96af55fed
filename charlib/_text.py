"""Server text made safe for a terminal: one rule, used wherever text from a server is shown.

A server's strings (a job's ``currentTask`` and ``error``, names, error bodies) reach progress
bars, the CLI's tables and lines, summaries and exception messages. Raw control characters there
move the cursor, rewrite earlier lines, change colours or talk to the terminal itself (OSC 52
writes the clipboard); bidirectional overrides make text read differently from what it is; a lone
surrogate makes ``print`` raise ``UnicodeEncodeError``. :func:`terminal_safe` removes all of that,
and :func:`json_safe` escapes the same characters in a JSON document instead of removing them (so
``--json`` output keeps every value and stays valid JSON).

The other thing no shown text may hold is a secret: :func:`redact` and :func:`redact_headers` are
the one place that replaces the API key and credential headers with ``<redacted>`` (in logs,
exception messages and bodies, and pickled errors).
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable, Mapping
from urllib.parse import unquote, urlsplit

__all__ = [
    "PROXY_VARIABLES",
    "REDACTED",
    "SENSITIVE_HEADERS",
    "UNSAFE_CHARS",
    "json_safe",
    "proxy_secrets",
    "redact",
    "redact_headers",
    "secret_forms",
    "terminal_safe",
]

REDACTED = "<redacted>"
"""What a secret is replaced with."""

SENSITIVE_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"}
)
"""Headers whose values are secrets whatever they hold (compared in lower case)."""

# What a terminal must never receive from a server, besides whole escape sequences: C0 controls
# but tab and newline (which the caller's layout decides about), DEL, C1 controls, bidirectional
# embeddings/overrides/isolates, and the Unicode line and paragraph separators.
_CONTROLS = "\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"
_SURROGATES = "\ud800-\udfff"
UNSAFE_CHARS = re.compile(f"[{_CONTROLS}{_SURROGATES}]")
"""One character that :func:`terminal_safe` removes (or replaces) and :func:`json_safe` escapes."""

# An escape sequence goes as a whole, so no half of it (``]52;c;...``) is left on screen:
# CSI (ESC [ ... final byte); OSC, DCS, SOS, PM, APC (up to BEL or ST, or the end of the text);
# any other ESC sequence (intermediate bytes, then one final byte); or a lone ESC.
_SEQUENCE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]?"
    r"|\x1b[\]PX^_][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x9b[0-?]*[ -/]*[@-~]?"
    r"|[\x90\x98\x9d\x9e\x9f][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -/]*[0-~]?"
)
_BREAKS = re.compile(r"[\t\n\r\u2028\u2029]+")
_REPLACEMENT = "\N{REPLACEMENT CHARACTER}"


def _drop(match: re.Match[str]) -> str:
    # A lone surrogate shows as U+FFFD (something was there); every control simply goes.
    return _REPLACEMENT if "\ud800" <= match.group() <= "\udfff" else ""


def terminal_safe(text: str, *, multiline: bool = False) -> str:
    """``text`` without escape sequences, control characters, bidi overrides or lone surrogates.

    Args:
        text: a string that came from a server (or contains such a string).
        multiline: keep ``\\n`` and ``\\t`` (a table, several lines); otherwise every line break
            and tab becomes one space, so the text stays on the line it was put on (a progress
            bar, a table cell).

    Returns:
        The text to print. Plain printable text is returned unchanged (and fast).
    """
    if text.isprintable():  # no control, format, separator or surrogate character at all
        return text
    text = _SEQUENCE.sub("", text)
    text = text.replace("\r\n", "\n") if multiline else _BREAKS.sub(" ", text)
    return UNSAFE_CHARS.sub(_drop, text)


def _escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def json_safe(document: str) -> str:
    """A JSON document with every character of :data:`UNSAFE_CHARS` written as a ``\\uXXXX``
    escape: the same value to a JSON reader, nothing active to a terminal.

    ``json.dumps(..., ensure_ascii=False)`` escapes C0 controls itself but writes DEL, C1
    controls, bidi overrides and lone surrogates raw; all of them can only occur inside strings,
    where an escape is valid JSON.
    """
    if document.isascii() and "\x7f" not in document:
        return document
    return UNSAFE_CHARS.sub(_escape, document)


def secret_forms(secrets: Iterable[str]) -> tuple[str, ...]:
    """Every spelling of ``secrets`` worth looking for in text a server sent back: as is, and as
    written inside a JSON string (a key with ``"`` or ``\\`` in it is escaped there)."""
    forms: list[str] = []
    for secret in secrets:
        for form in (secret, json.dumps(secret)[1:-1]):
            if form and form not in forms:
                forms.append(form)
    # Longest first, so a secret that contains another is replaced whole.
    return tuple(sorted(forms, key=len, reverse=True))


#: The variables httpx reads a proxy from (``trust_env``), in both cases.
PROXY_VARIABLES = tuple(
    case(name) for name in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY") for case in (str, str.lower)
)


def proxy_secrets(environ: Mapping[str, str]) -> list[str]:
    """The credentials in the proxy URLs of ``environ``: each password, and the Basic token
    httpx sends the proxy (a proxy's error page may echo it)."""
    found: list[str] = []
    for name in PROXY_VARIABLES:
        value = environ.get(name, "")
        try:
            parts = urlsplit(value if "://" in value else f"http://{value}")
            user, password = unquote(parts.username or ""), unquote(parts.password or "")
        except ValueError:  # not a URL: httpx refuses it when the client is made
            continue
        if password:
            token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
            found += [password, token]
    return found


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every occurrence of each secret (see :func:`secret_forms`) replaced."""
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


def redact_headers(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Headers as a dict, with the values of :data:`SENSITIVE_HEADERS` replaced."""
    return {
        name: (REDACTED if name.lower() in SENSITIVE_HEADERS else value) for name, value in headers
    }
