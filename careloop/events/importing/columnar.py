"""The CSV import's columnar fast path: the file parsed by Apache Arrow's CSV reader a block at a time
(about 40,000 rows), every column converted and checked at once, the block written in one go.

Why: reading a CSV row by row in Python, even batch-wise (rows.py), tops out near 20,000 rows per CPU
second, a tenth of the goal (issue 3; bench/ingest.py measures both ways in one run).

It decides nothing on its own, it only skips work. Each value is converted by the row path's own
converter (step.convert), called once per *distinct* value of a block's column (a column of 40,000
visits holds a few dozen providers, codes and statuses); only ISO 8601 timestamps to the second, the
one kind of value where nearly every value is distinct, are converted by Arrow's kernels, and those are
checked to give exactly what the row path gives (the date written back must equal the text read; the
UTC offset of a local time is the row path's own per-hour offset from the mapping's time zone).

Whenever a file is not plainly clean the fast path refuses (`Refused`) and the importer rolls back what
it wrote (a savepoint) and reads the whole file again row by row, which finds and words every problem
exactly as before: a bad value, a row of the wrong width, times out of order, a repeated id, a time at a
daylight-saving change (those are noted with their line), a value longer than the csv module takes,
a header that is not the one line the file inspection read, an encoding Arrow does not take (UTF-16).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]
import pyarrow.csv as pa_csv  # type: ignore[import-untyped]
from django.db import transaction

from careloop.events.importing.csv_reader import FIELD_SIZE_LIMIT, CsvFile
from careloop.events.importing.earliest import EarliestTime
from careloop.events.importing.report import ImportReport
from careloop.events.importing.rows import RowReader, Step
from careloop.events.importing.tables import Kind
from careloop.events.importing.values import BadValue
from careloop.events.importing.writer import RepeatedId, UpsertWriter

# Bytes Arrow parses at a time: about 10,000 rows of a visits export, big enough that the fixed cost
# of a block (about a hundred kernel calls, the id look-up: ~2 ms) vanishes, small enough that the
# writer waits only for the first one before the reading thread and it overlap (read_ahead): with
# 8 MiB blocks that first wait was a third of a 100,000-row file's parse (bench/ingest.py).
BLOCK_BYTES = 2 << 20
# ISO 8601 to the second, with or without "Z" or a ±HH:MM offset, years 1970–2199: the shape export
# tools write. Anything else (a mapping's strptime format, fractions of a second, another year) goes
# through the row path's converter, value by distinct value. (From 1970 on, seconds since the epoch
# are positive, so Arrow's integer division, which truncates, gives each time's hour.)
ISO_SECONDS = r"^(19[7-9][0-9]|20[0-9]{2}|21[0-9]{2})-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])?$"
# A mapping's format Arrow's strptime reads as Python's does, for the text Arrow's strftime writes back:
# numeric fields of fixed width, a 12-hour clock with AM/PM (C locale, as Python's), and literal text
# other than "%" (no %y: the two centuries' rules differ; no %b/%A: names are locale-bound in Python).
KERNEL_FORMAT = re.compile(r"(?:%[YmdHMSIp]|[^%])+")
# Python 3.11's datetime.fromisoformat, which the row path tries before a mapping's formats, reads a
# four-digit year first: a value whose first four characters are not all digits is not ISO 8601.
NOT_ISO = r"^[0-9]{0,3}[^0-9]"
SECONDS_BEFORE_2200 = 7_258_118_400  # 2200-01-01 00:00 UTC
# Hours of local time whose offsets are kept as one table (_local_offset_seconds): ten years, 700 KB.
HOUR_TABLE_SPAN = 24 * 366 * 10
ARROW_TYPES: dict[Kind, Any] = {
    "text": pa.string(), "code": pa.string(), "timestamp": pa.string(), "integer": pa.int64(), "boolean": pa.bool_(),
}
# Python's codec names Arrow's reader takes as its own UTF-8 (it skips a UTF-8 byte-order mark itself);
# other single-byte encodings are decoded by Python's codec inside Arrow's reader, as the row path does.
UTF8_NAMES = frozenset({"utf-8", "utf8", "utf-8-sig", "utf_8"})
EPOCH = datetime(1970, 1, 1)
# What str.strip() removes (every character whose str.isspace() is true, Python 3.11), or an export
# apostrophe (values.py), at either end: a text value without these is stored exactly as written.
PYTHON_SPACE = r"\t\n\x{0b}\x{0c}\r\x{1c}-\x{1f} \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}"
NOT_AS_WRITTEN = rf"^[{PYTHON_SPACE}']|[{PYTHON_SPACE}]$|^$"


class Refused(Exception):
    """The fast path does not take this file; the message says why (for the benchmark and tests)."""


@dataclass
class ColumnBlock:
    """One block of a file read: its values in the table's field order (timestamps as UTC text, as
    UpsertWriter stores them) and each row's content hash."""

    rows: int
    table: Any  # pyarrow.Table
    hashes: list[str]
    earliest: str | None
    position: int  # how far into the file's bytes reading has come, for the progress bar


