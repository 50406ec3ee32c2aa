"""The review queue as an Excel workbook, for pharmacists: `review export --format xlsx` and `review import`
of whatever a spreadsheet saves (a workbook, or text in UTF-8, UTF-16 or GBK).

The queue, the candidates and the decisions are review.py's (open_items, top_candidates, apply_decisions):
this module only lays them out in a sheet and reads them back.

Sheet 待审核 (to review): one row per open fragment, by frequency. Row 1 holds the Chinese headers, row 2
the English column names (the legend sheet 说明 explains both); both rows and the fragment column are
frozen. Each fragment has two example raw strings and up to three candidates, one per (standard,
dictionary), each in its own columns (term, dictionary, S). The pharmacist picks a 决定 (decision) from
a drop-down: accept candidate 1, 2 or 3, a new standard (typed in 标准名 with its 字典, and for a new
product its 通用名 and 剂型), or ignore (not a drug: the fragment never comes back). Every text cell is a
string cell with Excel's quote prefix, so nothing in it runs as a formula; characters XML cannot hold are
written as \\xNN and a backslash as \\\\ (import undoes both).
"""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

from . import review
from .db import AdminError, connect

SHEET = "待审核"
LEGEND = "说明"
MATCH_LABELS = {"fuzzy": "模糊", "inferred": "推断", "none": "未识别"}
K = 3    # candidates per fragment

# (English name, Chinese header, column width, what it is)
COLUMNS = [("fragment", "片段", 22, "the text drugnorm could not (or not surely) recognize"),
           ("count", "次数", 7, "how often it was seen"),
           ("match", "匹配", 7, "模糊 fuzzy / 推断 inferred / 未识别 none"),
           ("example_1", "示例1", 30, "a raw string it came from"),
           ("example_2", "示例2", 30, "another raw string it came from")]
for _i in range(1, K + 1):
    COLUMNS += [(f"candidate_{_i}", f"候选{_i}", 18, f"candidate {_i}: the standard term it would map to"),
                (f"candidate_{_i}_dict", f"候选{_i}字典", 9, f"candidate {_i}: its dictionary"),
                (f"candidate_{_i}_s", f"候选{_i} S", 6, f"candidate {_i}: its score S (0-1)")]
COLUMNS += [("decision", "决定", 11, "your decision (drop-down)"),
            ("dict", "字典", 10, "dictionary of a new standard (drop-down)"),
            ("standard", "标准名", 20, "new standard: the standard term (empty: the fragment itself)"),
            ("generic", "通用名", 14, "new product or trade name: its generic name (a standard)"),
            ("dosage_form", "剂型", 10, "new product name: its dosage form (a standard)"),
            ("first_seen", "首次出现", 17, "first seen"),
            ("last_seen", "最近出现", 17, "last seen")]
NAMES = [c[0] for c in COLUMNS]
HEADERS = {c[1]: c[0] for c in COLUMNS}

DECISIONS = [("采用候选1", "accept candidate 1"), ("采用候选2", "accept candidate 2"),
             ("采用候选3", "accept candidate 3"), ("新标准名", "new standard"), ("忽略", "ignore: not a drug")]
_DECISION_VALUES = {"采用候选1": ("accept", 1), "采用候选2": ("accept", 2), "采用候选3": ("accept", 3),
                    "新标准名": ("new", None), "忽略": ("ignore", None),
                    "accept 1": ("accept", 1), "accept 2": ("accept", 2), "accept 3": ("accept", 3),
                    "1": ("accept", 1), "2": ("accept", 2), "3": ("accept", 3),
                    "new": ("new", None), "new standard": ("new", None), "ignore": ("ignore", None)}

