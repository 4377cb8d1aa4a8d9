"""One reader for every CSV import: bytes -> rows, and the money, date and name rules of a cell.

Used by the inventory import and both sales formats (generic and StockX export), so a file
means the same thing whichever endpoint reads it (docs/import.md, "Reading the file"):

- Text: UTF-8 (a BOM is fine), else Windows-1252 (what Excel saves on Windows). No NUL bytes.
- Separator: comma, semicolon or tab, the one the header line uses most (outside quotes).
- Quoting is strict: a quote that is never closed is an error on the row where it opens, not
  a cell that swallows the rest of the line (`"unterminated,,,,,`).
- Money: one decimal mark per file, given by the client (`decimal=point|comma`) or detected
  from every amount of the file, never guessed cell by cell. An amount that reads differently
  under the two marks (`1,200`, `1.200`) with nothing in the file to decide is refused.
- Dates: ISO 8601, US `MM/DD/YYYY`, German `DD.MM.YYYY`; without a zone UTC; inside the
  business range of shared/database/types.py (2000-01-01 to tomorrow).
- Names (brand, product, location, ...) that a spreadsheet would run as a formula (`=`, `+`,
  `-`, `@`, tab, carriage return first) are refused; a CSV the service writes passes every
  cell through `spreadsheet_safe` (OWASP "CSV injection").

Python's csv module does the tokenising (with strict=True); this module adds what it does not
know: encodings, the separator, the decimal mark and the business rules of a cell.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Literal

from fastapi import Query

from shared.database.types import business_time
from shared.error_handling.errors import PayloadTooLarge

DecimalMark = Literal["point", "comma"]
DecimalChoice = Literal["auto", "point", "comma"]
# The import endpoints' `decimal` query parameter.
DecimalQuery = Annotated[
    DecimalChoice,
    Query(
        description="the file's decimal mark: point (1,234.50), comma (1.234,50), or auto: detected from the whole file"
    ),
]
SEPARATORS = (",", ";", "\t")
ENCODINGS = ("utf-8-sig", "cp1252")

_CURRENCY = re.compile(r"(?i)eur|usd|gbp|chf|[€$£\s\u00a0\u202f]")
_DIGITS = re.compile(r"\d+")
# An amount with one mark: digits, optional groups of three, optional fraction.
_AMOUNT = {
    "point": re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?"),
    "comma": re.compile(r"(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,(\d+))?"),
}
_DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S %z",
    "%Y-%m-%d %H:%M:%S%z",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y",
    "%m/%d/%y",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class CsvProblem:
    row: int  # line of the file; the header is line 1
    field: str
    message: str


class CsvFileInvalid(Exception):
    """The file cannot be read as a table (or its amounts contradict each other)."""

    def __init__(self, problems: list[CsvProblem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class CsvRow:
    line: int  # where the row starts in the file
    cells: list[str]


@dataclass(frozen=True, slots=True)
class CsvTable:
    header: list[str]
    rows: list[CsvRow]
    delimiter: str


def _file_problem(message: str, *, row: int = 1, field: str = "file") -> CsvFileInvalid:
    return CsvFileInvalid([CsvProblem(row, field, message)])


def decode(content: bytes) -> str:
    for encoding in ENCODINGS:
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            break
        return text
    raise _file_problem("The file is not a text CSV file (UTF-8 or Windows-1252)")


def _separator(header_line: str) -> str:
    """The separator the header uses most, counting only outside quotes."""
    outside = re.sub(r'"[^"]*"', "", header_line)
    return max(SEPARATORS, key=outside.count)


def read_csv_table(content: bytes, *, max_rows: int) -> CsvTable:
    """Header (stripped) and the non-blank rows with their line numbers.

    Raises CsvFileInvalid for an empty or unreadable file and for broken quoting (naming the
    row where the quote opens), PayloadTooLarge (`too_many_rows`) above `max_rows`.
    """
    text = decode(content).lstrip("\r\n")
    first_line = text.split("\n", 1)[0]
    if not first_line.strip():
        raise _file_problem("The file is empty: the first line must name the columns")
    reader = csv.reader(io.StringIO(text), delimiter=_separator(first_line), strict=True)
    rows: list[CsvRow] = []
    start = 1
    try:
        header = [cell.strip() for cell in next(reader)]
        while True:
            start = reader.line_num + 1  # a quoted cell may span lines: the row starts here
            try:
                cells = next(reader)
            except StopIteration:
                break
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) >= max_rows:
                raise PayloadTooLarge(
                    f"At most {max_rows} rows per import; split the file", code="too_many_rows"
                )
            rows.append(CsvRow(start, cells))
    except csv.Error as exc:
        raise _file_problem(_quoting_message(exc), row=start, field="row") from None
    if not any(header):
        raise _file_problem("The file is empty: the first line must name the columns")
    if not rows:
        raise _file_problem("The file has a header but no rows")
    return CsvTable(header=header, rows=rows, delimiter=reader.dialect.delimiter)


def _quoting_message(exc: csv.Error) -> str:
    text = str(exc)
    if "unexpected end of data" in text or "EOF" in text:
        return 'a quoted cell is never closed (a " without its closing ")'
    return f"not valid CSV: {text}"


# --- money -------------------------------------------------------------------------------------


def _bare_amount(raw: str) -> tuple[str, bool]:
    """The amount's digits and marks without currency, spaces and sign; and whether it was negative."""
    text = _CURRENCY.sub("", raw.strip())
    negative = False
    if text.startswith("(") and text.endswith(")"):
        text, negative = text[1:-1], True
    if text.startswith("-"):
        text, negative = text[1:], True
    return text, negative


