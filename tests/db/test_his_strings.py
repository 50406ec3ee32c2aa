"""Real HIS strings, with the bundled lexicon: formulary markers, manufacturer short and Latin names at
either end, common and English names, typos in the dosage form, bare names, drugs with their vehicles.
tests/data/his_strings.tsv writes every expected field out (``-``: the field must be empty); it is an
eval file, so `drugnorm-admin eval tests/data/his_strings.tsv` prints the same figures."""
from pathlib import Path

import psycopg
import pytest

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
    assert doc["manufacturer"] == "辉瑞制药（大连）有限公司"      # the place in brackets is the company's
    assert all(s["attribute"] != "manufacturer" or s["text"] != "大连" for s in doc["segments"])


def test_a_foreign_company_written_with_its_country_is_reported_as_written(bundled_db):
    # a catalogue code (S) glued after the name cut it before the suffix (was 制药有限公司, 礼来苏州制药有限公司)
    assert parse(bundled_db, "盐酸羟考酮注射液(奥诺美)10mg*1支萌蒂(英国)制药有限公司S")["manufacturer"] \
        == "萌蒂(英国)制药有限公司"
    assert parse(bundled_db, "盐酸托莫西汀 10mg×7粒/盒 礼来（美国）公司S")["manufacturer"] == "礼来(美国)公司"
    # the group's Chinese holding is not its Tianjin company (was 葛兰素史克（天津）有限公司)
    doc = parse(bundled_db, "拉莫三嗪片  50mg×30片/盒  葛兰素史克（中国）投资有限公司")
    assert doc["manufacturer"] == "葛兰素史克(中国)投资有限公司"


def test_a_parent_company_is_not_its_branch(bundled_db):
    doc = parse(bundled_db, "阿莫西林颗粒0.125g*24袋珠海联邦制药股份有限公司")
    assert doc["manufacturer"] == "珠海联邦制药股份有限公司"


def test_a_place_in_brackets_after_a_companys_name_tells_the_groups_companies_apart(bundled_db):
    # were 辉瑞制药有限公司 (the Dalian company), 杭州默沙东制药有限公司, 青海制药有限公司 (制药 alone)
    assert parse(bundled_db, "注射用表柔比星(法玛新),10mg×1支,辉瑞制药有限公司（无锡）")["manufacturer"] \
        == "辉瑞制药（无锡）有限公司"
    assert parse(bundled_db, "舒更葡糖钠注射液（布瑞亭） 2ml：200.000mg*1瓶/瓶 默沙东制药（美国）")["manufacturer"] \
        == "默沙东制药(美国)"
    assert parse(bundled_db, "聚乙二醇口服散剂(福松) 10g×10袋/盒 法国 博福-益普生（天津）制药")["manufacturer"] \
        == "博福-益普生(天津)制药有限公司"
    # a place in China is not the group's company abroad (was Baxter Holding BV)
    doc = parse(bundled_db, "注射用多种维生素(12)(施尼维他),5ml×1支,百特医疗用品贸易(上海)有限公司")
    assert doc["manufacturer"] == "百特医疗用品贸易(上海)有限公司"


def test_a_packers_note_is_not_the_maker(bundled_db):
    # were 施维雅（天津）制药有限公司 and 拜耳医药保健有限公司广州分公司, the packers
    doc = parse(bundled_db, "格列齐特缓释片(达美康),60.000mg*15片/盒,施维雅（法国）药厂  施维雅(天津)分装")
    assert doc["manufacturer"] == "施维雅(法国)药厂"
    doc = parse(bundled_db, "雌二醇片  1mg*21片  德国 Schering GmbH & Co.Produktions KG(拜耳医药保健有限公司广州分公司分装)")
    assert doc["manufacturer"].startswith("Schering")           # as written


