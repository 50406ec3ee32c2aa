"""drugnorm-admin import nhsa|nmpa: official drug lists into the lexicon, through load-dict's validation."""
from pathlib import Path

import psycopg
import pytest

from drugnorm_admin import cli, loader, official
from drugnorm_admin.db import AdminError
from tests.conftest import DATA

QUIET = dict(log=lambda *_: None)
NHSA_HEADER = ["药品代码", "注册名称", "商品名称", "注册剂型", "注册规格", "包装材质", "最小包装数量", "最小制剂单位",
               "最小包装单位", "药品企业", "批准文号", "药品本位码"]


def entry(dsn, d, term):
    with psycopg.connect(dsn) as conn:
        return conn.execute(
            "SELECT coalesce(s.term, e.term), g.term, p.term, f.term FROM drugnorm.entry e "
            "LEFT JOIN drugnorm.entry s ON s.id = e.standard_id "
            "LEFT JOIN drugnorm.entry g ON g.id = coalesce(s.generic_id, e.generic_id) "
            "LEFT JOIN drugnorm.entry p ON p.id = coalesce(s.product_id, e.product_id) "
            "LEFT JOIN drugnorm.entry f ON f.id = coalesce(s.dosage_form_id, e.dosage_form_id) "
            "WHERE e.dict = %s AND e.term = %s", (d, term)).fetchone()


def counts(dsn):
    with psycopg.connect(dsn) as conn:
        return conn.execute("SELECT count(*), (SELECT version FROM drugnorm.state) FROM drugnorm.entry").fetchone()


def test_nhsa_gbk_csv_links_products_generics_forms_and_trade_names(db):
    result = official.import_files(db, "nhsa", [DATA / "nhsa_sample.csv"], **QUIET)
    assert result.summary.version is not None
    assert entry(db, "product_name", "阿托伐他汀钙片") == ("阿托伐他汀钙片", "阿托伐他汀钙", None, "片剂")
    assert entry(db, "trade_name", "立普妥") == ("立普妥", "阿托伐他汀钙", "阿托伐他汀钙片", None)
    assert entry(db, "product_name", "注射用盐酸伊立替康")[1:] == ("盐酸伊立替康", None, "注射剂")
    assert entry(db, "manufacturer", "江苏恒瑞医药股份有限公司") is not None
    assert entry(db, "packaging_material", "铝塑泡罩") is not None
    assert entry(db, "trade_name", "无") is None          # a placeholder is not a trade name
    assert result.skipped["empty product name"] == 1
    with psycopg.connect(db) as conn:
        doc = conn.execute("SELECT drug_parse('立普妥 20mg*7片 辉瑞制药有限公司')").fetchone()[0]
    assert (doc["generic_name"], doc["manufacturer"]) == ("阿托伐他汀钙", "辉瑞制药有限公司")


def test_importing_twice_changes_nothing(db):
    official.import_files(db, "nhsa", [DATA / "nhsa_sample.csv"], **QUIET)
    before = counts(db)
    again = official.import_files(db, "nhsa", [DATA / "nhsa_sample.csv"], **QUIET)
    assert again.summary.version is None and counts(db) == before


def test_nmpa_tsv_with_english_names_and_a_dash_holder(db):
    result = official.import_files(db, "nmpa", [DATA / "nmpa_sample.tsv"], **QUIET)
    assert entry(db, "product_name", "Repaglinide Tablets")[0] == "瑞格列奈片"
    assert entry(db, "trade_name", "诺和龙")[1:3] == ("瑞格列奈", "瑞格列奈片")
    assert entry(db, "product_name", "美沙拉秦缓释颗粒")[1:] == ("美沙拉秦缓释", None, "颗粒剂")
    assert entry(db, "manufacturer", "-") is None
    assert result.skipped["empty product name"] == 1


def test_xlsx_with_title_rows_above_the_header(db, tmp_path):
    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["国家医保药品分类与代码（西药）"])
    ws.append(["导出日期：2026-11-01"])
    ws.append(NHSA_HEADER)
    ws.append(["X1", "辛伐他汀片", "舒降之", "片剂", "20mg", "铝塑", 7, "片", "盒", "杭州默沙东制药有限公司", "H1", 1])
    path = tmp_path / "nhsa.xlsx"
    wb.save(path)
    official.import_files(db, "nhsa", [path], **QUIET)
    assert entry(db, "trade_name", "舒降之")[1:3] == ("辛伐他汀", "辛伐他汀片")


