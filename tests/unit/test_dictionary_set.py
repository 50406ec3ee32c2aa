"""The dictionary set (词典集合) as the pipeline sees it (plpython/dictionary_set.py): entries by normalized
key, best dictionary first; the keys that must be matched before splitting; the suffix → dosage-form table
the lexicon supports. The stored lexicon of a backend answers as the in-memory one does."""
import pytest

import dictionary_set
from dictionary_set import DICT_ORDER, Entry, MemoryLexicon, StoredLexicon, needs_protection, protected_index
from tests.unit import minilex


@pytest.fixture(scope="module")
def lex():
    return minilex.load()


def row(id, d, term, key=None, standard=None, generic=None, product=None, dosage_form=None):
    return {"id": id, "dict": d, "key": key or term, "term": term, "standard": standard, "generic": generic,
            "product": product, "dosage_form": dosage_form}


def small(*rows, units=(), models=()):
    return MemoryLexicon.from_rows(list(rows), list(units), [], {}, list(models))


# -- entries ----------------------------------------------------------------------------------------
def test_an_entry_is_its_dictionary_term_standard_and_the_standards_it_links_to(lex):
    assert lex.lookup("立普妥") == (Entry("trade_name", "立普妥", "立普妥", "阿托伐他汀钙", "阿托伐他汀钙片", None),)
    assert Entry._fields == ("dict", "term", "standard", "generic", "product", "dosage_form")


def test_a_standard_entry_is_its_own_standard_and_a_synonym_names_its_standard(lex):
    assert lex.first("阿托伐他汀钙").standard == "阿托伐他汀钙"
    assert lex.first("atorvastatin calcium").standard == "阿托伐他汀钙"
    assert lex.first("静滴") == Entry("route", "静滴", "静脉滴注", None, None, None)


def test_keys_are_normalized_terms(lex):
    # minilex keys entries with preprocess.normalize_key: lower case, traditional → simplified
    assert lex.has("lipitor") and not lex.has("Lipitor")
    assert lex.has("洛赛克mups")


def test_an_unknown_key_has_no_entries(lex):
    assert lex.lookup("不存在的药") == ()
    assert lex.first("不存在的药") is None
    assert not lex.has("不存在的药")


def test_a_key_in_several_dictionaries_lists_the_best_dictionary_first():
    # DICT_ORDER is drugnorm.dictionary.priority: product over generic over trade name over maker …
    assert DICT_ORDER[:3] == ("product_name", "generic_name", "trade_name")
    lex = small(row(1, "manufacturer", "同名"), row(2, "trade_name", "同名"), row(3, "generic_name", "同名"))
    assert [e.dict for e in lex.lookup("同名")] == ["generic_name", "trade_name", "manufacturer"]


def test_entries_of_one_dictionary_under_one_key_stay_in_id_order():
    lex = small(row(1, "route", "甲"), row(2, "generic_name", "甲", standard="乙"), row(3, "route", "甲", standard="丙"))
    assert [(e.dict, e.standard) for e in lex.lookup("甲")] == [("generic_name", "乙"), ("route", "甲"),
                                                                ("route", "丙")]


def test_first_takes_the_best_entry_or_the_best_of_some_dictionaries():
    lex = small(row(1, "trade_name", "同名"), row(2, "generic_name", "同名"))
    assert lex.first("同名").dict == "generic_name"
    assert lex.first("同名", ("trade_name",)).dict == "trade_name"
    assert lex.first("同名", ("manufacturer",)) is None


def test_only_the_dictionary_set_is_looked_up_units_and_markers_have_their_own_tables():
    lex = small(row(1, "generic_name", "阿莫西林"), row(2, "insurance_class", "乙", standard="乙类"),
                units=[("mg", "strength_unit", "mg"), ("毫克", "strength_unit", "mg"), ("盒", "package_unit", "盒")])
    assert not lex.has("乙") and not lex.has("mg")
    assert lex.markers == {"乙": ("insurance_class", "乙", "乙类")}
    assert lex.units == {"mg": ("strength", "mg"), "毫克": ("strength", "mg"), "盒": ("package", "盒")}


def test_the_longest_key_bounds_the_segmentation(lex):
    assert lex.max_key_len == max(len(k) for k in lex.by_key)


def test_character_models_come_in_priority_order():
    models = [{"name": "STU", "kind": "slash", "symbols": "/", "priority": 4},
              {"name": "BCDE", "kind": "bracket", "symbols": "()", "priority": 1}]
    assert [m.name for m in small(models=models).char_models] == ["BCDE", "STU"]


def test_entries_by_key_reads_the_rows_of_the_server_s_entries_query_as_from_rows_does(lex):
    rows = [row(1, "trade_name", "同名", generic="某药"), row(2, "generic_name", "同名"), row(3, "route", "口服"),
            row(4, "strength_unit", "mg")]
    by_key = dictionary_set.entries_by_key(rows)
    assert by_key["同名"] == small(*rows).lookup("同名")
    assert by_key["口服"] == Entry("route", "口服", "口服", None, None, None)   # a single entry is stored bare
    assert "mg" not in by_key


