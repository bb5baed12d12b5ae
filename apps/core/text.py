"""The one rule for text people type and others read: names, titles, descriptions, bios.

Refused, by Unicode category: control characters (Cc; a multi-line field keeps tab, line
feed and carriage return), format characters (Cf: bidirectional overrides and isolates that
reorder how text shows, zero-width spaces and joiners, the word joiner, the byte-order mark,
the soft hyphen, tag characters), line and paragraph separators (Zl, Zp: clients break lines
on them or not, so text would show differently to each), surrogates (Cs), private-use
characters (Co) and unassigned code points and noncharacters (Cn).

Two deliberate exceptions:
- The zero-width joiner between two emoji stays (an emoji ZWJ sequence: a family, a
  rainbow flag, a person at a laptop), in all but the strict rule (file names).
- Unassigned code points in the emoji blocks (U+1F000 to U+1FAFF) stay: Unicode adds
  emoji there each year, before this interpreter's Unicode database knows them.
  Noncharacters (U+FFFE, U+FFFF, U+FDD0 to U+FDEF...) are refused everywhere.
"""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError

ZERO_WIDTH_JOINER = "\u200d"
VARIATION_SELECTOR_16 = "\ufe0f"
MULTI_LINE_CONTROLS = frozenset("\t\n\r")
REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})
EMOJI_BLOCKS = range(0x1F000, 0x1FB00)


def is_noncharacter(char: str) -> bool:
    code = ord(char)
    return 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE


def is_emoji_like(char: str) -> bool:
    """A symbol an emoji ZWJ sequence joins (or the modifier, or the emoji presentation
    selector, that may end its left part)."""
    return char == VARIATION_SELECTOR_16 or unicodedata.category(char) in ("So", "Sk")


def joins_emoji(value: str, index: int) -> bool:
    return (0 < index < len(value) - 1 and is_emoji_like(value[index - 1])
            and unicodedata.category(value[index + 1]) == "So")


def refused_character(value: str, *, multi_line: bool = False, strict: bool = False
                      ) -> str | None:
    """The first character the text rule refuses in `value`, or None."""
    for index, char in enumerate(value):
        category = unicodedata.category(char)
        if category not in REFUSED_CATEGORIES:
            continue
        if multi_line and char in MULTI_LINE_CONTROLS:
            continue
        if char == ZERO_WIDTH_JOINER and not strict and joins_emoji(value, index):
            continue
        if category == "Cn" and ord(char) in EMOJI_BLOCKS and not is_noncharacter(char):
            continue
        return char
    return None


def text_error(char: str) -> ValidationError:
    name = unicodedata.name(char, "")
    shown = f"U+{ord(char):04X}" + (f" ({name})" if name else "")
    return ValidationError(
        f"Remove the invisible or control character {shown}: text cannot hold control, "
        "format, separator, private-use or unassigned characters.",
        code="invalid_character",
    )


def validate_line(value: str) -> None:
    """A single-line text field: names, titles, cities."""
    char = refused_character(value)
    if char is not None:
        raise text_error(char)


def validate_text(value: str) -> None:
    """A multi-line text field: descriptions and bios (tab, line feed, carriage return)."""
    char = refused_character(value, multi_line=True)
    if char is not None:
        raise text_error(char)


def validate_file_name(value: str) -> None:
    """A name a file is stored and downloaded under: one line, no emoji joiner either, no
    path separator, not `.` or `..`."""
    if "/" in value or "\\" in value or value in (".", ".."):
        raise ValidationError("A file name cannot contain path separators or be . or ..",
                              code="invalid_file_name")
    char = refused_character(value, strict=True)
    if char is not None:
        raise text_error(char)
