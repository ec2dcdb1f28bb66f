"""CSV files in and out: a bad row is reported with its line number and nothing is saved.

A file is read as a stream of lines (a file of any size takes the memory of one line), so an
import can run outside the web request later on.
"""

import csv
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import BinaryIO

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

# Python's own cap on one value; no column of ours comes near it.
MAX_FIELD_CHARS = csv.field_size_limit()
# A physical line longer than this is not a row of ours: it is refused before it is held whole.
MAX_LINE_BYTES = 8 * MAX_FIELD_CHARS
# Problems kept for the report; a file wrong on every line is summed up beyond this.
MAX_PROBLEMS = 1000
CHUNK_BYTES = 64 * 1024

# A spreadsheet evaluates a text cell starting with one of these (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class CsvImportError(Exception):
    """Every problem of a file, as (line number, message); nothing of the file was saved."""

    def __init__(self, problems: list[tuple[int, str]], more: int = 0):
        self.problems = problems
        self.more = more  # problems found beyond those kept
        super().__init__("; ".join(f"line {line}: {message}" for line, message in problems))

    def sentences(self, limit: int = 20) -> list[str]:
        lines = [
            _("Line %(line)d: %(message)s") % {"line": line, "message": message}
            for line, message in self.problems[:limit]
        ]
        left_out = max(len(self.problems) - limit, 0) + self.more
        if left_out:
            lines.append(_("… and %(n)d more.") % {"n": left_out})
        return lines


def csv_import_max_bytes() -> int:
    return settings.CSV_IMPORT_MAX_BYTES


def file_too_large_sentence() -> str:
    return _("The file is larger than %(limit)s: split it into several files and import each.") % {
        "limit": filesizeformat(csv_import_max_bytes())
    }


@dataclass
class CsvRow:
    line: int
    data: dict[str, str]


