"""Formulary markers: insurance class, self-pay ratio and list flags are found before specs and names, and
only where a catalogue puts them."""
import csv
from pathlib import Path

import pytest

import markers
import preprocess

CURATED = Path(__file__).resolve().parents[2] / "lexicon" / "curated" / "formulary_markers.tsv"


def _lexicon():
    rows = list(csv.DictReader(CURATED.open(encoding="utf-8"), delimiter="\t"))
    out = {}
    for r in rows:
        key = preprocess.normalize_key(r["term"], {}, frozenset())
        out[key] = (r["dict"], r["term"], r["standard"] or r["term"])
    return out


LEX = _lexicon()


def found(raw):
    s = preprocess.normalize_key(raw, {}, frozenset())
    return [(s[m.start:m.end], m.standard, m.ratio) for m in markers.find(s, LEX)]


@pytest.mark.parametrize("raw, expected", [
    ("(甲)盐酸利多卡因注射液", [("甲", "甲类", None)]),
    ("(乙10%)美阿沙坦钾片 80mg/片*22盒", [("乙10%", "乙类", "10%")]),
    ("（甲10%）阿莫西林胶囊", [("甲10%", "甲类", "10%")]),
    ("(▲100%)硫培非格司亭注射液", [("▲100%", "▲", "100%")]),
    ("(100%)注射用头孢曲松钠", [("100%", None, "100%")]),
    ("(自费)复合维生素片", [("自费", "自费", None)]),
    ("(甲类)阿司匹林肠溶片", [("甲类", "甲类", None)]),
    ("盐酸利多卡因注射液[国基]", [("国基", "国家基本药物", None)]),
    ("阿莫西林胶囊【国基、上增】", [("国基", "国家基本药物", None), ("上增", "上海市增补基本药物", None)]),
    ("※▲(乙10%)硫培非格司亭注射液", [("※", "※", None), ("▲", "▲", None), ("乙10%", "乙类", "10%")]),
    ("左氧氟沙星片[NR]", [("nr", "非限制使用级抗菌药物", None)]),
    ("伏立康唑分散片[R]", [("r", "限制使用级抗菌药物", None)]),
    ("(集)(基)氨氯地平片", [("集", "国家集中带量采购", None), ("基", "国家基本药物", None)]),
    # without brackets: whole words at either end of the string
    ("国基 OTC 维生素B6片 10mg*100片", [("国基", "国家基本药物", None), ("otc", "非处方药", None)]),
    ("注射用卡瑞利珠单抗 200mg 恒瑞 国谈", [("国谈", "国家谈判药品", None)]),
])
def test_markers_where_catalogues_write_them(raw, expected):
    assert found(raw) == expected


@pytest.mark.parametrize("raw", [
    "甲硝唑片",                       # 甲 inside a name is the name
    "乙醇(75%)",                      # a ratio alone after the name is a concentration
    "复方氨基酸注射液(18AA)",          # a qualifier of the name
    "(R)-氨氯地平",                    # a stereo descriptor, not the antibiotic grade
    "乙",                             # one word is left for the name, whatever it is
    "乙 肝免疫球蛋白",                  # one hanzi outside brackets is a name typed with a space
    "诺和灵 R",                        # an insulin's letter, not the antibiotic grade R
    "Novolin NR",
    "甲钴胺片 甲乙",                   # a word that is no marker as a whole
    "维生素b6 国基片",                 # a marker word must stand alone
])
def test_no_marker_where_the_text_is_the_drug(raw):
    assert found(raw) == []


def test_a_group_with_a_part_that_is_not_a_marker_is_not_a_marker():
    assert found("氯化钠注射液(乙、软袋)") == []


def test_summary_gives_the_class_the_ratio_and_each_standard_once():
    s = preprocess.normalize_key("※(乙10%)阿莫西林胶囊[国基、基]", {}, frozenset())
    assert markers.summary(markers.find(s, LEX)) == ("乙类", "10%", ["※", "乙类", "国家基本药物"])


def test_a_marker_segment_says_its_dictionary_and_a_ratio_alone_is_a_self_pay_ratio():
    s = preprocess.normalize_key("(乙10%)(100%)美阿沙坦钾片", {}, frozenset())
    fields = [markers.segment_fields(m) for m in markers.find(s, LEX)]
    assert fields[0]["match"] == "marker" and fields[0]["attribute"] == "insurance_class"
    assert fields[0]["ratio"] == "10%"
    assert fields[1] == {"match": "marker", "attribute": "self_pay_ratio", "term": "100%", "standard": "100%",
                         "ratio": "100%"}