def test_an_existing_synonym_is_used_through_its_standard(mini_db, tmp_path):
    # the mini lexicon knows 辉瑞 as a synonym of 辉瑞制药有限公司 and 塑瓶 as one of 塑料瓶
    path = tmp_path / "nhsa.tsv"
    path.write_text("\t".join(NHSA_HEADER) + "\n" + "\t".join(
        ["X2", "阿托伐他汀钙片", "立普妥", "片剂", "10mg", "塑瓶", "7", "片", "盒", "辉瑞", "H2", "2"]) + "\n",
        encoding="utf-8")
    before = counts(mini_db)
    result = official.import_files(mini_db, "nhsa", [path], **QUIET)
    assert result.summary.version is None and counts(mini_db) == before


def test_a_file_without_the_columns_fails_clearly_and_writes_nothing(db, tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("编号,名称,规格\n1,阿莫西林胶囊,0.25g\n", encoding="utf-8")
    before = counts(db)
    with pytest.raises(AdminError, match="no header row|not a nhsa list"):
        official.import_files(db, "nhsa", [path], **QUIET)
    path.write_text("注册名称,商品名称,规格\n阿莫西林胶囊,阿莫仙,0.25g\n", encoding="utf-8")
    with pytest.raises(AdminError, match=r"not a nhsa list: column\(s\) 注册剂型 \(or 剂型\), "
                                         r"药品企业 \(or 生产企业, 厂商, 生产厂家, 生产单位\) missing"):
        official.import_files(db, "nhsa", [path], **QUIET)
    assert counts(db) == before


def test_dry_run_reports_and_writes_nothing(db):
    before = counts(db)
    result = official.import_files(db, "nmpa", [DATA / "nmpa_sample.tsv"], dry_run=True, **QUIET)
    # two products and their two English names
    assert result.mapped["product_name"] == 4 and counts(db) == before
    assert "dry run" in "\n".join(result.lines())


# --- issue 16: import must not damage the lexicon ---------------------------------------------------------

FORMS_TSV = Path(__file__).resolve().parents[2] / "lexicon" / "default" / "20_dosage_form.tsv"
# Products the lexicon already has, linked to the right generics, as NHSA registers them (注册剂型). The old
# 35-suffix rule made 两性霉素B阴道, 异维A酸胶, 吸入用布地奈德 and 利鲁唑口服 of them.
KNOWN = [("两性霉素B阴道泡腾片", "两性霉素B", "阴道泡腾片", "阴道泡腾片"),
         ("异维A酸胶丸", "异维A酸", "胶丸剂", "胶丸"),
         ("吸入用布地奈德混悬液", "布地奈德", "吸入混悬液", "吸入用混悬液"),
         ("利鲁唑口服混悬液", "利鲁唑", "口服混悬液", "口服混悬液"),
         ("阿托伐他汀钙片", "阿托伐他汀钙", "片剂", "片剂")]
# New products: the generic name comes from the name, cut at a form of the database's dictionary.
NEW = [("甲硝唑阴道泡腾片", "甲硝唑", "阴道泡腾片"),
       ("双氯芬酸钠凝胶", "双氯芬酸钠", "凝胶剂"),
       ("乙酰半胱氨酸吸入溶液", "乙酰半胱氨酸", "吸入溶液剂"),
       ("盐酸氨溴索口服溶液", "盐酸氨溴索", "口服溶液剂"),
       ("吸入用异丙托溴铵溶液", "异丙托溴铵", "吸入用溶液剂"),
       ("克拉霉素片", "克拉霉素", "片剂"),
       ("注射用头孢曲松钠", "头孢曲松钠", "注射剂")]
MAKERS = ["辉瑞制药有限公司", "江苏恒瑞医药股份有限公司", "扬子江药业集团有限公司", "石药集团欧意药业有限公司",
          "华北制药股份有限公司", "齐鲁制药有限公司"]


def lexicon_with_known_products(dsn, tmp_path):
    """The bundled dosage forms (301 entries) and the KNOWN products with their generics."""
    lines = ["dict\tterm\tstandard\tgeneric\tproduct\tdosage_form"]
    for product, generic, form, _ in KNOWN:
        lines += [f"generic_name\t{generic}\t\t\t\t", f"product_name\t{product}\t\t{generic}\t\t{form}"]
    f = tmp_path / "known.tsv"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    loader.load(dsn, [FORMS_TSV, f], **QUIET)


def nhsa_xlsx(path, products, n_rows):
    """An NHSA-shaped workbook: title rows, the full header, n_rows rows cycling through products with
    strengths and manufacturers, as the national export repeats a product once per registration."""
    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["国家医保药品分类与代码数据库（西药）"])
    ws.append(NHSA_HEADER)
    for i in range(n_rows):
        name, form = products[i % len(products)]
        ws.append([f"XA{i:020d}", name, "无", form, f"{(i % 9 + 1) * 10}mg", "铝塑泡罩", 10, "片", "盒",
                   MAKERS[i % len(MAKERS)], f"国药准字H{20000000 + i}", 86900000000000 + i])
    wb.save(path)
    return path