_ILLEGAL = re.compile(r"[\\\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_UNESCAPE = re.compile(r"\\(\\|x[0-9a-fA-F]{2})")


def cell_text(v: str | None) -> str:
    """A value as a workbook can hold it: backslash and characters XML forbids escaped."""
    return _ILLEGAL.sub(lambda m: "\\\\" if m.group() == "\\" else f"\\x{ord(m.group()):02x}", v or "")


def text_value(v: str) -> str:
    return _UNESCAPE.sub(lambda m: "\\" if m.group(1) == "\\" else chr(int(m.group(1)[1:], 16)), v)


def export(dsn: str, path: Path, min_count: int = 1, log=print) -> int:
    """Write the open queue as a workbook; returns the number of fragments."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    with connect(dsn) as conn:
        with conn.transaction():
            quarantined = review.fold(conn)
        dicts = conn.execute("SELECT name, attribute FROM drugnorm.dictionary ORDER BY priority, name").fetchall()
        items = review.open_items(conn, min_count)
    review.warn_quarantined(quarantined, log)
    label = {name: f"{attr}" for name, attr in dicts}

    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    head_font, head_fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    name_font = Font(italic=True, color="666666", size=9)
    decide_fill = PatternFill("solid", fgColor="FFF2CC")
    for j, (name, zh, width, _) in enumerate(COLUMNS, start=1):
        c = ws.cell(1, j, zh)
        c.font, c.fill = head_font, head_fill
        ws.cell(2, j, name).font = name_font
        ws.column_dimensions[get_column_letter(j)].width = width
    col = {name: j for j, name in enumerate(NAMES, start=1)}

    def put(r, name, v):
        c = ws.cell(r, col[name])
        if isinstance(v, (int, float)):
            c.value = v
        else:
            c.value = cell_text(v)
            c.data_type = "s"          # never a formula, whatever it starts with
            c.quotePrefix = True       # and Excel keeps it text when the cell is edited
        return c

    for r, (frag, count, match, first, last, cands, examples) in enumerate(items, start=3):
        put(r, "fragment", frag)
        put(r, "count", int(count))
        put(r, "match", MATCH_LABELS.get(match, match))
        for i, ex in enumerate(examples[:2], start=1):
            put(r, f"example_{i}", ex)
        tops = review.top_candidates(cands, K)
        for i, cand in enumerate(tops, start=1):
            put(r, f"candidate_{i}", cand["standard"])
            put(r, f"candidate_{i}_dict", label.get(cand["attribute"], cand["attribute"]))
            put(r, f"candidate_{i}_s", round(cand["s"], 3))
        if tops and tops[0]["attribute"] in label:
            put(r, "dict", label[tops[0]["attribute"]])
        for name in ("decision", "dict", "standard", "generic", "dosage_form"):
            ws.cell(r, col[name]).fill = decide_fill
            if ws.cell(r, col[name]).value is None:
                put(r, name, "")
        put(r, "first_seen", first.strftime("%Y-%m-%d %H:%M") if first else "")
        put(r, "last_seen", last.strftime("%Y-%m-%d %H:%M") if last else "")
        for name in ("example_1", "example_2"):
            ws.cell(r, col[name]).alignment = Alignment(wrap_text=False)
    ws.freeze_panes = "B3"

    # the legend: what each column and decision means, and the lists the drop-downs take
    lg = wb.create_sheet(LEGEND)
    lg.append(["列 column", "英文名 name", "含义 meaning"])
    for name, zh, _, what in COLUMNS:
        lg.append([zh, name, what])
    lg.append([])
    lg.append(["决定 decision", "meaning"])
    first_decision = lg.max_row + 1
    for zh, en in DECISIONS:
        lg.append([zh, en])
    last_decision = lg.max_row
    lg.append([])
    lg.append(["字典 dictionary", "name"])
    first_dict = lg.max_row + 1
    for name, attr in dicts:
        lg.append([attr, name])
    last_dict = lg.max_row
    for row in lg.iter_rows():
        for c in row:
            if isinstance(c.value, str):
                c.data_type = "s"
    for cell in ("A1", f"A{first_decision - 1}", f"A{first_dict - 1}"):
        lg[cell].font = head_font
    lg.column_dimensions["A"].width, lg.column_dimensions["B"].width, lg.column_dimensions["C"].width = 16, 22, 60

    last = max(3, len(items) + 2)
    dv = DataValidation(type="list", formula1=f"'{LEGEND}'!$A${first_decision}:$A${last_decision}",
                        allow_blank=True, showErrorMessage=True, errorTitle="决定 decision",
                        error="请从列表中选择 / pick a decision from the list")
    dv.add(f"{get_column_letter(col['decision'])}3:{get_column_letter(col['decision'])}{last}")
    dd = DataValidation(type="list", formula1=f"'{LEGEND}'!$A${first_dict}:$A${last_dict}",
                        allow_blank=True, showErrorMessage=True, errorTitle="字典 dictionary",
                        error="请从列表中选择 / pick a dictionary from the list")
    dd.add(f"{get_column_letter(col['dict'])}3:{get_column_letter(col['dict'])}{last}")
    ws.add_data_validation(dv)
    ws.add_data_validation(dd)
    wb.save(path)
    return len(items)


def is_workbook(path: Path) -> bool:
    try:
        return zipfile.is_zipfile(path)
    except OSError:
        return False


def _workbook_rows(path: Path) -> list[list]:
    """The cells of the review sheet as (value, is_formula) pairs, row by row."""
    from openpyxl import load_workbook
    try:
        wb = load_workbook(path, read_only=True, data_only=False)
    except Exception as e:   # a damaged or foreign zip file: openpyxl raises many kinds
        raise AdminError(f"{path}: not a readable .xlsx workbook ({type(e).__name__}: {e})") from None
    try:
        ws = wb[SHEET] if SHEET in wb.sheetnames else wb.worksheets[0]
        return [[(c.value, getattr(c, "data_type", None) == "f") for c in row] for row in ws.iter_rows()]
    finally:
        wb.close()


def _text_rows(text: str) -> list[list]:
    """A sheet saved as text: tab-separated, with Excel's quotes around cells holding quotes."""
    rows = []
    for line in text.split("\n"):
        line = line[:-1] if line.endswith("\r") else line
        cells = []
        for v in line.split("\t"):
            if len(v) >= 2 and v[0] == v[-1] == '"':
                v = v[1:-1].replace('""', '"')
            cells.append((v, False))
        rows.append(cells)
    return rows


def _header(rows, name: str):
    """(column of each known name, first data row index): from the English row, else the Chinese one."""
    for i, row in enumerate(rows[:5]):
        vals = [str(v).strip() if v is not None else "" for v, _ in row]
        if "fragment" in vals and "decision" in vals:
            return {v: j for j, v in enumerate(vals) if v in NAMES}, i + 1
        if "片段" in vals and "决定" in vals:
            cols = {HEADERS[v]: j for j, v in enumerate(vals) if v in HEADERS}
            nxt = [str(v).strip() if v is not None else "" for v, _ in rows[i + 1]] if i + 1 < len(rows) else []
            return cols, i + 2 if "fragment" in nxt else i + 1
    raise AdminError(f"{name}: no header row with 片段/fragment and 决定/decision in the first rows: not a review "
                     "workbook written by review export --format xlsx")


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return text_value(str(v)).strip()


def read_grid(rows: list[list], name: str, dict_names: dict[str, str], errors: list[tuple[int, str]]
              ) -> list[review.Decision]:
    """Decisions of the review sheet's rows; each bad row goes to ``errors`` as (line, message)."""
    cols, first = _header(rows, name)
    for need in ("fragment", "decision", "dict", "standard"):
        if need not in cols:
            raise AdminError(f"{name}: the header lacks column {need}")
    out = []
    for i in range(first, len(rows)):
        row, line = rows[i], i + 1

        def get(key, row=row):
            j = cols.get(key)
            if j is None or j >= len(row):
                return "", False
            v, formula = row[j]
            return _cell(v), formula

        cells = {k: get(k) for k in ("fragment", "decision", "dict", "standard", "generic", "dosage_form")}
        formulas = [k for k, (_, f) in cells.items() if f]
        frag, decision, dict_cell, std = (cells[k][0] for k in ("fragment", "decision", "dict", "standard"))
        generic, form = cells["generic"][0] or None, cells["dosage_form"][0] or None
        if not (decision or std or generic or form or formulas):
            continue                   # undecided (字典 comes filled in with candidate 1's)
        where = f"{name}:{line}: "
        if formulas:
            errors.append((line, where + f"a formula in {', '.join(formulas)}: type the value itself"))
            continue
        if not frag:
            errors.append((line, where + "a decision for an empty fragment"))
            continue
        kind, k = _DECISION_VALUES.get(decision, (None, None)) if decision else ("new", None)
        if kind is None:
            errors.append((line, where + f"决定 {decision!r} is not one of {', '.join(v for v, _ in DECISIONS)}"))
            continue
        if kind == "ignore":
            out.append(review.Decision(line, frag, "", "", ignore=True))
            continue
        if kind == "accept":
            cand, _ = get(f"candidate_{k}")
            cand_dict, _ = get(f"candidate_{k}_dict")
            if not cand:
                errors.append((line, where + f"{decision}: the row has no candidate {k}"))
                continue
            if std and std != cand:
                errors.append((line, where + f"{decision} is {cand!r}, but 标准名 says {std!r}: clear one of them"))
                continue
            std, dict_cell = cand, cand_dict
        elif not std:
            std = frag                 # a new standard: the fragment itself
        if not dict_cell:
            errors.append((line, where + "字典 (dict) is empty: pick the dictionary"))
            continue
        d = dict_names.get(dict_cell, dict_cell)
        out.append(review.Decision(line, frag, d, std, generic, form))
    return out


def read_decisions(dsn: str, path: Path, errors: list[tuple[int, str]]) -> list[review.Decision] | None:
    """The decisions of a workbook or of a review sheet saved as text (bad rows go to ``errors``); None for
    the plain TSV layout, which review.read_decisions reads."""
    name = str(path)
    if is_workbook(path):
        rows = _workbook_rows(path)
    else:
        try:
            data = path.read_bytes()
        except OSError as e:
            raise AdminError(f"{name}: cannot read: {e.strerror}") from e
        text = review.decode_text(data, name)
        head = text[:4000]
        if not ("片段" in head and "决定" in head) and "\tdecision\t" not in head:
            return None
        rows = _text_rows(text)
    with connect(dsn) as conn:
        names = {}
        for n, attr in conn.execute("SELECT name, attribute FROM drugnorm.dictionary"):
            names[attr] = n
            names[n] = n
    return read_grid(rows, name, names, errors)


def import_file(dsn: str, path: Path, log=print):
    """review import of any review file: a workbook, the sheet saved as text, or the TSV (any encoding).
    Returns (summary, decided, ignored)."""
    errors: list[tuple[int, str]] = []
    decided = read_decisions(dsn, path, errors)
    if decided is None:
        decided = review.read_decisions(path, errors)
    if not decided and not errors:
        raise AdminError(f"{path}: no row has a decision or a standard filled in; nothing to import")
    summary = review.apply_decisions(dsn, decided, path, log, errors=errors)
    return summary, sum(not d.ignore for d in decided), sum(d.ignore for d in decided)