def refusal_before_reading(csv_file: CsvFile, values: RowReader, writer: object) -> str | None:
    """Why the fast path cannot even start on this import, or None."""
    if type(values) is not RowReader or not isinstance(writer, UpsertWriter):
        return "the contact store checks more per row"
    if csv_file.encoding.lower().replace("_", "-").startswith("utf-16"):
        return "UTF-16"
    if len(csv_file.delimiter) != 1 or csv_file.delimiter in "\"\r\n":
        return "a delimiter Arrow does not take"
    return None


class ColumnarReader:
    def __init__(self, values: RowReader, csv_file: CsvFile, timestamp_suffix: str = "") -> None:
        self.values = values
        self.csv_file = csv_file
        self.spec = values.spec
        self.timestamp_suffix = timestamp_suffix  # "+00:00" for PostgreSQL's content hash (writer.py)
        self.ids: list[Any] = []
        self.rows = 0
        self.first_hour = 0
        self.hour_offsets: Any = pa.array([], pa.int64())  # _cover_hours
        formats = values.timestamps.formats
        first = formats[0] if formats else ""
        self.first_format = first if kernel_reads_like_python(first) else None

    # --- reading ---

    def blocks(self) -> Generator[ColumnBlock, None, None]:
        width = len(self.csv_file.header)
        names = [f"c{i}" for i in range(width)]
        encoding = self.csv_file.encoding
        options = {
            "read_options": pa_csv.ReadOptions(
                encoding="utf8" if encoding.lower() in UTF8_NAMES else encoding,
                column_names=names, block_size=BLOCK_BYTES,
            ),
            # newlines_in_values: a quoted value may hold a line break, as the csv module reads it.
            "parse_options": pa_csv.ParseOptions(delimiter=self.csv_file.delimiter, newlines_in_values=True),
            "convert_options": pa_csv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False, quoted_strings_can_be_null=False,
            ),
        }
        with self.csv_file.path.open("rb") as handle:
            try:
                reader = pa_csv.open_csv(handle, **options)
                first = True
                while True:
                    try:
                        batch = reader.read_next_batch()
                    except StopIteration:
                        break
                    if first:
                        self._check_header(batch)
                        batch = batch.slice(1)
                        first = False
                    if batch.num_rows:
                        yield self.read_block(batch, handle.tell())
            except (pa.ArrowInvalid, UnicodeDecodeError) as error:
                # A row of the wrong width, an unclosed quote, bytes the encoding does not take.
                raise Refused(f"Arrow cannot parse it as the csv module does: {str(error)[:200]}") from None

    def _check_header(self, batch: Any) -> None:
        if batch.num_rows == 0:
            return
        header = [str(value).strip() for value in batch.slice(0, 1).to_pylist()[0].values()]
        if header != self.csv_file.header:
            raise Refused("the header is not the one line the file inspection read")

    def finish(self) -> None:
        """After the last block: each id once in the whole file (each block checked its own)."""
        if self.rows and pc.count_distinct(pa.chunked_array(self.ids)).as_py() != self.rows:
            raise Refused("an id appears twice")

    def read_block(self, batch: Any, position: int) -> ColumnBlock:
        count = batch.num_rows
        for column in batch.columns:
            longest = pc.max(pc.utf8_length(column)).as_py()
            if longest is not None and longest > FIELD_SIZE_LIMIT:
                raise Refused("a value longer than the csv module reads")
        fields = self.spec.fields
        out = [
            pa.nulls(count, ARROW_TYPES[f.kind]) if value is None else pa.repeat(pa.scalar(value, ARROW_TYPES[f.kind]), count)
            for f, value in zip(fields, self.values.column_template)
        ]
        for step in self.values.steps:
            raw = self._raw(batch, step)
            kind = fields[step.position].kind
            if kind == "timestamp":
                out[step.position] = self._timestamps(raw, fields[step.position].required)
            elif kind == "text" and _as_written(raw):
                out[step.position] = self._text(raw, fields[step.position].max_length, fields[step.position].name)
            else:
                out[step.position] = by_distinct_value(raw, step.convert, ARROW_TYPES[kind])
        self._check_rules(out)
        ids = out[self.values.id_position]
        if pc.count_distinct(ids).as_py() != count:
            raise Refused("an id appears twice")
        self.ids.append(ids)
        self.rows += count
        table = pa.Table.from_arrays(out, names=list(self.spec.field_names))
        return ColumnBlock(count, table, self._hashes(out), self._earliest(out), position)

    def _raw(self, batch: Any, step: Step) -> Any:
        if len(step.indexes) == 1:
            return batch.column(step.indexes[0])
        # rows.py's _joined: each part stripped, joined with one space (a date column and a time column).
        parts = [by_distinct_value(batch.column(i), str.strip, pa.string()) for i in step.indexes]
        return pc.binary_join_element_wise(*parts, " ")

    def _text(self, raw: Any, max_length: int | None, name: str) -> Any:
        """A text column whose values are all kept as written (ids, patient references: nearly every
        value distinct), checked as values.py's text_reader and rows.py's _no_email check one value."""
        if max_length is not None and pc.max(pc.utf8_length(raw)).as_py() > max_length:
            raise Refused("a text longer than its field takes")
        if name == "patient_ref" and pc.any(pc.match_substring(raw, "@")).as_py():
            raise Refused("an email address as a patient reference")
        return raw

    # --- timestamps ---

    def _timestamps(self, raw: Any, required: bool) -> Any:
        fast, utc_text = self._iso_seconds(raw)
        # Only a column with values left over besides empty ones (a visit not yet roomed) is worth it.
        if self.first_format is not None and pc.any(pc.and_(pc.invert(fast), pc.not_equal(raw, ""))).as_py():
            by_format, format_text = self._first_format(raw, self.first_format)
            utc_text = pc.if_else(fast, utc_text, format_text)
            fast = pc.or_(fast, by_format)
        # Every other value (empty, a mapping's format, a time near a daylight-saving change) the row
        # path's way, once per distinct value; the ISO ones are blanked out of that column first.
        others = pc.if_else(fast, "", raw)
        reader = self.values.timestamps
        notes = len(reader.dst_notes)
        slow = by_distinct_value(others, reader.utc_text, pa.string())
        if len(reader.dst_notes) != notes:
            raise Refused("a time at a daylight-saving change (noted with its line by the row path)")
        result = pc.if_else(fast, utc_text, slow)
        if required and result.null_count:
            raise Refused("a required time is empty")
        return result

    def _iso_seconds(self, raw: Any) -> tuple[Any, Any]:
        """(which values this converts exactly, their UTC text "YYYY-MM-DD HH:MM:SS")."""
        shaped = pc.match_substring_regex(raw, ISO_SECONDS)
        wall_text = pc.utf8_replace_slice(pc.utf8_slice_codeunits(raw, 0, 19), 10, 11, " ")
        wall = pc.strptime(wall_text, format="%Y-%m-%d %H:%M:%S", unit="s", error_is_null=True)
        # Arrow rolls 30 February over to 1 March and 60 seconds to the next minute; Python refuses
        # both. Written back, such a date differs from the text, so it is left to the row path. (A
        # timestamp cast to text is "YYYY-MM-DD HH:MM:SS", ten times faster than Arrow's strftime.)
        checked = pc.fill_null(pc.and_(shaped, pc.equal(pc.cast(wall, pa.string()), wall_text)), False)
        seconds = pc.cast(wall, pa.int64())
        # What follows the seconds: "" (a local time), "Z" or an offset; a column holds a handful.
        suffix = pc.utf8_slice_codeunits(raw, 19, 25).dictionary_encode()
        suffixes = suffix.dictionary.to_pylist()
        offset = pa.array([self._stated_offset_seconds(text) for text in suffixes], pa.int64()).take(suffix.indices)
        if "" in suffixes:
            local = pc.and_(checked, pc.equal(suffix.indices, suffixes.index("")))
            if pc.any(local).as_py():
                local_seconds = pc.if_else(local, seconds, pa.scalar(None, pa.int64()))
                offset = pc.if_else(local, self._local_offset_seconds(local_seconds), offset)
        fast = pc.fill_null(pc.and_(checked, pc.is_valid(offset)), False)
        utc = pc.cast(pc.subtract(seconds, offset), pa.timestamp("s"))
        return fast, pc.cast(utc, pa.string())

    def _first_format(self, raw: Any, form: str) -> tuple[Any, Any]:
        """(which values this converts exactly, their UTC text) for the mapping's first format, by
        Arrow's strptime. A value counts only when it is not ISO 8601 (the row path tries
        datetime.fromisoformat first: see NOT_ISO), Arrow's strftime
        writes the parsed time back as exactly the text read (so Python's strptime, which takes that
        canonical text the same way, gives the same wall-clock time: "6/3/2024" or "08:45 am" go the
        row path's way), and the time lies in the years 1970–2199 (see ISO_SECONDS)."""
        wall = pc.strptime(raw, format=form, unit="s", error_is_null=True)
        same = pc.equal(pc.strftime(wall, format=form), raw)
        seconds = pc.cast(wall, pa.int64())
        in_range = pc.and_(pc.greater_equal(seconds, 0), pc.less(seconds, SECONDS_BEFORE_2200))
        not_iso = pc.match_substring_regex(raw, NOT_ISO)
        checked = pc.fill_null(pc.and_(pc.and_(same, in_range), not_iso), False)
        if not pc.any(checked).as_py():
            return checked, pa.nulls(len(raw), pa.string())
        local_seconds = pc.if_else(checked, seconds, pa.scalar(None, pa.int64()))
        offset = self._local_offset_seconds(local_seconds)
        fast = pc.fill_null(pc.and_(checked, pc.is_valid(offset)), False)
        utc = pc.cast(pc.subtract(seconds, offset), pa.timestamp("s"))
        return fast, pc.cast(utc, pa.string())

    def _stated_offset_seconds(self, text: str) -> int | None:
        """The offset a suffix states, in seconds, as the row path reads it (None for none)."""
        offset = self.values.timestamps.stated_offset(text)
        return None if offset is None else int(offset.total_seconds())

    def _local_offset_seconds(self, seconds: Any) -> Any:
        """Each wall-clock time's UTC offset in the mapping's zone, in seconds, from the row path's
        own per-hour offsets (timestamps.py steady_offset); null in an hour with a daylight-saving change.
        Looked up by Arrow's `take` in a table of every hour the import has met so far (HOUR_TABLE_SPAN
        at most), so Python works once per hour of the file rather than once per hour of every column
        of every block; a wider span goes hour by distinct hour."""
        earliest = pc.min(seconds)
        if not earliest.is_valid:
            return pa.nulls(len(seconds), pa.int64())
        hours = pc.divide(pc.fill_null(seconds, earliest), 3600)
        low, high = (value.as_py() for value in pc.min_max(hours).values())
        if not self._cover_hours(low, high):
            encoded = hours.dictionary_encode()
            offsets = [self._hour_offset(hour) for hour in encoded.dictionary.to_pylist()]
            return pa.array(offsets, pa.int64()).take(encoded.indices)
        return self.hour_offsets.take(pc.subtract(hours, self.first_hour))

    def _cover_hours(self, low: int, high: int) -> bool:
        """Extend the table of hours (self.hour_offsets from self.first_hour on) to low..high; False if
        that would span more than HOUR_TABLE_SPAN hours."""
        known_high = self.first_hour + len(self.hour_offsets) - 1
        if self.hour_offsets and self.first_hour <= low and high <= known_high:
            return True
        if self.hour_offsets:
            low, high = min(low, self.first_hour), max(high, known_high)
        if high - low >= HOUR_TABLE_SPAN:
            return False
        self.first_hour = low
        self.hour_offsets = pa.array([self._hour_offset(hour) for hour in range(low, high + 1)], pa.int64())
        return True

    def _hour_offset(self, hour: int) -> int | None:
        """The offset in seconds of the hour `hour` hours after 1970-01-01 00:00 on the wall clock."""
        wall = EPOCH + timedelta(hours=hour)
        key = wall.toordinal() * 24 + wall.hour
        reader = self.values.timestamps
        if key not in reader.offsets:
            reader.offsets[key] = reader.steady_offset(wall)
        offset = reader.offsets[key]
        return None if offset is None else int(offset.total_seconds())

    # --- the table's rules, the hash, the earliest time ---

    def _check_rules(self, out: list[Any]) -> None:
        for early, late, _, _ in self.values.order_rules:
            if pc.any(pc.less(out[late], out[early])).as_py():
                raise Refused("times out of order")
        for first, second, _, _ in self.values.either_or:
            if pc.any(pc.and_(pc.is_valid(out[first]), pc.is_valid(out[second]))).as_py():
                raise Refused("two fields of which at most one may be set")

    def _hashes(self, out: list[Any]) -> list[str]:
        """writer.content_hash of every row: the values as str() writes them joined with \\x1f, built by
        Arrow; only the digest is taken per row in Python."""
        parts = []
        for spec_field, column in zip(self.spec.fields, out):
            if spec_field.kind == "boolean":
                column = pc.if_else(column, "True", "False")
            elif spec_field.kind == "integer":
                column = pc.cast(column, pa.string())
            elif spec_field.kind == "timestamp" and self.timestamp_suffix:
                column = pc.binary_join_element_wise(column, self.timestamp_suffix, "")
            parts.append(column)
        joined = pc.binary_join_element_wise(*parts, "\x1f", null_handling="replace", null_replacement="None")
        blake2b = hashlib.blake2b
        return [blake2b(text, digest_size=16).hexdigest() for text in pc.cast(joined, pa.binary()).to_pylist()]

    def _earliest(self, out: list[Any]) -> str | None:
        found = [pc.min(out[i]).as_py() for i in self.values.timestamp_positions]
        known = [value for value in found if value is not None]
        return min(known) if known else None


