"""The review queue in Excel, as a pharmacist uses it: a workbook with Chinese headers, example strings,
one candidate per column group and drop-downs; decisions (accept, new standard, ignore) come back from the
workbook or from whatever text a spreadsheet saved; every bad row is named at once."""
from __future__ import annotations

import psycopg
import pytest
from openpyxl import load_workbook

from drugnorm_admin import cli, review, review_xlsx
from drugnorm_admin.db import AdminError

QUIET = dict(log=lambda *_: None)
RAW = ["阿莫西临胶囊 0.25g*24粒 江苏", "阿莫西临胶囊 0.25g QZ", "阿莫西临胶囊 0.5g", "立普妥20mg AR",
       "布洛芬缓释胶囊 0.3g 10", "泽泻颗粒 10g", "=HYPERLINK(\"http://x\") 阿莫西临胶囊"]


def _queue(dsn, raws=RAW):
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("UPDATE drugnorm.setting SET value = 'on' WHERE name = 'review_queue'")
        for r in raws:
            conn.execute("SELECT drug_parse_review(%s)", (r,))


def _sheet(path):
    ws = load_workbook(path)[review_xlsx.SHEET]
    names = [c.value for c in ws[2]]
    rows = {r[0].value: {n: c for n, c in zip(names, r)} for r in ws.iter_rows(min_row=3)}
    return ws, names, rows


def test_the_workbook_is_what_a_pharmacist_can_work_with(mini_db, tmp_path):
    _queue(mini_db)
    out = tmp_path / "todo.xlsx"
    assert cli.main(["--dsn", mini_db, "review", "export", str(out)]) == 0      # the format from the name
    ws, names, rows = _sheet(out)
    assert [c.value for c in ws[1]][:3] == ["片段", "次数", "匹配"] and "决定" in [c.value for c in ws[1]]
    assert names[:3] == ["fragment", "count", "match"] and "decision" in names and "generic" in names
    assert ws.freeze_panes == "B3"
    letters = {c.value: c.column_letter for c in ws[2]}
    formulas = {str(dv.sqref).split(":")[0].rstrip("0123456789"): dv.formula1
                for dv in ws.data_validations.dataValidation}
    assert set(formulas) == {letters["decision"], letters["dict"]}
    assert all(f.startswith(f"'{review_xlsx.LEGEND}'!") for f in formulas.values())
    legend = load_workbook(out)[review_xlsx.LEGEND]
    assert "采用候选1" in [c.value for c in legend["A"]] and "产品名称" in [c.value for c in legend["A"]]

    amx = rows["阿莫西临胶囊"]
    assert amx["count"].value == 4 and amx["match"].value == "模糊"
    assert {amx["example_1"].value, amx["example_2"].value} <= set(RAW) and amx["example_2"].value
    cands = [(amx[f"candidate_{i}"].value, amx[f"candidate_{i}_dict"].value) for i in (1, 2, 3)]
    assert cands[0] == ("阿莫西林胶囊", "产品名称") and len(set(cands)) == 3        # no duplicates
    assert 0.6 < amx["candidate_1_s"].value <= 1 and amx["dict"].value == "产品名称"
    for noise in ("QZ", "AR", "10", "江苏"):
        assert noise in rows
    # nothing runs as a formula: a fragment starting with = is a string cell with Excel's quote prefix
    hyper = next(r for f, r in rows.items() if f and f.startswith("=") or f and "HYPERLINK" in f)
    assert hyper["fragment"].data_type == "s"
    for r in rows.values():
        for c in r.values():
            assert c.data_type != "f"
    assert all(c.quotePrefix for c in (amx["fragment"], amx["example_1"]))


