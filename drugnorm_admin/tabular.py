"""Reading the spreadsheets hospitals download: .xlsx, or .csv/.tsv in UTF-8 or GBK.

Official exports often carry title rows above the header; the header is the first row holding at least
two of the expected column names.
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
            if n in self.header:
                return self.header.index(n)
        return None


def _clean(cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    return " ".join(str(cell).split())


def _find_header(rows, expected) -> int:
    for i, (_, cells) in enumerate(rows[:30]):
        names = {c.replace(" ", "") for c in cells}
        if sum(1 for e in expected if e in names) >= 2:
            return i
    return -1


def read(path: Path, expected: tuple[str, ...], encoding: str | None = None) -> Table:
    path = Path(path)
    if not path.is_file():
        raise AdminError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        rows = _read_xlsx(path)
    elif suffix in (".csv", ".tsv", ".txt"):
        rows = _read_text(path, "\t" if suffix != ".csv" else ",", encoding)
    else:
        raise AdminError(f"{path}: unsupported file type {suffix or '(none)'} (use .xlsx, .csv or .tsv)")
    for n, cells in rows:       # PostgreSQL text cannot hold NUL: say where it is, before anything is sent
        if any("\x00" in c for c in cells):
            raise AdminError(f"{path}:{n}: NUL character in a cell; remove it (the file may be damaged)")
    h = _find_header(rows, expected)
    if h < 0:
        raise AdminError(f"{path}: no header row with the expected columns ({', '.join(expected)})")
    header = [c.replace(" ", "") for c in rows[h][1]]
    body = [(n, cells + [""] * (len(header) - len(cells))) for n, cells in rows[h + 1:] if any(cells)]
    return Table(path, header, body)


def _read_xlsx(path: Path) -> list[tuple[int, list[str]]]:
    import openpyxl
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:     # openpyxl raises several types for a damaged or foreign file
        raise AdminError(f"{path}: not a readable .xlsx file ({e})") from e
    try:
        ws = wb.worksheets[0]
        return [(n, [_clean(c) for c in row]) for n, row in enumerate(ws.iter_rows(values_only=True), 1)]
    finally:
        wb.close()


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