def kernel_reads_like_python(form: str) -> bool:
    """Whether Arrow's strptime reads text in this format as Python's strptime does (see KERNEL_FORMAT).
    Not one with space at either end (the row path strips the value first), a whole date (without a
    year Python reads 1900, Arrow 1970), and %I only with %p and the other way round (without %p Python
    reads "12" as hour 0, Arrow as 12)."""
    whole_date = all(part in form for part in ("%Y", "%m", "%d"))
    clock = ("%I" in form) == ("%p" in form)
    return bool(KERNEL_FORMAT.fullmatch(form)) and form == form.strip() and whole_date and clock


def _as_written(raw: Any) -> bool:
    return not pc.any(pc.match_substring_regex(raw, NOT_AS_WRITTEN)).as_py()


def by_distinct_value(raw: Any, convert: Callable[[str], Any], arrow_type: Any) -> Any:
    """`convert` applied to each distinct value of a column once, spread back over the column. A value
    it refuses refuses the file: the row path then reports it with its line."""
    encoded = raw.dictionary_encode()
    try:
        converted = [convert(value) for value in encoded.dictionary.to_pylist()]
    except BadValue:
        raise Refused("a value the row path refuses") from None
    return pa.array(converted, arrow_type).take(encoded.indices)


Item = TypeVar("Item")


