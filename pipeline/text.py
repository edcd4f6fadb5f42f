"""Normalising names typed or imported by users (issue 12): one rule for forms and Excel import.

A name is NFC-normalised, every run of whitespace (newlines, tabs, the ideographic space, NBSP)
becomes one space, and the ends are trimmed. Invisible characters that make a name spoofable or
unsearchable (control characters, bidi overrides such as U+202E, zero-width spaces and joiners,
the BOM: Unicode categories Cc, Cf, Co, Cs, Cn) are refused, never silently kept.
Pure: no Flask, no database.
"""

from __future__ import annotations

import re
import unicodedata

_SPACE = re.compile(r"\s+")
_REFUSED_CATEGORIES = {"Cc", "Cf", "Co", "Cs", "Cn"}


class InvisibleCharacter(ValueError):
    def __init__(self, char: str):
        super().__init__(f"U+{ord(char):04X}")
        self.code = f"U+{ord(char):04X}"


def invisible_char(text: str) -> str | None:
    """The first refused character of ``text`` (after whitespace is folded), or None."""
    for ch in text:
        if unicodedata.category(ch) in _REFUSED_CATEGORIES:
            return ch
    return None


def clean_name(text: str | None) -> str | None:
    """The normalised name; raises InvisibleCharacter for a refused character; None/blank -> None."""
    if text is None:
        return None
    folded = _SPACE.sub(" ", unicodedata.normalize("NFC", str(text))).strip()
    bad = invisible_char(folded)
    if bad is not None:
        raise InvisibleCharacter(bad)
    return folded or None
