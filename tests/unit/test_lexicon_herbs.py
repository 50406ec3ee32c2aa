"""Chinese herbs in the bundled lexicon (lexicon/curated/tcm_herbs.tsv, after the Chinese Pharmacopoeia 2020,
vol. I; ``tcm_herbs`` in lexicon/build_default.py): the file's shape, the rules on a small lexicon, and what
the built files hold."""
import csv
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "lexicon"), str(ROOT / "plpython")]
import build_default  # noqa: E402
from chars import is_hanzi  # noqa: E402
from test_lexicon_aliases import DEFAULT, small_lexicon  # noqa: E402


def read_herbs():
    with open(build_default.HERBS, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def names(field):
    return [x for x in field.split("|") if x]


def test_the_herb_file_is_well_formed():
    rows = read_herbs()
    assert len(rows) >= 400
    seen = {}
    for r in rows:
        assert list(r) == ["herb", "processed", "aliases"], r
        terms = [r["herb"]] + [t for p in names(r["processed"]) for t in p.split("=")] + names(r["aliases"])
        for t in terms:
            assert len(t) >= 2 and all(is_hanzi(ch) for ch in t), (r["herb"], t)
            assert seen.setdefault(t, r["herb"]) == r["herb"], f"{t} is listed under {seen[t]} and {r['herb']}"


def herbs(*rows):
    return [{"herb": h, "processed": p, "aliases": a} for h, p, a in rows]


def test_herbs_are_generics_and_decoction_pieces_and_a_key_keeps_its_meaning():
    d = small_lexicon()
    gn, pn = d["generic_name"], d["product_name"]
    d["dosage_form"].add_standard("中药饮片", "test")
    gn.add_standard("三七", "test")                       # a herb the seed has as a generic
    pn.add_standard("大黄", "test")                       # ... as a product without links
    pn.add_standard("当归片", "test", generic="当归", dosage_form="片剂")
    d["trade_name"].add_standard("甘松", "test")          # a term that means something else
    counts = build_default.tcm_herbs(d, herbs(
        ("白术", "麸炒白术=炒白术", ""),
        ("三七", "三七粉", "田七"),
        ("大黄", "酒大黄", "川军"),
        ("甘松", "", ""),
        ("附子", "黑顺片=黑附片|当归片", ""),              # 当归片 is another drug's product
    ))
    assert gn.standard_term("白术") == "白术" and gn.std[gn.key("白术")]["source"] == build_default.HERB_SOURCE
    for piece, herb in (("白术", "白术"), ("麸炒白术", "白术"), ("三七粉", "三七"), ("大黄", "大黄"),
                        ("酒大黄", "大黄"), ("黑顺片", "附子")):
        row = pn.std[pn.key(piece)]
        assert (row["generic"], row["dosage_form"]) == (herb, "中药饮片"), piece
    assert pn.standard_term("炒白术") == "麸炒白术" and pn.standard_term("黑附片") == "黑顺片"
    assert gn.standard_term("川军") == "大黄" and pn.standard_term("川军") == "大黄"
    assert gn.standard_term("田七") == "三七"
    assert gn.std[gn.key("三七")]["source"] == "test"                  # the seed's row is kept
    assert gn.standard_term("甘松") is None and pn.standard_term("甘松") is None
    assert pn.std[pn.key("当归片")]["generic"] == "当归"
    assert counts["herb_known_generic"] == 1 and counts["herb_is_trade_name"] == 1
    assert counts["processed_is_product_name"] == 1
    assert d["dosage_form"].standard_term("饮片") == "中药饮片"


def test_a_herb_list_that_names_a_herb_twice_is_refused():
    d = small_lexicon()
    d["dosage_form"].add_standard("中药饮片", "test")
    with pytest.raises(ValueError):
        build_default.tcm_herbs(d, herbs(("白术", "", ""), ("白术", "", "")))


def built(name):
    with open(DEFAULT / name, encoding="utf-8", newline="") as f:
        return {(r["term"], r["standard"]): r for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)}


def test_the_bundled_lexicon_holds_the_herbs():
    generic, product = built("50_generic_name.tsv"), built("60_product_name.tsv")
    assert generic[("白术", "")]["source"] == build_default.HERB_SOURCE
    assert (product[("麸炒白术", "")]["generic"], product[("麸炒白术", "")]["dosage_form"]) == ("白术", "中药饮片")
    assert product[("炒白术", "麸炒白术")]
    assert generic[("怀牛膝", "牛膝")] and product[("怀牛膝", "牛膝")]
    assert (product[("炙甘草", "")]["generic"], product[("甘草", "")]["generic"]) == ("甘草", "甘草")