class CsvReader:
    """Rows of a CSV file, keyed by lower-case column name, read from a binary file object.

    `,` or `;` (as French spreadsheets save) are accepted as separators, and any line end
    (Windows, Unix, or the CR alone of old Mac software). The text is UTF-8, with or without a
    byte-order mark; a file that is not UTF-8 from its first non-ASCII line on is read as
    Windows-1252, what Excel's "CSV (séparateur : point-virgule)" writes in France. A row with
    a problem is recorded in `problems` and not yielded; a problem that makes the rest of the
    file unreadable (bytes that are not text, a size limit) raises `CsvImportError` at once.
    The caller adds its own problems, then calls `raise_problems()` before saving anything.
    """

    def __init__(self, file: BinaryIO, *, required: tuple[str, ...], optional=()):
        self.problems: list[tuple[int, str]] = []
        self.more = 0
        self._file = file
        self._physical_line = 0
        self._bytes_read = 0
        self._encoding = "utf-8"
        self._seen_non_ascii = False
        lines = self._text_lines()
        first = next(lines, None)
        while first is not None and not first.strip():
            first = next(lines, None)
        if first is None:
            raise CsvImportError([(1, _("The file is empty."))])
        delimiter = ";" if first.count(";") > first.count(",") else ","
        self._reader = csv.reader(_chain(first, lines), delimiter=delimiter)
        self._header_line = self._physical_line
        self.header = [name.strip().lower() for name in self._next_values()[1]]
        self._check_header(required, tuple(optional))

    def add(self, line: int, message: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append((line, message))
        else:
            self.more += 1

    def add_field_errors(self, line: int, errors: Mapping[str, Iterable]) -> None:
        """One problem per bad field of a row, as "field: message"."""
        for field, messages in errors.items():
            self.add(line, f"{field}: {' '.join(str(m) for m in messages)}")

    def raise_problems(self) -> None:
        if self.problems:
            raise CsvImportError(sorted(self.problems), self.more)

    def __iter__(self) -> Iterator[CsvRow]:
        width = len(self.header)
        while True:
            line, values = self._next_values()
            if values is None:
                return
            if not any(value.strip() for value in values):
                continue
            if len(values) != width:
                self.add(
                    line,
                    _("%(got)d values for %(want)d columns.") % {"got": len(values), "want": width},
                )
                continue
            yield CsvRow(line, dict(zip(self.header, map(unneutralise, values), strict=True)))

    # Reading ------------------------------------------------------------------------------
    def _check_header(self, required: tuple[str, ...], optional: tuple[str, ...]) -> None:
        header = self.header
        line = self._header_line
        problems = []
        repeated = sorted({name for name in header if name and header.count(name) > 1})
        if repeated:
            problems.append(
                (line, _("Columns given twice: %(names)s.") % {"names": ", ".join(repeated)})
            )
        missing = [name for name in required if name not in header]
        if missing:
            problems.append(
                (line, _("Missing columns: %(names)s.") % {"names": ", ".join(missing)})
            )
        unknown = [name for name in dict.fromkeys(header) if name not in required + optional]
        if unknown:
            problems.append(
                (line, _("Unknown columns: %(names)s.") % {"names": ", ".join(unknown)})
            )
        if problems:
            raise CsvImportError(problems)

    def _next_values(self) -> tuple[int, list[str] | None]:
        """The next record and the line it starts on (a quoted value may span lines)."""
        start = self._physical_line + 1
        try:
            values = next(self._reader)
        except StopIteration:
            return start, None
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                message = _(
                    'a value is longer than %(n)d characters: is a quote (") left open?'
                ) % {"n": MAX_FIELD_CHARS}
            else:
                message = _("this line cannot be read as CSV (%(error)s).") % {"error": exc}
            raise CsvImportError([*sorted(self.problems), (start, message)], self.more) from None
        return start, values

    def _text_lines(self) -> Iterator[str]:
        for raw in self._physical_lines():
            self._physical_line += 1
            if self._physical_line == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            if b"\x00" in raw:
                self._fail(_("this is not a text file: save it as CSV and import it again."))
            yield self._decode(raw)

    def _decode(self, raw: bytes) -> str:
        if raw.isascii():
            return raw.decode("ascii")
        try:
            text = raw.decode(self._encoding)
        except UnicodeDecodeError as exc:
            if self._encoding == "utf-8" and not self._seen_non_ascii:
                self._encoding = "cp1252"
                return self._decode(raw)
            self._fail(
                _(
                    "this line is not UTF-8 text (byte %(byte)s at character %(at)d): "
                    'save the file as "CSV UTF-8" in your spreadsheet and import it again.'
                )
                % {
                    "byte": f"0x{raw[exc.start]:02X}",
                    "at": len(raw[: exc.start].decode(self._encoding, "replace")) + 1,
                }
            )
        self._seen_non_ascii = True
        return text

    def _physical_lines(self) -> Iterator[bytes]:
        """Lines of the file with their ends kept, split at CR LF, LF or a CR alone."""
        limit = csv_import_max_bytes()
        pending = b""
        while chunk := self._file.read(CHUNK_BYTES):
            self._bytes_read += len(chunk)
            if self._bytes_read > limit:
                raise CsvImportError([(self._physical_line + 1, file_too_large_sentence())])
            lines = (pending + chunk).splitlines(keepends=True)
            # The last piece may go on in the next chunk (even a CR may be a CR LF cut in two).
            pending = lines.pop()
            yield from lines
            if len(pending) > MAX_LINE_BYTES:
                self._physical_line += 1
                self._fail(
                    _("this line is longer than %(size)s: is this a CSV file?")
                    % {"size": filesizeformat(MAX_LINE_BYTES)}
                )
        if pending:
            yield pending

    def _fail(self, message: str):
        line = self._physical_line
        raise CsvImportError([*sorted(self.problems), (line, message)], self.more)


def _chain(first: str, rest: Iterable[str]) -> Iterator[str]:
    yield first
    yield from rest


def unneutralise(value: str) -> str:
    """A cell our export protected from spreadsheet evaluation reads back as it was."""
    if value[:1] == "'" and value[1:2] and value[1] in FORMULA_STARTS:
        return value[1:]
    return value


def spreadsheet_safe(value):
    """A text cell a spreadsheet would run as a formula gets a leading `'` (shown as text).

    Numbers we write ourselves (quantities, prices, counts) are left alone: a spreadsheet reads
    `-3` as the number it is, and a formula can only come from text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SafeCsvWriter:
    """`csv.writer` for every export: formula-looking text cells neutralised."""

    def __init__(self, out, **kwargs):
        self._writer = csv.writer(out, **kwargs)

    def writerow(self, row: Iterable) -> None:
        self._writer.writerow([spreadsheet_safe(value) for value in row])
