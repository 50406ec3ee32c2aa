"""drugnorm-admin import nhsa|nmpa: official drug lists into the lexicon, through load-dict's validation."""
import psycopg
import pytest

from drugnorm_admin import official
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
    with pytest.raises(AdminError, match=r"not a nhsa list: column\(s\) 注册剂型, 药品企业 missing"):
        official.import_files(db, "nhsa", [path], **QUIET)
    assert counts(db) == before


def test_dry_run_reports_and_writes_nothing(db):
    before = counts(db)
    result = official.import_files(db, "nmpa", [DATA / "nmpa_sample.tsv"], dry_run=True, **QUIET)
    # two products and their two English names
    assert result.mapped["product_name"] == 4 and counts(db) == before
    assert "dry run" in "\n".join(result.lines())
