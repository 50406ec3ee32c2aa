"""Reading the spreadsheets hospitals download: .xlsx/.xlsm, legacy .xls, .ods (the first sheet, read with
python-calamine), or .csv/.tsv in UTF-8 or GBK.

Official exports often carry title rows above the header; the header is the first row holding at least
two of the expected column names. Header cells are compared without spaces and with full-width brackets
as ASCII ones: 注册名称（通用名） is 注册名称(通用名).
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

from .db import AdminError


class Table:
    def __init__(self, path: Path, header: list[str], rows: list[tuple[int, list[str]]]):
        self.path = path
        self.header = header
        self.rows = rows            # (row number in the file, cells)

    def column(self, *names: str) -> int | None:
        for n in names:
            n = header_name(n)
            if n in self.header:
                return self.header.index(n)
        return None


_BRACKETS = str.maketrans("（）【】［］", "()[][]")


def header_name(cell: str) -> str:
    """A header cell as compared with the names a format expects."""
    return "".join(cell.split()).translate(_BRACKETS)


def _clean(cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    return " ".join(str(cell).split())


def _find_header(rows, expected) -> int:
    expected = {header_name(e) for e in expected}
    for i, (_, cells) in enumerate(rows[:30]):
        names = {header_name(c) for c in cells}
        if len(expected & names) >= 2:
            return i
    return -1


def read(path: Path, expected: tuple[str, ...], encoding: str | None = None) -> Table:
    path = Path(path)
    if not path.is_file():
        raise AdminError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix in SPREADSHEETS:
        rows = _read_spreadsheet(path)
    elif suffix in (".csv", ".tsv", ".txt"):
        rows = _read_text(path, "\t" if suffix != ".csv" else ",", encoding)
    else:
        raise AdminError(f"{path}: unsupported file type {suffix or '(none)'} "
                         "(use .xlsx, .xls, .ods, .csv or .tsv)")
    for n, cells in rows:       # PostgreSQL text cannot hold NUL: say where it is, before anything is sent
        if any("\x00" in c for c in cells):
            raise AdminError(f"{path}:{n}: NUL character in a cell; remove it (the file may be damaged)")
    h = _find_header(rows, expected)
    if h < 0:
        raise AdminError(f"{path}: no header row with the expected columns ({', '.join(expected)})")
    header = [header_name(c) for c in rows[h][1]]
    body = [(n, cells + [""] * (len(header) - len(cells))) for n, cells in rows[h + 1:] if any(cells)]
    return Table(path, header, body)


SPREADSHEETS = (".xlsx", ".xlsm", ".xls", ".ods")


def _read_spreadsheet(path: Path) -> list[tuple[int, list[str]]]:
    from python_calamine import CalamineWorkbook
    try:
        wb = CalamineWorkbook.from_path(str(path))
        if not wb.sheet_names:
            raise AdminError(f"{path}: the workbook has no sheet")
        cells = wb.get_sheet_by_index(0).to_python(skip_empty_area=False)   # from A1: row numbers as shown
    except AdminError:
        raise
    except Exception as e:     # calamine raises several types for a damaged or foreign file
        kind = path.suffix.lower()
        head = path.read_bytes()[:512].lstrip()
        hint = ""
        if kind == ".xls" and head[:1] == b"<":
            hint = "; it is an HTML page named .xls: open it in a spreadsheet and save it as .xlsx"
        elif kind == ".xls" and not head.startswith(b"\xd0\xcf\x11\xe0"):
            hint = "; it may be a text export named .xls: rename it .tsv or .csv"
        raise AdminError(f"{path}: not a readable {kind} file ({' '.join(str(e).split())}){hint}") from e
    return [(n, [_clean(c) for c in row]) for n, row in enumerate(cells, 1)]


def _read_text(path: Path, delimiter: str, encoding: str | None) -> list[tuple[int, list[str]]]:
    data = path.read_bytes()
    if encoding:
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError) as e:
            raise AdminError(f"{path}: cannot decode as {encoding}: {e}") from e
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("gb18030")
            except UnicodeDecodeError as e:
                raise AdminError(f"{path}: neither UTF-8 nor GBK/GB18030 (byte {e.start}); "
                                 "pass --encoding") from e
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    return [(reader.line_num, [_clean(c) for c in row]) for row in reader]
