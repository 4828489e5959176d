"""Reading a district office's spreadsheet: .xlsx (the first sheet) or .csv (UTF-8, or GB18030 as Excel saves it
on a Chinese Windows), with the header row found by its column names, whatever order they are in."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime

from api.errors import APIError

MAX_ROWS = 20_000
MAX_BYTES = 20 * 1024**2


@dataclass
class Row:
    number: int  # the row number as the spreadsheet shows it (1 = the first line)
    values: dict[str, str]  # field → text, blank cells left out


@dataclass
class Sheet:
    fields: list[str]  # the layout's fields found in the header row
    rows: list[Row]


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a 手机号 typed as a number comes back as 13800138000.0
    return str(value).strip().replace("\u3000", " ").strip()


def _header_key(text: str) -> str:
    return text.replace(" ", "").replace("\u3000", "").replace("*", "").replace("（", "(").split("(")[0].lower()


def _raw_rows(data: bytes, filename: str) -> list[list[str]]:
    name = filename.lower()
    if name.endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
            raise APIError(422, "bad_spreadsheet", "The file is not a readable .xlsx workbook.") from exc
        try:
            sheet = book.worksheets[0]
            return [[_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        finally:
            book.close()
    if name.endswith(".csv") or name.endswith(".txt"):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:  # pragma: no cover - gb18030 decodes any byte string
            raise APIError(422, "bad_spreadsheet", "The CSV file is neither UTF-8 nor GB18030 text.")
        dialect = csv.excel_tab if text.split("\n", 1)[0].count("\t") > text.split("\n", 1)[0].count(",") else csv.excel
        return [[_text(v) for v in row] for row in csv.reader(io.StringIO(text), dialect)]
    raise APIError(415, "unsupported_spreadsheet", "Send an Excel .xlsx or a .csv file.", filename=filename[:100])


def read_sheet(data: bytes, filename: str, aliases: dict[str, tuple[str, ...]], required: tuple[str, ...]) -> Sheet:
    """Rows as field → text. ``aliases`` maps each field to the header texts that name it (the first few lines
    are searched for the header row, so a title line above it is fine)."""
    if len(data) > MAX_BYTES:
        raise APIError(413, "too_large", f"The file is larger than {MAX_BYTES // 1024**2} MiB.")
    rows = _raw_rows(data, filename)
    lookup = {_header_key(a): field for field, names in aliases.items() for a in (field, *names)}
    header = -1
    columns: dict[int, str] = {}
    for position, row in enumerate(rows[:10]):
        columns = {i: lookup[_header_key(cell)] for i, cell in enumerate(row) if cell and _header_key(cell) in lookup}
        if set(required) <= set(columns.values()):
            header = position
            break
    if header < 0:
        raise APIError(422, "missing_columns", "The header row was not found: the file needs the columns "
                       + "、".join(aliases[f][0] if aliases[f] else f for f in required) + ".",
                       columns="、".join(aliases[f][0] for f in required))
    out = []
    for number, row in enumerate(rows[header + 1:], start=header + 2):
        values = {field: row[i] for i, field in columns.items() if i < len(row) and row[i]}
        if values:
            out.append(Row(number, values))
    if len(out) > MAX_ROWS:
        raise APIError(413, "too_many_rows", f"At most {MAX_ROWS} rows per file.", n=MAX_ROWS)
    return Sheet(fields=sorted(set(columns.values())), rows=out)
