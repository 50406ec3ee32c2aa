"""Formulary markers in drug_parse: insurance class, self-pay ratio and list flags are reported as such,
never as a strength or a drug, and never reach the fuzzy matcher."""
from pathlib import Path

import psycopg
import pytest

from drugnorm_admin import loader

MARKERS = Path(__file__).resolve().parents[2] / "lexicon" / "curated" / "formulary_markers.tsv"


@pytest.fixture
def marker_db(mini_db):
    loader.load(mini_db, [MARKERS], log=lambda *_: None)
    return mini_db


def parse(dsn, raw):
    with psycopg.connect(dsn) as conn:
        return conn.execute("SELECT drug_parse(%s)", (raw,)).fetchone()[0]


def test_a_ratio_in_a_marker_is_the_self_pay_ratio_never_the_strength(marker_db):
    doc = parse(marker_db, "(乙10%)阿托伐他汀钙片 20mg/片*7片")
    assert (doc["insurance_class"], doc["self_pay_ratio"], doc["markers"]) == ("乙类", "10%", ["乙类"])
    assert (doc["product_name"], doc["strength"], doc["package"]) == ("阿托伐他汀钙片", "20mg", "7片")
    marker = doc["segments"][0]
    assert (marker["text"], marker["match"], marker["attribute"], marker["standard"], marker["ratio"]) == \
        ("乙10%", "marker", "insurance_class", "乙类", "10%")


def test_list_flags_are_markers_and_do_not_reach_the_fuzzy_matcher(marker_db):
    doc = parse(marker_db, "(甲)阿莫西林胶囊 0.25g*24粒[国基、上增]")
    assert doc["insurance_class"] == "甲类" and doc["self_pay_ratio"] is None
    assert doc["markers"] == ["甲类", "国家基本药物", "上海市增补基本药物"]
    assert doc["product_name"] == "阿莫西林胶囊" and doc["strength"] == "0.25g"
    assert not [s for s in doc["segments"] if s["match"] in ("fuzzy", "none", "inferred")]


def test_every_string_has_the_marker_keys(marker_db):
    doc = parse(marker_db, "阿莫西林胶囊")
    assert (doc["insurance_class"], doc["self_pay_ratio"], doc["markers"]) == (None, None, [])
    empty = parse(marker_db, "")
    assert (empty["insurance_class"], empty["self_pay_ratio"], empty["markers"]) == (None, None, [])


def test_a_hospital_adds_its_own_marker_with_load_dict(marker_db, tmp_path):
    own = tmp_path / "own.tsv"
    own.write_text("dict\tterm\tstandard\tgeneric\nformulary_marker\t院内协定\t\t\n"
                   "formulary_marker\t协\t院内协定\t\n", encoding="utf-8")
    loader.load(marker_db, [own], log=lambda *_: None)
    assert parse(marker_db, "(协)阿莫西林胶囊")["markers"] == ["院内协定"]


def test_a_hospital_preparation_tag_is_a_marker_not_the_drug_name(marker_db):
    # 院内制剂 (a preparation of the hospital itself) beside a name the lexicon lacks: the name is the product
    doc = parse(marker_db, "紫草霜 20g 院内制剂")
    assert doc["markers"] == ["医疗机构制剂"]
    assert doc["product_name"] == "紫草霜"