def test_decisions_from_the_workbook_and_ignored_noise_stays_ignored(mini_db, tmp_path):
    _queue(mini_db)
    out = tmp_path / "todo.xlsx"
    assert review_xlsx.export(mini_db, out, **QUIET) >= 6
    wb = load_workbook(out)
    ws = wb[review_xlsx.SHEET]
    col = {c.value: c.column for c in ws[2]}
    row = {ws.cell(r, 1).value: r for r in range(3, ws.max_row + 1)}
    ws.cell(row["阿莫西临胶囊"], col["decision"], "采用候选1")
    for noise in ("QZ", "AR", "10", "江苏"):
        ws.cell(row[noise], col["decision"], "忽略")
    r = row["泽泻颗粒"]                      # a new product: the fragment itself, linked to a generic and a form
    ws.cell(r, col["decision"], "新标准名")
    ws.cell(r, col["dict"], "产品名称")
    ws.cell(r, col["generic"], "布洛芬")      # (any standard generic of the test lexicon)
    ws.cell(r, col["dosage_form"], "颗粒剂")
    wb.save(out)

    summary, decided, ignored = review_xlsx.import_file(mini_db, out, **QUIET)
    assert (decided, ignored) == (2, 4) and summary.per_dict["product_name"]["added"] == 2
    with psycopg.connect(mini_db, autocommit=True) as conn:
        doc = conn.execute("SELECT drug_parse('阿莫西临胶囊 0.25g')").fetchone()[0]
        assert doc["product_name"] == "阿莫西林胶囊" and doc["evidence"]["product_name"] == "synonym"
        doc = conn.execute("SELECT drug_parse('泽泻颗粒 10g')").fetchone()[0]
        assert (doc["product_name"], doc["generic_name"], doc["dosage_form"]) == ("泽泻颗粒", "布洛芬", "颗粒剂")
        ignored_rows = conn.execute("SELECT fragment, ignored_by IS NOT NULL FROM drugnorm.review_item "
                                    "WHERE ignored_at IS NOT NULL ORDER BY 1").fetchall()
        assert ignored_rows == [("10", True), ("AR", True), ("QZ", True), ("江苏", True)]
    # the same noise is seen again: it is counted, but never exported again
    _queue(mini_db, ["立普妥20mg AR", "布洛芬缓释胶囊 0.3g 10 江苏"])
    again = tmp_path / "again.xlsx"
    review_xlsx.export(mini_db, again, **QUIET)
    _, _, rows = _sheet(again)
    assert not {"QZ", "AR", "10", "江苏", "阿莫西临胶囊", "泽泻颗粒"} & set(rows)
    review.export(mini_db, tmp_path / "again.tsv", **QUIET)
    frags = [line.split("\t")[0] for line in (tmp_path / "again.tsv").read_text(encoding="utf-8").splitlines()[1:]]
    assert not {"QZ", "AR", "10", "江苏"} & set(frags)
    with psycopg.connect(mini_db) as conn:
        assert conn.execute("SELECT count FROM drugnorm.review_item WHERE fragment = 'AR'").fetchone()[0] == 2


