"""Reading one text value as the kind its field needs. Each reader raises BadValue with what was
expected; the row reader adds where.

The `*_column_reader`s read a whole column of a batch at once, for the import's fast path (rows.py):
list comprehensions over dictionaries instead of a function call per value. They accept exactly what the
one-value readers accept, but on any value they would not take as it is they raise a bare BadValue (no
message needed): the row reader then reads the batch again row by row, which reports each problem.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

# A spreadsheet runs text starting with one of these as a formula (OWASP, "CSV Injection"). Exports
# prefix such text with an apostrophe (csv_export.py); an import removes that one apostrophe again, so
# a value survives export → fix in a spreadsheet → re-import unchanged.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TRUE_WORDS = ("true", "yes", "y", "1", "t", "pass", "passed")
FALSE_WORDS = ("false", "no", "n", "0", "f", "fail", "failed")


class BadValue(ValueError):
    """A value that cannot be read; the message reads after the value: "'abc' is not a whole number…"."""


def without_export_apostrophe(text: str) -> str:
    if text[:1] == "'" and text[1:2] in FORMULA_STARTS and text[1:2] != "":
        return text[1:]
    return text


def text_reader(required: bool, max_length: int | None, default: str = "") -> Callable[[str], str]:
    def read(raw: str) -> str:
        text = without_export_apostrophe(raw.strip())
        if not text:
            if required:
                raise BadValue("is empty; expected a value (this field is required)")
            return default
        if max_length is not None and len(text) > max_length:
            raise BadValue(f"is {len(text):,} characters long; expected at most {max_length}")
        return text

    return read


ColumnReader = Callable[[Sequence[str]], list[Any]]


def text_column_reader(read: Callable[[str], str], max_length: int | None, no_email: bool = False) -> ColumnReader:
    """`read` is the field's text_reader: used for columns with an empty value or an export apostrophe."""

    def column(values: Sequence[str]) -> list[Any]:
        texts = [v.strip() for v in values]
        if "" in texts or any(t[:1] == "'" for t in texts):
            texts = [read(v) for v in values]
        if max_length is not None and texts and max(map(len, texts)) > max_length:
            raise BadValue
        if no_email and any("@" in t for t in texts):
            raise BadValue
        return texts

    return column


def lookup_key(text: str) -> str:
    return " ".join(text.split()).casefold()


def code_reader(
    required: bool, codes: Sequence[tuple[str, str]], extra: Mapping[str, str], default: str = ""
) -> Callable[[str], str]:
    """Our codes and their labels in any case ('No-show', 'Late cancellation'), plus the mapping's own."""
    known = {lookup_key(value): value for value, _ in codes}
    known.update({lookup_key(label): value for value, label in codes})
    known.update({lookup_key(theirs): ours for theirs, ours in extra.items()})
    exact = exact_codes(codes, extra)
    listed = ", ".join(value for value, _ in codes)
    hint = " (add it under `codes:` in the mapping)" if codes else ""

    def read(raw: str) -> str:
        try:
            return exact[raw]
        except KeyError:
            pass
        text = raw.strip()
        if not text:
            if required:
                raise BadValue(f"is empty; expected one of: {listed} (this field is required)")
            return default
        try:
            return known[lookup_key(text)]
        except KeyError:
            raise BadValue(f"is not a known code; expected one of: {listed}{hint}") from None

    return read


def exact_codes(codes: Sequence[tuple[str, str]], extra: Mapping[str, str]) -> dict[str, str]:
    """Values as written that need no clean-up: our codes, and the mapping's own as given."""
    exact = {value: value for value, _ in codes}
    exact.update(extra)
    return exact


def code_column_reader(read: Callable[[str], str], exact: Mapping[str, str]) -> ColumnReader:
    """`read` is the field's code_reader, for a column with a value not written exactly as a code."""

    def column(values: Sequence[str]) -> list[Any]:
        try:
            return [exact[v] for v in values]
        except KeyError:
            return [read(v) for v in values]

    return column


def integer_reader(required: bool, default: Any) -> Callable[[str], int | None]:
    def read(raw: str) -> int | None:
        text = raw.strip()
        if not text:
            if required:
                raise BadValue("is empty; expected a whole number")
            return default  # type: ignore[no-any-return]
        if not text.isascii() or not text.isdigit() or len(text) > 10:
            raise BadValue("is not a whole number of at least 0; expected e.g. 42")
        return int(text)

    return read


def boolean_reader(required: bool, default: Any, extra: Mapping[str, str]) -> Callable[[str], bool | None]:
    words = {w: True for w in TRUE_WORDS} | {w: False for w in FALSE_WORDS}
    words |= {lookup_key(theirs): ours == "true" for theirs, ours in extra.items()}

    def read(raw: str) -> bool | None:
        text = raw.strip()
        if not text:
            if required:
                raise BadValue("is empty; expected true or false")
            return default  # type: ignore[no-any-return]
        try:
            return words[lookup_key(text)]
        except KeyError:
            raise BadValue("is not true or false; expected true/false, yes/no or 1/0") from None

    return read
