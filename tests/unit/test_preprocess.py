"""Patent step 2: one normalization for input strings and dictionary terms, with offsets to the raw string."""
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


def test_offsets_point_back_into_the_raw_string():
    raw = "▲（立普妥）片"
    s, off = normalize(raw, {}, frozenset("▲"))
    assert s == "(立普妥)片"
    assert [raw[i] for i in off] == list("（立普妥）片")


def test_a_string_of_only_irrelevant_characters_is_empty():
    assert normalize("▲◆  ", {}, frozenset("▲◆")) == ("", [])