def generic_names(dsn):
    with psycopg.connect(dsn) as conn:
        return {r[0] for r in conn.execute("SELECT term FROM drugnorm.entry WHERE dict = 'generic_name'")}


def test_known_products_derive_no_generic_names(db, tmp_path):
    lexicon_with_known_products(db, tmp_path)
    before = generic_names(db)
    path = nhsa_xlsx(tmp_path / "nhsa.xlsx", [(p, reg) for p, _, _, reg in KNOWN], 600)
    result = official.import_files(db, "nhsa", [path], **QUIET)
    assert generic_names(db) == before                      # 85 junk names before the fix; none now
    assert result.derived == [] and "generic_name" not in result.summary.per_dict
    with psycopg.connect(db) as conn:
        offered = {r[0] for r in conn.execute("SELECT term FROM drug_lookup('两性霉素')")}
    assert "两性霉素B" in offered and not any(t.startswith("两性霉素B阴道") and "片" not in t for t in offered)
    for product, generic, form, _ in KNOWN:                 # still linked as before
        assert entry(db, "product_name", product)[1:] == (generic, None, form)


def test_new_products_take_suffixes_from_the_dosage_form_dictionary(db, tmp_path):
    lexicon_with_known_products(db, tmp_path)
    path = nhsa_xlsx(tmp_path / "nhsa.xlsx", [(p, reg) for p, _, reg in NEW] + [(p, reg) for p, _, _, reg in KNOWN],
                     120)
    result = official.import_files(db, "nhsa", [path], **QUIET)
    for product, generic, _ in NEW:
        assert entry(db, "product_name", product)[1] == generic, product
    assert generic_names(db) == {g for _, g, _, _ in KNOWN} | {g for _, g, _ in NEW}
    assert sorted((d.product, d.generic, d.new) for d in result.derived) == sorted((p, g, True) for p, g, _ in NEW)


