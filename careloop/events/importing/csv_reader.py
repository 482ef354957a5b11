"""Bytes of a CSV export → its header and rows, with the line each row starts on.

One pass over the bytes first computes the SHA-256 (the import run's fingerprint) and checks the
encoding; a second pass parses. Encoding `auto` reads:
- a UTF-8 or UTF-16 byte-order mark as that encoding (Excel's "CSV UTF-8" and "Unicode text");
- bytes that are valid UTF-8 as UTF-8;
- bytes that are not, and hold no UTF-8 sequence anywhere, as Windows-1252 (Latin-1 plus the
  curly quotes and euro sign Windows inserts), or Latin-1 if they use its five unassigned bytes;
- a mix (valid UTF-8 sequences and invalid bytes) as an error naming the first bad line: guessing
  would turn every accented name of the UTF-8 part into mojibake.
The delimiter `auto` is whichever of , ; tab | occurs most in the header line (European Excel writes
semicolons because the comma is the decimal separator).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TextIO

from careloop.events.importing.report import ImportFileError, Problem

CHUNK = 1 << 20
DELIMITERS = (",", ";", "\t", "|")
# A lead byte followed by the right continuation bytes: how UTF-8 writes é, ü, ñ, €.
UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
# csv's own default limit: a longer field is almost always an unclosed quote swallowing the file.
FIELD_SIZE_LIMIT = 131_072


@dataclass
class CsvFile:
    path: Path
    name: str
    size: int
    sha256: str
    encoding: str
    delimiter: str
    header: list[str]
    note: str = ""  # how the encoding was chosen, when it was not plain UTF-8


@dataclass
class Fingerprint:
    sha256: str
    size: int
    bom: str  # "utf-8-sig", "utf-16" or ""
    first_bad_line: int | None  # first line with bytes that are not UTF-8
    first_bad_byte: int | None
    has_utf8_sequences: bool


def fingerprint(handle: BinaryIO) -> Fingerprint:
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    size = 0
    lines_before = 0
    bad_line: int | None = None
    bad_byte: int | None = None
    has_sequences = False
    head = b""
    while chunk := handle.read(CHUNK):
        if not head:
            head = chunk[:4]
        digest.update(chunk)
        size += len(chunk)
        if bad_line is None:
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as error:
                position = max(0, error.start)
                bad_line = lines_before + chunk.count(b"\n", 0, position) + 1
                bad_byte = chunk[position] if position < len(chunk) else None
        # isascii first: the pattern scans every byte of a chunk that holds none (most exports).
        if not has_sequences and not chunk.isascii() and UTF8_SEQUENCE.search(chunk):
            has_sequences = True
        lines_before += chunk.count(b"\n")
    if bad_line is None:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            bad_line, bad_byte = lines_before + 1, None
    bom = ""
    if head.startswith(codecs.BOM_UTF8):
        bom = "utf-8-sig"
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        bom = "utf-16"
    return Fingerprint(digest.hexdigest(), size, bom, bad_line, bad_byte, has_sequences)


def choose_encoding(name: str, facts: Fingerprint, configured: str) -> tuple[str, str]:
    """(encoding, note) for `configured` ("auto" or a codec name)."""
    if configured != "auto":
        if codecs.lookup(configured).name == "utf-8" and facts.bom == "utf-8-sig":
            return "utf-8-sig", ""
        if codecs.lookup(configured).name == "utf-8" and facts.first_bad_line is not None:
            raise ImportFileError([_not_utf8(name, facts, "the mapping says `encoding: utf-8`")])
        return configured, ""
    if facts.bom:
        return facts.bom, ""
    if facts.first_bad_line is None:
        return "utf-8", ""
    if facts.has_utf8_sequences:
        raise ImportFileError([_not_utf8(name, facts, "other lines are UTF-8")])
    return "cp1252", f"read as Windows-1252 (Latin-1): line {facts.first_bad_line} is not UTF-8"


def _not_utf8(name: str, facts: Fingerprint, context: str) -> Problem:
    byte = f"byte 0x{facts.first_bad_byte:02X}" if facts.first_bad_byte is not None else "a cut-off character"
    return Problem(
        name,
        facts.first_bad_line,
        f"{byte} is not UTF-8, but {context}; expected one encoding for the whole file: save it as UTF-8, "
        "or set `encoding:` (latin-1, cp1252) in the mapping",
    )


def sniff_delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def inspect_csv(path: str | Path, *, encoding: str = "auto", delimiter: str = "auto") -> CsvFile:
    file = Path(path)
    name = str(path)
    if not file.exists():
        raise ImportFileError([Problem(name, None, "the file does not exist")])
    if file.is_dir():
        raise ImportFileError([Problem(name, None, "this is a folder; expected a CSV file")])
    try:
        with file.open("rb") as handle:
            facts = fingerprint(handle)
    except OSError as error:
        raise ImportFileError([Problem(name, None, f"cannot be read: {error.strerror}")]) from None
    if facts.size == 0 or (facts.bom and facts.size <= 3):
        raise ImportFileError([Problem(name, None, "the file is empty; expected a header line of column names, then one line per row")])
    chosen, note = choose_encoding(name, facts, encoding)
    if chosen == "cp1252" and not _decodes(file, "cp1252"):
        chosen = "latin-1"
    header_line = _first_line(file, chosen)
    if not header_line.strip():
        raise ImportFileError([Problem(name, 1, "the first line is blank; expected the header line of column names")])
    used = sniff_delimiter(header_line) if delimiter == "auto" else delimiter
    header = next(csv.reader([header_line], delimiter=used))
    return CsvFile(file, name, facts.size, facts.sha256, chosen, used, [h.strip() for h in header], note)


def _decodes(file: Path, encoding: str) -> bool:
    try:
        with file.open("r", encoding=encoding) as handle:
            while handle.read(CHUNK):
                pass
        return True
    except UnicodeDecodeError:
        return False


def _first_line(file: Path, encoding: str) -> str:
    with file.open("r", encoding=encoding, newline="") as handle:
        return handle.readline(FIELD_SIZE_LIMIT).rstrip("\r\n")


@dataclass
class RowError:
    line: int
    message: str


class RowReader:
    """(line the row starts on, its values) for every data row after the header. A row the csv module
    cannot parse comes as a RowError and reading goes on at the next line. `position()` is how far
    into the file's bytes reading has come, for the progress bar."""

    def __init__(self, csv_file: CsvFile) -> None:
        self.csv_file = csv_file
        self._handle: TextIO | None = None

    def position(self) -> int:
        return self._handle.buffer.tell() if self._handle is not None else 0

    def __iter__(self) -> Iterator[tuple[int, list[str] | RowError]]:
        with self.csv_file.path.open("r", encoding=self.csv_file.encoding, newline="") as handle:
            self._handle = handle
            reader = csv.reader(handle, delimiter=self.csv_file.delimiter, strict=False)
            try:
                next(reader, None)
            except csv.Error:
                pass  # a header too long to parse was reported by the header check
            previous_end = reader.line_num
            while True:
                start = previous_end + 1
                try:
                    row = next(reader)
                except StopIteration:
                    break
                except csv.Error as error:
                    previous_end = reader.line_num
                    yield start, RowError(start, _csv_problem(str(error)))
                    continue
                previous_end = reader.line_num
                if row:
                    yield start, row
        self._handle = None


def _csv_problem(message: str) -> str:
    if "field larger than field limit" in message:
        return (
            f"has a value longer than {FIELD_SIZE_LIMIT:,} characters; expected short values "
            "(is a closing quote missing? an unclosed quote makes the rest of the file one value)"
        )
    return f"cannot be read as CSV ({message}); expected values separated by the delimiter"