# -- protected keys ---------------------------------------------------------------------------------
@pytest.mark.parametrize("key, protect", [
    ("维生素b1", True), ("(成都)江苏恒瑞", True), ("dr.reddy`s laboratories ltd.", True),
    ("atorvastatin calcium", True),     # a space is a symbol: the key must not be cut at it
    ("阿莫西林", False), ("lipitor", False), ("重组人干扰素α", False),
])
def test_keys_holding_symbols_or_digits_need_protection(key, protect):
    assert needs_protection(key) is protect


def test_protected_keys_are_indexed_by_their_first_characters_longest_first(lex):
    assert dictionary_set.PROTECTED_PREFIX == 3
    assert lex.protected["(成都"] == ["(成都)江苏恒瑞制药", "(成都)江苏恒瑞"]
    assert lex.protected["重组人"] == ["重组人干扰素α1b"]
    assert all(needs_protection(k) for keys in lex.protected.values() for k in keys)


def test_protected_index_adds_the_keys_that_need_it_to_a_known_index():
    surely = {"(成都": ["(成都)恒瑞"]}
    index = protected_index(["阿莫西林", "(成都)江苏恒瑞制药", "b1"], surely)
    assert index == {"(成都": ["(成都)江苏恒瑞制药", "(成都)恒瑞"], "b1": ["b1"]}


# -- suffix → dosage form -----------------------------------------------------------------------------
def test_a_suffix_of_the_shared_table_tells_its_form_when_the_lexicon_has_that_form(lex):
    # dosage_forms.SUFFIX_FORMS: 片 → 片剂, 粉针 → 注射用无菌粉末; 滴眼液 → 滴眼剂, a form minilex lacks
    assert lex.dosage_form_suffixes["片"] == "片剂"
    assert lex.dosage_form_suffixes["粉针"] == "注射用无菌粉末"
    assert "滴眼液" not in lex.dosage_form_suffixes


def test_a_dosage_form_name_of_two_characters_or_more_is_a_suffix_of_itself(lex):
    assert lex.dosage_form_suffixes["乳膏剂"] == "乳膏剂"
    assert lex.dosage_form_suffixes["水针"] == "注射液"       # a synonym: the form it stands for


def test_注射用_tells_the_injection_form_when_the_lexicon_has_it(lex):
    assert lex.injection_form == "注射用无菌粉末"
    assert small(row(1, "dosage_form", "片剂")).injection_form is None


def test_learn_suffixes_takes_the_forms_of_the_lexicon():
    standard_of = {"片剂": "片剂", "注射液": "注射液"}
    suffixes, injection = dictionary_set.learn_suffixes(standard_of.get, standard_of.items())
    assert suffixes["片"] == "片剂" and suffixes["针"] == "注射液" and suffixes["注射液"] == "注射液"
    assert "胶囊" not in suffixes and injection is None
    assert small(row(1, "dosage_form", "片剂")).form_standard("片剂") == "片剂"


# -- the stored lexicon -----------------------------------------------------------------------------
def stored_from(rows):
    """A StoredLexicon whose database is ``rows``, counting the queries it sends."""
    keys = [r["key"] for r in rows if r["dict"] in DICT_ORDER]
    asked = []

    def fetch(wanted):
        asked.append(sorted(wanted))
        return [r for r in rows if r["key"] in wanted]
    forms = [(r["key"], r["standard"] or r["term"]) for r in rows if r["dict"] == "dosage_form"]
    lex = StoredLexicon.build(forms, [], [], {}, [], [], fetch, lambda: keys,
                              lambda: ({}, [k for k in keys if needs_protection(k)]), lambda: [])
    return lex, asked


ROWS = [row(1, "trade_name", "立普妥", generic="阿托伐他汀钙", product="阿托伐他汀钙片"),
        row(2, "generic_name", "阿托伐他汀钙"), row(3, "dosage_form", "片剂"),
        row(4, "manufacturer", "(成都)江苏恒瑞")]


def test_a_stored_lexicon_answers_as_a_memory_lexicon_does():
    memory = small(*ROWS)
    stored, _ = stored_from(ROWS)
    stored.prepare("立普妥片")
    for key in ("立普妥", "阿托伐他汀钙", "片剂", "不存在", "(成都)江苏恒瑞"):
        assert stored.lookup(key) == memory.lookup(key)
        assert stored.has(key) == memory.has(key)
    assert stored.dosage_form_suffixes == memory.dosage_form_suffixes


def test_a_new_backend_fetches_the_substrings_of_an_input_in_one_query():
    stored, asked = stored_from(ROWS)
    stored.prepare("立普妥片")
    assert len(asked) == 1 and "立普妥" in asked[0]
    assert stored.has("立普妥") and not stored.has("普妥片")
    assert stored.lookup("立普妥")[0].generic == "阿托伐他汀钙"
    assert len(asked) == 1


def test_a_backend_that_keeps_working_reads_the_keys_once_and_fetches_entries_when_looked_up():
    stored, asked = stored_from(ROWS)
    for _ in range(StoredLexicon.PREPARED_INPUTS + 1):
        stored.prepare("x")
    assert stored.hashes is not None and asked == [["x"]] * StoredLexicon.PREPARED_INPUTS
    asked.clear()
    assert stored.has("立普妥") and not stored.has("普妥")
    assert asked == []                                   # has() answers from the keys' hashes
    assert stored.lookup("立普妥")[0].dict == "trade_name"
    assert asked == [["立普妥"]]
    assert stored.protected == {"(成都": ["(成都)江苏恒瑞"]}
