"""Patent step 2: one normalization for input strings and dictionary terms, with offsets to the raw string."""
import pytest

from preprocess import normalize, normalize_key

T2S = {"鹽": "盐", "鈣": "钙"}


def test_full_width_becomes_half_width_and_letters_one_case():
    assert normalize_key("ＬＩＰＩＴＯＲ　２０ｍｇ（片）", {}, frozenset()) == "lipitor 20mg(片)"


def test_traditional_becomes_simplified():
    assert normalize_key("鹽酸阿托伐他汀鈣", T2S, frozenset()) == "盐酸阿托伐他汀钙"


def test_irrelevant_characters_are_deleted_and_whitespace_collapsed():
    assert normalize_key("  H▲注射用 \t\u3000 伊立替康◆ ", {}, frozenset("▲◆")) == "h注射用 伊立替康"


def test_compatibility_forms_of_units_and_bars():
    assert normalize_key("40㎎∣5㎖", {}, frozenset()) == "40mg|5ml"


def test_subscripts_are_plain_characters_but_superscripts_stay_exponents():
    assert normalize_key("维生素K₁ 维生素B₁₂ C₂₅H₃₇NO₄", {}, frozenset()) == "维生素k1 维生素b12 c25h37no4"
    assert normalize_key("1×10⁶IU 100cm²", {}, frozenset()) == "1×10⁶iu 100cm²"


@pytest.mark.parametrize("written, letters", [
    ("Ⅰ", "i"), ("Ⅳ", "iv"), ("Ⅵ", "vi"), ("Ⅶ", "vii"), ("Ⅷ", "viii"), ("Ⅸ", "ix"), ("Ⅹ", "x"), ("Ⅺ", "xi"),
    ("Ⅻ", "xii"), ("ⅰ", "i"), ("ⅵ", "vi"), ("ⅶ", "vii"), ("ⅸ", "ix"), ("ⅻ", "xii"), ("Ⅿ", "m"),
])
def test_roman_numerals_are_their_latin_letters_capital_or_small(written, letters):
    assert normalize_key(f"人凝血因子{written}", {}, frozenset()) == f"人凝血因子{letters}"


def test_a_roman_numeral_keeps_its_variant_apart_and_points_at_its_raw_character():
    assert normalize_key("凝血因子Ⅶ", {}, frozenset()) != normalize_key("凝血因子Ⅷ", {}, frozenset())
    assert normalize_key("18AA-Ⅸ", {}, frozenset()) == normalize_key("18AA-IX", {}, frozenset()) == "18aa-ix"
    raw = "因子Ⅷa"
    s, off = normalize(raw, {}, frozenset())
    assert s == "因子viiia" and [raw[i] for i in off] == list("因子ⅧⅧⅧⅧa")


def test_offsets_point_back_into_the_raw_string():
    raw = "▲（立普妥）片"
    s, off = normalize(raw, {}, frozenset("▲"))
    assert s == "(立普妥)片"
    assert [raw[i] for i in off] == list("（立普妥）片")


def test_a_string_of_only_irrelevant_characters_is_empty():
    assert normalize("▲◆  ", {}, frozenset("▲◆")) == ("", [])


@pytest.mark.parametrize("invisible", ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u200e"])
def test_invisible_format_characters_are_dropped_not_spaces(invisible):
    assert normalize_key(f"阿{invisible}莫西林", {}, frozenset()) == "阿莫西林"
    assert normalize_key(f"{invisible}Amoxicillin{invisible}", {}, frozenset()) == "amoxicillin"


def test_combining_marks_are_composed_or_dropped():
    assert normalize_key("Me\u0301dicament", {}, frozenset()) == normalize_key("Médicament", {}, frozenset()) == "médicament"
    assert normalize_key("阿\u0301莫\u0308西林", {}, frozenset()) == "阿莫西林"      # nothing to compose with
    assert normalize_key("阿莫西林\ufe0f", {}, frozenset()) == "阿莫西林"            # a variation selector
    assert normalize_key("\u0301阿莫西林", {}, frozenset()) == "阿莫西林"            # a mark with no base
    assert normalize_key("İ", {}, frozenset()) == "i"                                # lower() makes no mark


def test_digits_of_every_script_are_ascii_digits():
    assert normalize_key("٠١٢mg", {}, frozenset()) == "012mg"
    assert normalize_key("१०mg ۵ml", {}, frozenset()) == "10mg 5ml"


def test_offsets_stay_those_of_the_raw_characters():
    raw = "阿\u200b莫\u0301西林 ٢mg"
    s, off = normalize(raw, {}, frozenset())
    assert s == "阿莫西林 2mg"
    assert [raw[i] for i in off] == ["阿", "莫", "西", "林", " ", "٢", "m", "g"]
    composed, off = normalize("ce\u0301", {}, frozenset())
    assert composed == "cé" and off == [0, 1]
