"""The six dimensions of patent claim 8 (实施例二, 表22) and the pinyin conventions shared by both sides."""
import dimensions as d


def by_dim(tokens):
    out = {}
    for t in tokens:
        out.setdefault(t[0], []).append(t[1:])
    return out


def test_nimodipine_parses_on_every_dimension():
    """表22: 尼莫地平."""
    dims = by_dim(d.entry_tokens("尼莫地平", ["ni", "mo", "di", "ping"]))
    assert dims["h"] == ["尼", "莫", "地", "平"]
    assert dims["i"] == ["n", "m", "d", "p"]
    assert dims["f"] == ["i", "o", "i", "ing"]
    assert dims["c"] == ["尼"]
    assert dims["p"] == ["ni"]
    assert "o" not in dims          # no non-hanzi characters: that dimension is empty


def test_mixed_string_keeps_greek_latin_and_digits():
    key = "重组人干扰素α1b"
    dims = by_dim(d.entry_tokens(key, ["chong", "zu", "ren", "gan", "rao", "su", "", "", ""]))
    assert dims["h"] == list("重组人干扰素")
    assert dims["i"][:2] == ["ch", "z"]
    assert dims["o"] == ["α", "1", "b"]
    assert dims["c"] == ["重"] and dims["p"] == ["chong"]


def test_zero_initial_and_y_w_conventions():
    assert d.split_syllable("an") == ("_", "an")
    assert d.split_syllable("er") == ("_", "er")
    assert d.split_syllable("yao") == ("y", "ao")
    assert d.split_syllable("wei") == ("w", "ei")
    assert d.split_syllable("lv") == ("l", "v")
    assert d.split_syllable("zhuang") == ("zh", "uang")


def test_homophone_typos_share_initial_and_final():
    for a, b, py in (("林", "临", "lin"), ("芬", "粉", "fen"), ("释", "试", "shi"), ("控", "空", "kong"),
                     ("苯", "笨", "ben")):
        ta = set(d.entry_tokens(a, [py])) - {"h" + a, "c" + a}
        tb = set(d.entry_tokens(b, [py])) - {"h" + b, "c" + b}
        assert ta == tb


def test_query_side_offers_every_reading_of_a_polyphonic_character():
    slots = d.query_slots("长春", {"长": ["zhang", "chang"], "春": ["chun"]}.get)
    initials_of_first = [(t, default, owner) for t, slot, default, owner in slots if t[0] == "i" and slot == 1]
    assert initials_of_first == [("izh", True, "h长"), ("ich", False, "h长")]
    firsts = [t for t, _, _, _ in slots if t[0] == "p"]
    assert firsts == ["pzhang", "pchang"]


def test_first_character_may_be_a_letter():
    dims = by_dim(d.entry_tokens("lipitor", [""] * 7))
    assert dims["c"] == ["l"] and dims["p"] == ["l"]
    assert "".join(dims["o"]) == "lipitor"


def test_lookup_codes_are_his_mnemonics():
    assert d.lookup_codes("阿莫西林胶囊", ["a", "mo", "xi", "lin", "jiao", "nang"]) == ("amoxilinjiaonang", "amxljn")
    assert d.lookup_codes("注射用x", ["zhu", "she", "yong", ""]) == ("zhusheyongx", "zsyx")