def test_every_bad_row_is_named_at_once_and_nothing_changes(mini_db, tmp_path, capsys):
    _queue(mini_db)
    out = tmp_path / "todo.xlsx"
    review_xlsx.export(mini_db, out, **QUIET)
    wb = load_workbook(out)
    ws = wb[review_xlsx.SHEET]
    col = {c.value: c.column for c in ws[2]}
    row = {ws.cell(r, 1).value: r for r in range(3, ws.max_row + 1)}
    ws.cell(row["阿莫西临胶囊"], col["decision"], "采用候选9")                   # not a decision
    ws.cell(row["QZ"], col["decision"], "采用候选2")                            # QZ has no candidates
    ws.cell(row["AR"], col["decision"], "新标准名")                              # a standard that is nowhere
    ws.cell(row["AR"], col["standard"], "不存在的标准")
    ws.cell(row["AR"], col["dict"], "产品名称")
    ws.cell(row["10"], col["decision"], "新标准名")
    ws.cell(row["10"], col["standard"], "=1+1")                                 # a formula typed in
    ws.cell(row["泽泻颗粒"], col["decision"], "新标准名")                        # a generic that is not one
    ws.cell(row["泽泻颗粒"], col["dict"], "产品名称")
    ws.cell(row["泽泻颗粒"], col["generic"], "泽泻")
    ws.cell(row["江苏"], col["decision"], "忽略")                               # a good row
    wb.save(out)
    with psycopg.connect(mini_db) as conn:
        before = conn.execute("SELECT count(*), (SELECT version FROM drugnorm.state), (SELECT count(*) "
                              "FROM drugnorm.review_item WHERE ignored_at IS NOT NULL) FROM drugnorm.entry").fetchone()
    assert cli.main(["--dsn", mini_db, "review", "import", str(out)]) == 1
    err = capsys.readouterr().err
    assert "5 rows cannot be imported; nothing was imported" in err and "Traceback" not in err
    for frag, why in (("阿莫西临胶囊", "'采用候选9' is not one of"), ("QZ", "no candidate 2"),
                      ("AR", "'不存在的标准' of product_name 'AR' is nowhere"), ("10", "a formula in standard"),
                      ("泽泻颗粒", "generic '泽泻' of '泽泻颗粒' is not a standard generic_name")):
        assert f"{out}:{row[frag]}: " in err and why in err, (frag, err)
    lines = [line for line in err.splitlines() if line.startswith(f"  {out}:")]
    assert [int(line.split(":")[1]) for line in lines] == sorted(int(line.split(":")[1]) for line in lines)
    with psycopg.connect(mini_db) as conn:
        assert conn.execute("SELECT count(*), (SELECT version FROM drugnorm.state), (SELECT count(*) "
                            "FROM drugnorm.review_item WHERE ignored_at IS NOT NULL) FROM drugnorm.entry"
                            ).fetchone() == before


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk", "utf-16", "utf-16-le"])
def test_the_tsv_saved_back_by_excel_in_any_encoding_imports(mini_db, tmp_path, encoding):
    _queue(mini_db)
    tsv = tmp_path / "todo.tsv"
    review.export(mini_db, tsv, **QUIET)
    lines = tsv.read_text(encoding="utf-8").split("\n")
    header = lines[0].split("\t")
    rows = [dict(zip(header, line.split("\t"))) for line in lines[1:] if line]
    for r in rows:
        if r["fragment"] == "阿莫西临胶囊":
            r["standard"], r["dict"] = "阿莫西林胶囊", "product_name"
    text = "\r\n".join(["\t".join(header)] + ["\t".join(r[h] for h in header) for r in rows]) + "\r\n"
    saved = tmp_path / f"saved-{encoding}.txt"
    saved.write_bytes(text.encode(encoding))
    assert cli.main(["--dsn", mini_db, "review", "import", str(saved)]) == 0
    with psycopg.connect(mini_db) as conn:
        assert conn.execute("SELECT resolved_standard FROM drugnorm.review_item WHERE fragment = '阿莫西临胶囊'"
                            ).fetchone()[0] == "阿莫西林胶囊"


def test_the_workbook_saved_as_unicode_text_imports(mini_db, tmp_path):
    """Excel's "Unicode Text" of the review sheet: UTF-16, tab-separated, the two header rows."""
    _queue(mini_db)
    out = tmp_path / "todo.xlsx"
    review_xlsx.export(mini_db, out, **QUIET)
    ws = load_workbook(out)[review_xlsx.SHEET]
    grid = [["" if c.value is None else str(c.value) for c in row] for row in ws.iter_rows()]
    dec = grid[1].index("decision")
    for r in grid[2:]:
        if r[0] in ("阿莫西临胶囊", "江苏"):
            r[dec] = "采用候选1" if r[0] == "阿莫西临胶囊" else "忽略"
    text = "\r\n".join("\t".join(f'"{v}"' if '"' in v else v for v in r) for r in grid) + "\r\n"
    saved = tmp_path / "todo.txt"
    saved.write_bytes(text.encode("utf-16"))
    summary, decided, ignored = review_xlsx.import_file(mini_db, saved, **QUIET)
    assert (decided, ignored) == (1, 1) and summary.version is not None


def test_undecodable_text_and_foreign_workbooks_are_one_line_errors(mini_db, tmp_path):
    bad = tmp_path / "bad.tsv"
    bad.write_bytes(b"\xff" * 3 + b"\x81\x20")
    with pytest.raises(AdminError):
        review_xlsx.import_file(mini_db, bad, **QUIET)
    fake = tmp_path / "fake.xlsx"
    import zipfile
    with zipfile.ZipFile(fake, "w") as z:
        z.writestr("hello.txt", "not a workbook")
    with pytest.raises(AdminError, match="not a readable .xlsx"):
        review_xlsx.import_file(mini_db, fake, **QUIET)


def test_cell_escapes_round_trip():
    for v in ("阿莫\\t西临", "a\x01b", "\\x41", "普通"):
        assert review_xlsx.text_value(review_xlsx.cell_text(v)) == v