def _vote(text: str) -> DecimalMark | None:
    """The decimal mark an amount shows by itself, if any: the later of two different marks;
    a mark followed by one or two digits at the end; a mark used twice (so it groups thousands)."""
    if "," in text and "." in text:
        return "comma" if text.rfind(",") > text.rfind(".") else "point"
    marks: tuple[tuple[str, DecimalMark, DecimalMark], ...] = (
        (",", "comma", "point"),
        (".", "point", "comma"),
    )
    for mark, named, other in marks:
        if mark in text:
            if text.count(mark) > 1:
                return other
            if re.fullmatch(rf"\d+{re.escape(mark)}\d{{1,2}}", text):
                return named
    return None


def detect_decimal_mark(amounts: Iterable[tuple[int, str, str]]) -> DecimalMark | None:
    """The file's decimal mark from all its amounts (line, column, cell); None if none shows one.

    Raises CsvFileInvalid when amounts show both marks (the file mixes conventions)."""
    seen: dict[DecimalMark, tuple[int, str, str]] = {}
    for line, column, raw in amounts:
        mark = _vote(_bare_amount(raw)[0])
        if mark is not None:
            seen.setdefault(mark, (line, column, raw))
    if len(seen) > 1:
        (p_line, p_col, p_raw), (c_line, c_col, c_raw) = seen["point"], seen["comma"]
        raise CsvFileInvalid(
            [
                CsvProblem(
                    p_line,
                    p_col,
                    f"{p_raw!r} has a decimal point, but {c_raw!r} (line {c_line}, {c_col}) has a "
                    "decimal comma: one file, one convention; or give decimal=point or decimal=comma",
                )
            ]
        )
    return next(iter(seen), None)


def parse_amount(raw: str, mark: DecimalMark | None) -> Decimal:
    """A signed amount with at most 2 decimals, read with the file's decimal mark.

    `mark` None (the file shows none): only amounts that read the same either way are accepted.
    Raises ValueError with a message for the row error."""
    text, negative = _bare_amount(raw)
    if not text:
        raise ValueError("not an amount")
    if mark is None and not text.isdigit():
        mark = _vote(text)
        if mark is None:
            raise ValueError(
                "ambiguous: the file does not show whether ',' or '.' is its decimal mark; "
                "give decimal=point or decimal=comma"
            )
    if mark is None:
        value = Decimal(text)
    else:
        match = _AMOUNT[mark].fullmatch(text)
        if match is None:
            raise ValueError(f"not an amount with a decimal {mark}")
        if match.group(1) is not None and len(match.group(1)) > 2:
            raise ValueError(f"at most 2 decimal places (the file's decimal mark is a {mark})")
        thousands, decimal = (",", ".") if mark == "point" else (".", ",")
        try:
            value = Decimal(text.replace(thousands, "").replace(decimal, "."))
        except InvalidOperation as exc:  # pragma: no cover - the pattern admits only digits
            raise ValueError("not an amount") from exc
    return -value if negative else value


# --- dates -------------------------------------------------------------------------------------


def parse_business_datetime(raw: str) -> datetime:
    """ISO 8601, 'YYYY-MM-DD HH:MM[:SS][ +zzzz]', US 'MM/DD/YYYY', German 'DD.MM.YYYY'; naive = UTC;
    inside the business range. Raises ValueError with a message for the row error."""
    text = raw.strip()
    value: datetime | None = None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        for fmt in _DATE_FORMATS:
            try:
                value = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
    if value is None:
        raise ValueError("not a date; use e.g. 2025-01-31, 2025-01-31T14:00:00Z or 31.01.2025")
    return business_time(value)


# --- names and spreadsheet formulas ------------------------------------------------------------


def check_not_formula(value: str) -> None:
    """ValueError when a spreadsheet would run `value` as a formula (OWASP CSV injection)."""
    if value.startswith(FORMULA_STARTS):
        raise ValueError(f"must not start with {value[0]!r}: spreadsheets run such a cell as a formula")


def spreadsheet_safe(value: str) -> str:
    """A cell for a CSV the service writes: a leading formula character is neutralised with a
    quote, as OWASP recommends, so a spreadsheet shows the text instead of running it."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value
