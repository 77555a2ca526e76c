"""Safe tabular exports: the one cell rule every CSV and XLSX the product writes goes through.

Spreadsheet programs run a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, after a tab or carriage
return, whatever follows) as a formula. Following OWASP's CSV-injection rule, every *string* cell that starts
with one of those characters is written with a single quote ``'`` in front, so it shows as text. Numbers are
never touched: ``-5.2`` stays the number ``-5.2``. In XLSX, strings are stored as string cells, never as
formulas, whatever they contain.

Our own importers take the quote off again (:func:`restore_cell`), so an export imports back unchanged.
"""

from __future__ import annotations

import csv
import io
import re
from typing import IO, Iterable, Sequence

#: First characters that make a spreadsheet evaluate a cell (OWASP CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

# Characters XML 1.0 (and so XLSX) cannot hold; openpyxl refuses them with an exception.
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def safe_cell(value):
    """``value`` as written to a CSV or XLSX cell: strings that could run as a formula get a leading ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def restore_cell(text: str) -> str:
    """Undo :func:`safe_cell` on a cell read back from one of our exports."""
    if isinstance(text, str) and len(text) > 1 and text[0] == "'" and text[1] in FORMULA_PREFIXES:
        return text[1:]
    return text


def safe_row(values: Iterable) -> list:
    return [safe_cell(v) for v in values]


def write_csv(out: IO[str], header: Sequence[str], rows: Iterable[Sequence], lineterminator: str = "\n") -> None:
    """Write a header and rows of values to ``out`` as CSV; ``None`` becomes an empty cell."""
    w = csv.writer(out, lineterminator=lineterminator)
    w.writerow(safe_row(header))
    w.writerows(safe_row("" if v is None else v for v in r) for r in rows)


def csv_text(header: Sequence[str], rows: Iterable[Sequence], lineterminator: str = "\n") -> str:
    """The CSV text of :func:`write_csv`."""
    buf = io.StringIO()
    write_csv(buf, header, rows, lineterminator)
    return buf.getvalue()


def dict_rows(rows: Iterable[dict], columns: Sequence[str]) -> list[list]:
    """Dict rows as value lists in ``columns`` order (missing keys empty, extra keys ignored)."""
    return [[r.get(c) for c in columns] for r in rows]


def xlsx_append(sheet, values: Iterable) -> None:
    """Append one row to an openpyxl worksheet: strings as neutralised string cells, never formulas."""
    row = []
    for v in values:
        if isinstance(v, str):
            v = _XML_ILLEGAL.sub("\ufffd", safe_cell(v))
        row.append(v)
    sheet.append(row)
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"  # openpyxl makes any string starting with "=" a formula otherwise
