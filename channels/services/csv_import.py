"""CSV files in and out: a bad row is reported with its line number and nothing is saved."""

import csv
import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class CsvImportError(Exception):
    """Every problem of a file, as (line number, message); nothing of the file was saved."""

    def __init__(self, problems: list[tuple[int, str]]):
        self.problems = problems
        super().__init__("; ".join(f"line {line}: {message}" for line, message in problems))

    def sentences(self, limit: int = 20) -> list[str]:
        lines = [
            _("Line %(line)d: %(message)s") % {"line": line, "message": message}
            for line, message in self.problems[:limit]
        ]
        if len(self.problems) > limit:
            lines.append(_("… and %(n)d more.") % {"n": len(self.problems) - limit})
        return lines


@dataclass
class CsvRow:
    line: int
    data: dict[str, str]


def read_csv(
    content: bytes | str, *, required: tuple[str, ...], optional: tuple[str, ...] = ()
) -> list[CsvRow]:
    """Rows keyed by lower-case column name; `,` or `;` (as French spreadsheets save) and a
    UTF-8 byte-order mark are accepted."""
    if isinstance(content, bytes):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = content.decode("cp1252")
    else:
        text = content.lstrip("\ufeff")
    if not text.strip():
        raise CsvImportError([(1, _("The file is empty."))])
    first_line = text.splitlines()[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [name.strip().lower() for name in next(reader)]
    missing = [name for name in required if name not in header]
    unknown = [name for name in header if name not in required + optional]
    problems = []
    if missing:
        problems.append((1, _("Missing columns: %(names)s.") % {"names": ", ".join(missing)}))
    if unknown:
        problems.append((1, _("Unknown columns: %(names)s.") % {"names": ", ".join(unknown)}))
    if problems:
        raise CsvImportError(problems)
    rows = []
    for values in reader:
        line = reader.line_num
        if not any(value.strip() for value in values):
            continue
        if len(values) != len(header):
            problems.append(
                (
                    line,
                    _("%(got)d values for %(want)d columns.")
                    % {"got": len(values), "want": len(header)},
                )
            )
            continue
        rows.append(CsvRow(line, dict(zip(header, values, strict=True))))
    if problems:
        raise CsvImportError(problems)
    return rows


def validation_problems(line: int, error: ValidationError) -> list[tuple[int, str]]:
    """One problem per bad field of a row, as "field: message"."""
    return [
        (line, f"{field}: {' '.join(messages)}") for field, messages in error.message_dict.items()
    ]