def test_a_group_member_or_a_works_is_not_another_company_of_the_group(bundled_db):
    # were 东北制药集团沈阳第一制药有限公司, 成都华神集团股份有限公司制药厂, 丽珠集团丽珠制药厂
    assert parse(bundled_db, "卡前列甲酯栓|0.5mg×1枚|东北制药总厂")["manufacturer"] == "东北制药总厂"
    assert parse(bundled_db, "三七通舒胶囊 0.200g*12粒/盒 成都华神集团有限公司")["manufacturer"] == "成都华神集团有限公司"
    assert parse(bundled_db, "注射用尿促性素 75iu×1支(附2ml氯化钠注射液) 丽珠集团丽宝")["manufacturer"] is None


def test_a_full_company_name_beats_its_short_name_in_brackets(bundled_db):
    # 济民可信 alone was accepted as 江西济民可信金水宝制药有限公司, another company of the group
    doc = parse(bundled_db, "醒脑静注射液（济民可信）|10.000ml（天然麝香）*1支/支|无锡济民可信山禾药业股份有限公司")
    assert doc["manufacturer"] == "无锡济民可信山禾药业股份有限公司"


def test_a_space_before_a_region_in_brackets_does_not_cut_a_company_name(bundled_db):
    doc = parse(bundled_db, "钆双胺注射液(欧乃影)|4.305g×15ml/瓶|通用电气药业 （上海）有限公司")
    assert doc["manufacturer"] == "通用电气药业 (上海)有限公司"     # was 通用电气药业, and 有限公司 a maker


def test_a_bracketed_note_maker_or_piece_of_the_name_is_no_trade_name(bundled_db):
    # a maker's short name inside a lexicon maker's name (华润双鹤药业), a note in words, a piece of the name
    for raw in ("(双鹤)硝苯地平控释片 30mg×12片", "布洛芬混悬液（儿童）100ml:2g 上海强生",
                "维生素C咀嚼片(橙味) 100mg×60片", "注射用单磷酸阿糖腺苷(阿糖) 0.1g"):
        assert parse(bundled_db, raw)["trade_name"] is None, raw
    # a trade name the lexicon lacks is still one
    doc = parse(bundled_db, "盐酸昂丹司琼片(枢丹) 8mg×12片 齐鲁制药有限公司")
    assert (doc["trade_name"], doc["evidence"]["trade_name"]) == ("枢丹", "inferred")


@pytest.mark.parametrize("raw, strength, spec", [
    ("碘[125I]密封籽源3.7-222MBq(0.1-6Mci)*1粒原子高科股份有限公司", "3.7-222MBq", "0.1-6mCi"),
    ("麝香壮骨膏 8cm*13cm/10片/盒 重庆陪都药业", "8cm×13cm", "8cm×13cm"),
    ("关节止痛膏 11*15cm*6片/袋 常州市盛辉药业有限公司", "11×15cm", "11×15cm"),
    ("肠内营养混悬液TPF(能全力,500ml(1kcal/1ml)*1瓶,纽迪希亚制药（无锡）有限公司", "500ml", "1kcal/1ml"),
    ("注射用鼠神经生长因子(金路捷)  20ug:9000AU*1支  武汉海特生物制药股份有限公司", "20μg", "20μg:9000AU"),
    ("舒洛地特软胶囊  250LSU×50片/盒  意大利阿尔法韦士曼制药", "250LSU", "250LSU"),
    ("利多卡因凝胶贴膏 14cm*10cm 700mg", "700mg", "14cm×10cm"),     # a size yields to the drug's amount
    ("阿昔洛韦乳膏 每次涂2-3cm 10g", "10g", "2-3cm"),
])
def test_energy_activity_size_and_biological_units_are_specs(bundled_db, raw, strength, spec):
    """Enteral nutrition writes kcal, radiopharmaceuticals a range of MBq or mCi, plasters their size: all
    strengths, none of them a fragment for the fuzzy matcher."""
    doc = parse(bundled_db, raw)
    assert doc["strength"] == strength
    assert spec in [s["standard"] for s in doc["segments"] if s["match"] == "spec"]
    scored = " ".join(s["text"].lower() for s in doc["segments"] if "candidates" in s)
    assert not any(unit in scored for unit in ("mbq", "mci", "cm", "kcal", "au", "lsu"))
