"""Real HIS strings, with the bundled lexicon: formulary markers, manufacturer short and Latin names at
either end, common and English names, typos in the dosage form, bare names, drugs with their vehicles.
tests/data/his_strings.tsv writes every expected field out (``-``: the field must be empty); it is an
eval file, so `drugnorm-admin eval tests/data/his_strings.tsv` prints the same figures."""
from pathlib import Path

import psycopg

from drugnorm_admin import evaluate

HIS = Path(__file__).resolve().parents[1] / "data" / "his_strings.tsv"


def test_every_field_of_every_his_string_is_as_written_out(bundled_db):
    rows = evaluate.read(HIS)
    assert len(rows) >= 60
    report = evaluate.evaluate(bundled_db, HIS)
    wrong = {field: f"{report.top1[field]} of {report.scored[field]}" for field in evaluate.FIELDS
             if report.top1[field] != report.scored[field]}
    assert wrong == {}, "\n".join(f"{f}: {t} -> {g}" for (f, t, g), _ in report.misses.most_common())
    assert all(report.scored[f] == len(rows) for f in evaluate.FIELDS if f != "is_drug")


def parse(dsn, raw):
    with psycopg.connect(dsn) as conn:
        return conn.execute("SELECT drug_parse(%s)", (raw,)).fetchone()[0]


def test_a_ratio_marker_leaves_the_strength_to_the_spec(bundled_db):
    doc = parse(bundled_db, "(乙10%)美阿沙坦钾片 80mg/片*22盒")
    assert (doc["strength"], doc["insurance_class"], doc["self_pay_ratio"]) == ("80mg", "乙类", "10%")


def test_a_short_maker_name_and_list_flags(bundled_db):
    doc = parse(bundled_db, "上海禾丰制药 (甲)盐酸利多卡因注射液[国基]")
    assert "上海禾丰制药" in doc["manufacturer"]
    assert doc["insurance_class"] == "甲类" and "国家基本药物" in doc["markers"]


def test_most_his_strings_never_reach_the_fuzzy_matcher(bundled_db):
    report = evaluate.evaluate(bundled_db, HIS)
    assert report.reached_fuzzy <= 0.25 * report.rows


def test_a_city_beside_a_name_is_where_it_comes_from_not_a_maker(bundled_db):
    # 南京 alone begins the names of dozens of companies: it names none of them (was 南京南大药业)
    assert parse(bundled_db, "无水硫酸钠  500g×1瓶  南京")["manufacturer"] is None
    doc = parse(bundled_db, "塞来昔布胶囊(西乐葆) 200mg×6片/盒 辉瑞制药有限公司（大连）")
    assert doc["manufacturer"] == "辉瑞制药有限公司"
    assert all(s["attribute"] != "manufacturer" or s["text"] != "大连" for s in doc["segments"])


def test_a_bracketed_note_maker_or_piece_of_the_name_is_no_trade_name(bundled_db):
    # a maker's short name inside a lexicon maker's name (华润双鹤药业), a note in words, a piece of the name
    for raw in ("(双鹤)硝苯地平控释片 30mg×12片", "布洛芬混悬液（儿童）100ml:2g 上海强生",
                "维生素C咀嚼片(橙味) 100mg×60片", "注射用单磷酸阿糖腺苷(阿糖) 0.1g"):
        assert parse(bundled_db, raw)["trade_name"] is None, raw
    # a trade name the lexicon lacks is still one
    doc = parse(bundled_db, "盐酸昂丹司琼片(枢丹) 8mg×12片 齐鲁制药有限公司")
    assert (doc["trade_name"], doc["evidence"]["trade_name"]) == ("枢丹", "inferred")
