"""User text made safe for an output: unprintable characters escaped, spreadsheet formulas defused.

Input refuses control characters (`ledger.domain.events.check_printable`), but events stored
before that rule, or written into the database by hand, may still hold them: every renderer of
words passes user text through `printable`, and every CSV or xlsx cell through `csv_cell`.
"""

from __future__ import annotations

import unicodedata

_UNPRINTABLE = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Cn"})
_HARMLESS_FORMAT = frozenset("\u00ad\u200c\u200d")
"""Soft hyphen and zero-width (non-)joiners: format characters that real text (pasted from a
word processor, Persian, emoji) holds and that cannot forge a line."""

FORMULA_START = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")
"""What makes a spreadsheet read a cell as a formula (OWASP's list, and the full-width forms
some Excel locales also accept)."""


def _escape(ch: str) -> str:
    return ch.encode("unicode_escape").decode("ascii")


def printable(text: str, keep: str = "\n\t") -> str:
    """`text` with each control, format or separator character but those in `keep` written as
    its Python escape (`\\r`, `\\x1b`, `\\u202e`), so it shows instead of acting."""
    if text.isprintable():  # the common case, at C speed
        return text
    return "".join(
        _escape(ch) if ch not in keep and ch not in _HARMLESS_FORMAT
        and unicodedata.category(ch) in _UNPRINTABLE else ch
        for ch in text)


def one_line(text: str) -> str:
    """`printable` with newlines and tabs escaped too: one record stays one line."""
    return printable(text, keep="")


def csv_cell(value: str) -> str:
    """A text cell a spreadsheet shows as text: one starting like a formula gets a leading `'`."""
    return "'" + value if value[:1] in FORMULA_START else value