def test_dry_run_lists_added_changed_and_derived_and_writes_nothing(db, tmp_path, capsys):
    lexicon_with_known_products(db, tmp_path)
    path = nhsa_xlsx(tmp_path / "nhsa.xlsx", [(p, reg) for p, _, reg in NEW] + [(p, reg) for p, _, _, reg in KNOWN],
                     60)
    before = counts(db)
    assert cli.main(["--dsn", db, "import", "nhsa", str(path), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert counts(db) == before
    lines = out.splitlines()
    assert "dry run: nothing written" in lines
    added = lines[lines.index(next(x for x in lines if x.startswith("added ("))):]
    assert any(x.split() == ["generic_name", "甲硝唑"] for x in added)
    assert any(x.split()[:2] == ["product_name", "甲硝唑阴道泡腾片"] and "generic 甲硝唑" in x for x in added)
    assert any(x.split() == ["manufacturer", "齐鲁制药有限公司"] for x in added)
    assert "changed (0):" in lines and "removed (0):" in lines
    derived = next(x for x in lines if x.startswith("derived ("))
    assert derived.startswith("derived (7 new products")
    assert any(x.strip().startswith("甲硝唑阴道泡腾片 -> 甲硝唑 (new)") for x in lines)
    assert not any("两性霉素B阴道" in x for x in lines if "->" in x)
    # the real import then does what the dry run listed
    result = official.import_files(db, "nhsa", [path], **QUIET)
    assert {(c.op, c.dict, c.after[0]) for c in result.summary.changes} == \
        {("added", d, x.split()[1]) for x in added if x.startswith("  ") and (d := x.split()[0]) and "->" not in x}


def test_xls_and_ods_with_provincial_header_aliases(db, tmp_path):
    import xlwt
    header = ["药品代码", "注册名称（通用名）", "商品名称", "注册剂型", "注册规格", "包装材质", "生产企业"]
    book = xlwt.Workbook()
    sheet = book.add_sheet("目录")
    sheet.write(0, 0, "某省药品挂网目录")
    for c, h in enumerate(header):
        sheet.write(2, c, h)
    for c, v in enumerate(["X1", "辛伐他汀片", "舒降之", "片剂", "20mg", "铝塑", "杭州默沙东制药有限公司"]):
        sheet.write(3, c, v)
    xls = tmp_path / "province.xls"
    book.save(str(xls))
    official.import_files(db, "nhsa", [xls], **QUIET)
    assert entry(db, "trade_name", "舒降之")[1:3] == ("辛伐他汀", "辛伐他汀片")
    assert entry(db, "manufacturer", "杭州默沙东制药有限公司") is not None

    ods = write_ods(tmp_path / "province.ods", [["注册名称", "注册剂型", "厂商", "商品名"],
                                                ["氯雷他定片", "片剂", "拜耳医药保健有限公司", "开瑞坦"]])
    official.import_files(db, "nhsa", [ods], **QUIET)
    assert entry(db, "trade_name", "开瑞坦")[1:3] == ("氯雷他定", "氯雷他定片")
    assert entry(db, "manufacturer", "拜耳医药保健有限公司") is not None


def test_a_damaged_or_disguised_xls_fails_with_one_line(db, tmp_path):
    html = tmp_path / "export.xls"
    html.write_text("<html><table><tr><td>注册名称</td></tr></table></html>", encoding="utf-8")
    with pytest.raises(AdminError, match=r"export.xls: not a readable .xls file .*HTML page"):
        official.import_files(db, "nhsa", [html], **QUIET)
    tsv = tmp_path / "export2.xls"
    tsv.write_text("注册名称\t注册剂型\t药品企业\n辛伐他汀片\t片剂\t某公司\n", encoding="utf-8")
    with pytest.raises(AdminError, match=r"rename it .tsv or .csv"):
        official.import_files(db, "nhsa", [tsv], **QUIET)


def write_ods(path, rows):
    """A minimal OpenDocument spreadsheet: what LibreOffice and WPS save."""
    import zipfile
    from xml.sax.saxutils import escape
    cells = "".join("<table:table-row>" + "".join(
        f'<table:table-cell office:value-type="string"><text:p>{escape(str(v))}</text:p></table:table-cell>'
        for v in row) + "</table:table-row>" for row in rows)
    content = ('<?xml version="1.0" encoding="UTF-8"?>'
               '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
               f'<office:body><office:spreadsheet><table:table table:name="Sheet1">{cells}</table:table>'
               '</office:spreadsheet></office:body></office:document-content>')
    manifest = ('<?xml version="1.0" encoding="UTF-8"?>'
                '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
                'manifest:version="1.2">'
                '<manifest:file-entry manifest:full-path="/" '
                'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                '</manifest:manifest>')
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
    return path


def test_provincial_header_aliases_in_a_csv(db, tmp_path):
    path = tmp_path / "province.csv"
    path.write_text("序号,注册名称（通用名）,注册剂型,规格,厂商\n1,辛伐他汀片,片剂,20mg,杭州默沙东制药有限公司\n",
                    encoding="gb18030")
    official.import_files(db, "nhsa", [path], **QUIET)
    assert entry(db, "product_name", "辛伐他汀片")[1:] == ("辛伐他汀", None, "片剂")
    assert entry(db, "manufacturer", "杭州默沙东制药有限公司") is not None