def read_ahead(items: Generator[Item, None, None]) -> Iterator[Item]:
    """The next block is read in a second thread while the caller writes this one (Arrow's parser,
    its kernels, sqlite3 and psycopg let go of Python's interpreter lock while they work)."""
    done = object()

    def next_item() -> Any:
        return next(items, done)

    try:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="careloop-import-columns") as pool:
            pending = pool.submit(next_item)
            while (item := pending.result()) is not done:
                pending = pool.submit(next_item)
                yield item
    finally:
        items.close()  # once the reading thread has stopped: the file is closed at once, also after an error


Progress = Callable[[int, int], None]


def import_columns(csv_file: CsvFile, values: RowReader, writer: UpsertWriter, report: ImportReport,
                   progress: Progress) -> str | None:
    """Read and write the whole file the columnar way, inside a savepoint. Returns None when done, or
    why the fast path refused (then nothing it wrote stays, and the writer's counts are as before)."""
    reason = refusal_before_reading(csv_file, values, writer)
    if reason is not None:
        return reason
    counts = writer.inserted, writer.updated, writer.unchanged
    reader = ColumnarReader(values, csv_file, "+00:00" if writer.postgresql else "")
    earliest = EarliestTime(values.spec)
    rows = 0
    try:
        with transaction.atomic():
            for block in read_ahead(reader.blocks()):
                before = writer.inserted + writer.updated
                writer.write_table(block.table, block.hashes)
                if writer.inserted + writer.updated > before and block.earliest is not None:
                    earliest.keep(datetime.fromisoformat(block.earliest + "+00:00"))
                rows += block.rows
                progress(block.position, rows)
            reader.finish()
            writer.finish_table()
    except (Refused, RepeatedId) as refused:
        writer.inserted, writer.updated, writer.unchanged = counts
        return str(refused)
    report.rows += rows
    report.earliest_event_at = earliest.value
    return None
