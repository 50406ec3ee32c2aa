"""Patent step 3: strength and package strings are cut out after numbers, longest unit first."""
import pytest

from spec_split import canonical_number, find, is_spec_note

UNITS = {"mg": ("strength", "mg"), "g": ("strength", "g"), "ml": ("strength", "ml"), "%": ("strength", "%"),
         "毫克": ("strength", "mg"), "万u": ("strength", "万u"), "u": ("strength", "u"),
         "只": ("package", "支"), "支": ("package", "支"), "片": ("package", "片"), "盒": ("package", "盒"),
         "粒": ("package", "粒"), "s": ("package", "片"), "瓶": ("package", "瓶"),
         "袋": ("package", "袋"), "mbq": ("strength", "MBq"), "mci": ("strength", "mCi"), "cm": ("strength", "cm"),
         "kcal": ("strength", "kcal")}


def specs(s):
    return [(x.kind, s[x.start:x.end], x.display) for x in find(s, 0, len(s), UNITS)]


@pytest.mark.parametrize("s, expected", [
    ("艾力40mg1只", [("strength", "40mg", "40mg"), ("package", "1只", "1支")]),
    ("扶适灵0.15g", [("strength", "0.15g", "0.15g")]),
    ("氯化钠0.9%250ml", [("strength", "0.9%", "0.9%"), ("strength", "250ml", "250ml")]),
    ("0.25g:5ml", [("strength", "0.25g:5ml", "0.25g:5ml")]),
    ("5ml:0.1g", [("strength", "5ml:0.1g", "5ml:0.1g")]),
    ("12片/盒", [("package", "12片/盒", "12片/盒")]),
    ("10支×5盒", [("package", "10支×5盒", "10支×5盒")]),
    ("20毫克", [("strength", "20毫克", "20mg")]),
    ("0.5g*42s", [("strength", "0.5g", "0.5g"), ("package", "42s", "42片")]),
    ("20mgx7片", [("strength", "20mg", "20mg"), ("package", "7片", "7片")]),
    ("80万u", [("strength", "80万u", "80万u")]),
    ("1g/10g/袋", [("strength", "1g/10g/袋", "1g/10g/袋")]),   # formula granules: per bag
])
def test_specs_and_packages(s, expected):
    assert specs(s) == expected


@pytest.mark.parametrize("s, expected", [
    ("3.7-222mbq(0.1~6mci)*1粒", [("3.7-222mbq", "3.7-222MBq"), ("0.1~6mci", "0.1-6mCi"), ("1粒", "1粒")]),
    ("8cm*13cm/10片/盒", [("8cm*13cm", "8cm×13cm"), ("10片/盒", "10片/盒")]),
    ("11*15cm*6片/袋", [("11*15cm", "11×15cm"), ("6片/袋", "6片/袋")]),
    ("200ml(1kcal/ml)", [("200ml", "200ml"), ("1kcal/ml", "1kcal/ml")]),
])
def test_a_range_and_a_size_are_one_strength(s, expected):
    got = find(s, 0, len(s), UNITS)
    assert [(s[x.start:x.end], x.display) for x in got] == expected
    assert got[0].first == expected[0][1]


@pytest.mark.parametrize("s", [
    "20mg*2片",       # strength times count: two segments, as ever
    "2*5ml",          # a count of ampoules, not a size: only 5ml is a spec
    "b1-2mg",         # a digit glued to a letter is a name's
    "20mg*13cm",      # a size has lengths on both sides
    "80-12.5mg",      # a range rises: these are a combination's two strengths
    "批号230512-0.125g",   # a lot number before a strength
])
def test_only_numbers_of_one_strength_make_a_range_or_a_size(s):
    assert all(x.joins[:1] not in (("-",), ("×",)) or x.kind == "package" for x in find(s, 0, len(s), UNITS))


@pytest.mark.parametrize("s", ["维生素b1片", "氨基酸(15)", "重组人干扰素α1b", "5mgabc", "第3代", "²"])
def test_a_number_without_a_unit_or_inside_a_name_stays_in_the_text(s):
    assert specs(s) == []


def test_numbers_are_written_canonically():
    assert [canonical_number(x) for x in ("50.000", "0.50", "007", "0.0", "10")] == ["50", "0.5", "7", "0", "10"]


@pytest.mark.parametrize("fragment", ["c25h37no4", "c16h19n3o5s", "c17h19no3·hcl", "c33h38n4o6·hcl·3h2o",
                                      "2·c4h4o4", "c10h17n3s•2hcl•h2o"])
def test_a_chemical_formula_is_a_note_of_the_spec(fragment):
    assert is_spec_note(fragment)


@pytest.mark.parametrize("fragment", ["k1", "b12", "d3", "vb12", "维生素k1", "α2b"])
def test_a_vitamin_letter_and_number_is_no_formula(fragment):
    # one element with its count at most: K1, B12 of vitamins, once preprocessing folded K₁ and B₁₂
    assert not is_spec_note(fragment)


@pytest.mark.parametrize("fragment", ["每揿含", "每支多剂量注射器含", "递送剂量为", "相当于"])
def test_the_words_that_introduce_an_ingredient_are_a_note_of_the_spec(fragment):
    assert is_spec_note(fragment)
