"""Server text made terminal-safe, JSON made inert, secrets redacted: examples and properties."""

from __future__ import annotations

import json
import unicodedata

import hypothesis
from hypothesis import strategies as st

from charlib._text import (
    REDACTED,
    json_safe,
    redact,
    redact_headers,
    secret_forms,
    terminal_safe,
)

SETTINGS = hypothesis.settings(max_examples=200, derandomize=True, database=None, deadline=None)

# Text as a hostile server would write it: every kind of character, escape sequences included.
SEQUENCES = st.sampled_from(
    ["\x1b]52;c;ZXZpbA==\x07", "\x1b[31m", "\x1b[2J", "\x9b1m", "\x9d0;title\x9c", "\x1bP1$r\x1b\\"]
)
HOSTILE_TEXT = st.lists(st.text() | SEQUENCES, max_size=8).map("".join)


def _unsafe(char: str, *, multiline: bool) -> bool:
    if multiline and char in "\n\t":
        return False
    bidi = "\u202a" <= char <= "\u202e" or "\u2066" <= char <= "\u2069"
    return bidi or unicodedata.category(char) in ("Cc", "Cs", "Zl", "Zp")


@SETTINGS
@hypothesis.given(text=HOSTILE_TEXT, multiline=st.booleans())
def test_no_control_character_survives(text: str, multiline: bool) -> None:
    """Whatever the text, the result has no control, surrogate, separator or bidi character."""
    safe = terminal_safe(text, multiline=multiline)
    assert not any(_unsafe(char, multiline=multiline) for char in safe), repr(safe)
    assert terminal_safe(safe, multiline=multiline) == safe  # nothing left to remove


@SETTINGS
@hypothesis.given(text=st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp", "Cf"))))
def test_plain_text_is_left_alone(text: str) -> None:
    """Printable text (accents, CJK, emoji) comes back unchanged."""
    assert terminal_safe(text) == text


def test_sequences_go_whole() -> None:
    """OSC 52 with its payload, CSI colours and cursor moves, C1 controls: gone, text kept."""
    text = "\x1b]52;c;ZXZpbA==\x07Gen\x1b[31mera\x1b[2A\x9b1mting\u202e 85mm\x08\r\ud800"
    assert terminal_safe(text) == "Generating 85mm \N{REPLACEMENT CHARACTER}"


def test_line_breaks_become_spaces_unless_multiline() -> None:
    """One line stays one line; a table keeps its newlines (CR goes either way)."""
    assert terminal_safe("a\nb\tc\r\nd") == "a b c d"
    assert terminal_safe("a\nb\tc\r\nd", multiline=True) == "a\nb\tc\nd"


@SETTINGS
@hypothesis.given(value=st.recursive(st.text() | st.integers(), lambda inner: st.lists(inner)))
def test_json_safe_keeps_the_value_and_drops_nothing_active(value: object) -> None:
    """An escaped document decodes to the same value and shows a terminal nothing active."""
    document = json_safe(json.dumps(value, ensure_ascii=False, indent=2))
    assert json.loads(document) == value
    assert not any(_unsafe(char, multiline=True) for char in document)


def test_redact_replaces_every_form_of_a_secret() -> None:
    """As is, and as written inside a JSON string; longest first."""
    key = 'k"ey\\-123456'
    text = f"raw {key} json {json.dumps(key)}"
    redacted = redact(text, secret_forms([key]))
    assert key not in redacted
    assert json.dumps(key)[1:-1] not in redacted
    assert redacted == f'raw {REDACTED} json "{REDACTED}"'


def test_redact_headers_hides_credential_headers() -> None:
    """Authorization, cookies and API-key headers show as <redacted>, whatever their case."""
    headers = [("Authorization", "Bearer x"), ("Cookie", "a=b"), ("Accept", "x")]
    assert redact_headers(headers) == {
        "Authorization": REDACTED,
        "Cookie": REDACTED,
        "Accept": "x",
    }
