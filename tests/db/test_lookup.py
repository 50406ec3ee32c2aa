"""drug_lookup: the search box of a HIS (hanzi, full pinyin, or pinyin initials as mnemonic codes)."""
from pathlib import Path

import psycopg
import pytest


def lookup(dsn, query, k=10):
    with psycopg.connect(dsn) as conn:
        cur = conn.execute("SELECT * FROM drug_lookup(%s, %s)", (query, k))
        cols = [c.name for c in cur.description]
        return [dict(zip(cols, r)) for r in cur.fetchall()]


@pytest.mark.parametrize("query, first", [
    ("AMXLJN", "阿莫西林胶囊"),       # initials, as HIS mnemonic codes are typed
    ("amxljn", "阿莫西林胶囊"),
    ("amoxilin", "阿莫西林"),          # full pinyin
    ("amoxilinjiaonang", "阿莫西林胶囊"),
    ("ATFTTGP", "阿托伐他汀钙片"),
    ("阿莫西林胶", "阿莫西林胶囊"),     # a hanzi prefix
    ("布洛粉缓释胶囊", "布洛芬缓释胶囊"),  # a hanzi typo goes through the fuzzy matcher
])
def test_the_first_hit(mini_db, query, first):
    assert lookup(mini_db, query)[0]["term"] == first


def test_an_initials_prefix_lists_every_entry_it_starts(mini_db):
    terms = [r["term"] for r in lookup(mini_db, "AMXL")]
    assert terms[:2] == ["阿莫西林", "阿莫西林胶囊"]
    assert all(0 < r["score"] <= 1 for r in lookup(mini_db, "AMXL"))


def test_a_pinyin_typo_still_finds_the_drug(mini_db):
    assert "阿莫西林" in [r["term"] for r in lookup(mini_db, "amoxilim")]


def test_a_synonym_hit_reports_its_standard(mini_db):
    hit = lookup(mini_db, "lipitor")[0]
    assert (hit["term"], hit["standard"], hit["attribute"]) == ("Lipitor", "立普妥", "trade_name")


@pytest.mark.parametrize("query", ["", "   ", "▲", None])
def test_empty_queries_return_nothing(mini_db, query):
    assert lookup(mini_db, query) == []


def test_k_bounds_the_result(mini_db):
    assert len(lookup(mini_db, "a", 3)) == 3


def test_a_mnemonic_that_skips_a_character_still_finds_the_drug(mini_db):
    # HIS mnemonic generators skip or replace characters outside their table
    assert "阿莫西林胶囊" in [r["term"] for r in lookup(mini_db, "AMXJN")[:3]]


def test_pg_trgm_already_in_public_before_migrate(pg_server, empty_db):
    """The common case: the hospital's database has pg_trgm in public. drug_lookup's pinyin typo search
    must find its operators and functions there without public on the function's search_path."""
    from pathlib import Path

    from drugnorm_admin import loader, migrate
    with psycopg.connect(empty_db, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION pg_trgm SCHEMA public")
    migrate.upgrade(empty_db, log=lambda *_: None)
    loader.load(empty_db, [Path(__file__).parent.parent / "data" / "mini_lexicon.tsv"], log=lambda *_: None)
    with psycopg.connect(empty_db) as conn:
        assert conn.execute("SELECT extnamespace::regnamespace::text FROM pg_extension "
                            "WHERE extname = 'pg_trgm'").fetchone()[0] == "public"
        assert "public" not in conn.execute("SELECT array_to_string(proconfig, ',') FROM pg_proc "
                                            "WHERE oid = 'drugnorm.drug_lookup'::regproc").fetchone()[0]
    assert lookup(empty_db, "AMXLJN")[0]["term"] == "阿莫西林胶囊"
    assert lookup(empty_db, "amoxilin")[0]["term"] == "阿莫西林"
    assert "阿莫西林" in [r["term"] for r in lookup(empty_db, "amoxilim")]            # pg_trgm similarity
    assert "阿莫西林胶囊" in [r["term"] for r in lookup(empty_db, "AMXJN")[:3]]


# --- A HIS search box (issue 16, item 9): every reading's initials, legacy GB2312 codes, toned pinyin,
# prefixes before fuzzy matches, the fuzzy matcher only when nothing starts with or contains the hanzi.

HIS_LEXICON = """dict\tterm\tstandard\tgeneric
generic_name\t重组人粒细胞刺激因子\t\t
product_name\t重组人粒细胞刺激因子注射液\t\t重组人粒细胞刺激因子
generic_name\t长春西汀\t\t
generic_name\t痔疮\t\t
generic_name\t乐卡地平\t\t
generic_name\t重酒石酸卡巴拉汀\t\t
generic_name\t噻托溴铵\t\t
product_name\t丹参川芎嗪注射液\t\t
generic_name\t阿莫西林\t\t
product_name\t阿莫西林胶囊\t\t阿莫西林
generic_name\t阿昔莫司\t\t
generic_name\t维生素B1\t\t
"""


@pytest.fixture(scope="module")
def his_db(pg_server, migrated_template, tmp_path_factory):
    from drugnorm_admin import loader
    name = pg_server.create_db(template=migrated_template)
    path = tmp_path_factory.mktemp("his") / "his.tsv"
    path.write_text(HIS_LEXICON, encoding="utf-8")
    loader.load(pg_server.dsn(name), [path], log=lambda *_: None)
    yield pg_server.dsn(name)
    pg_server.drop_db(name)


@pytest.mark.parametrize("query, first", [
    ("ZZRLXB", "重组人粒细胞刺激因子"),   # 重 read zhong (the phrase-aware reading is chong)
    ("ZCXT", "长春西汀"),                # 长 read zhang, not a near code of 痔疮
    ("YKDP", "乐卡地平"),                # 乐 read yue
    ("CJSS", "重酒石酸卡巴拉汀"),        # both readings of 重 find it
    ("ZJSS", "重酒石酸卡巴拉汀"),
    ("ZTZZ", "噻托溴铵"),                # a legacy GB2312 generator: level-2 characters are Z
    ("DCCZZZSY", "丹参川芎嗪注射液"),    # its 参 is can, 芎 and 嗪 are Z
])
def test_a_mnemonic_code_of_any_reading_finds_the_entry(his_db, query, first):
    assert lookup(his_db, query)[0]["term"] == first


def test_a_polyphonic_prefix_lists_the_entries_it_starts(his_db):
    hits = lookup(his_db, "ZZRLXB")
    assert [r["term"] for r in hits[:2]] == ["重组人粒细胞刺激因子", "重组人粒细胞刺激因子注射液"]
    assert all(r["match"] == "initials" and 0.6 < r["score"] < 0.95 for r in hits[:2])


def test_the_phrase_aware_reading_ranks_above_another_reading(his_db):
    # 重酒石酸 reads zhong in the phrase dictionary: its code is exact (1), the other reading's a bit less
    (z,) = [r["score"] for r in lookup(his_db, "ZJSSKBLT", 1)]
    (c,) = [r["score"] for r in lookup(his_db, "CJSSKBLT", 1)]
    assert (z, c) == (1.0, 0.95)


@pytest.mark.parametrize("query", ["āmòxīlín", "Ā MÒ XĪ LÍN", "a1mo4xi1lin2", "a1 mo4 xi1 lin2", "a1mo4xilin"])
def test_pinyin_with_tone_marks_or_tone_numbers(mini_db, query):
    hit = lookup(mini_db, query)[0]
    assert (hit["term"], hit["match"], hit["score"]) == ("阿莫西林", "pinyin", 1.0)


def test_a_digit_after_a_consonant_is_no_tone(his_db):
    assert lookup(his_db, "WSSB1")[0]["term"] == "维生素B1"


def test_a_prefix_ranks_above_a_fuzzy_match(his_db):
    # 阿昔莫司 is near 阿莫 (the fuzzy matcher scored it above 阿莫西林胶囊): every entry starting with 阿莫 first
    terms = [r["term"] for r in lookup(his_db, "阿莫")]
    prefixed = [t for t in terms if t.startswith("阿莫")]
    assert terms[:len(prefixed)] == prefixed == ["阿莫西林", "阿莫西林胶囊"]


def test_a_hanzi_query_lists_exact_then_prefix_then_contains(mini_db):
    hits = lookup(mini_db, "奥美拉唑")
    assert [(r["term"], r["match"]) for r in hits[:2]] == [("奥美拉唑", "exact"), ("奥美拉唑镁", "prefix")]
    contains = [r for r in hits if r["match"] == "contains"]
    assert "艾司奥美拉唑" in [r["term"] for r in contains]
    assert all(0.5 < r["score"] <= 0.6 for r in contains)
    assert [r["score"] for r in hits] == sorted((r["score"] for r in hits), reverse=True)


def _fuzzy_calls(dsn, query):
    with psycopg.connect(dsn) as conn:
        conn.execute("SET track_functions = 'all'")
        conn.execute("SELECT * FROM drug_lookup(%s)", (query,)).fetchall()
        return conn.execute("SELECT coalesce(sum(calls), 0) FROM pg_stat_xact_user_functions "
                            "WHERE funcname = 'drug_candidates'").fetchone()[0]


def test_the_fuzzy_matcher_runs_only_when_nothing_starts_with_or_contains_the_hanzi(mini_db):
    assert _fuzzy_calls(mini_db, "阿莫西林胶") == 0       # a prefix
    assert _fuzzy_calls(mini_db, "莫西林") == 0           # contained
    assert _fuzzy_calls(mini_db, "布洛粉缓释胶囊") >= 1    # a typo


def test_codes_follow_the_lexicon(db, tmp_path):
    from drugnorm_admin import loader
    path = tmp_path / "his.tsv"
    path.write_text(HIS_LEXICON, encoding="utf-8")
    loader.load(db, [path], log=lambda *_: None)
    assert lookup(db, "ZCXT")[0]["term"] == "长春西汀"
    path.write_text("\n".join(line for line in HIS_LEXICON.splitlines() if "长春西汀" not in line) + "\n",
                    encoding="utf-8")
    loader.load(db, [path], replace=["generic_name"], log=lambda *_: None)
    assert "长春西汀" not in [r["term"] for r in lookup(db, "ZCXT")]
    with psycopg.connect(db) as conn:
        orphans, missing = conn.execute("""
            SELECT (SELECT count(*) FROM drugnorm.lookup_code c
                    WHERE NOT EXISTS (SELECT FROM drugnorm.entry e WHERE e.id = c.entry_id)),
                   (SELECT count(*) FROM drugnorm.entry e WHERE e.readings IS NOT NULL AND e.initials <> ''
                    AND NOT EXISTS (SELECT FROM drugnorm.lookup_code c
                                    WHERE c.entry_id = e.id AND c.variant = 0 AND c.kind = 'i'
                                      AND c.code = e.initials))""").fetchone()
    assert (orphans, missing) == (0, 0)


def test_an_upgraded_database_has_the_codes_of_its_entries(empty_db):
    from drugnorm_admin import loader, migrate
    migrate.upgrade(empty_db, "0002_functions", log=lambda *_: None)    # release 0.9.0
    loader.load(empty_db, [Path(__file__).parent.parent / "data" / "mini_lexicon.tsv"], log=lambda *_: None)
    migrate.upgrade(empty_db, log=lambda *_: None)
    assert lookup(empty_db, "ZCXJ")[0]["term"] == "长春新碱"         # 长 read zhang
    assert lookup(empty_db, "AMXLJN")[0]["term"] == "阿莫西林胶囊"


def _codes(dsn, key, readings):
    with psycopg.connect(dsn) as conn:
        rows = conn.execute("SELECT kind, variant, code FROM drugnorm.lookup_codes(ARRAY[7], ARRAY[%s], ARRAY[%s]) "
                            "ORDER BY kind, variant", (key, readings)).fetchall()
    return ([c for kind, _, c in rows if kind == "i"], [c for kind, _, c in rows if kind == "p"])


def test_the_codes_of_an_entry_come_phrase_aware_reading_first(db):
    initials, pinyin = _codes(db, "噻托溴铵", "sai tuo xiu an")
    assert initials[:2] == ["stxa", "ztzz"]      # then the legacy GB2312 code: 噻, 溴 and 铵 are level 2
    assert pinyin[0] == "saituoxiuan" and len(set(initials)) == len(initials)
    initials, pinyin = _codes(db, "维生素b1", "wei sheng su  ")
    assert (initials, pinyin) == (["wssb1"], ["weishengsub1"])


def test_the_codes_of_an_entry_are_bounded(db):
    initials, pinyin = _codes(db, "重长乐参" * 4, " ".join(["chong", "chang", "le", "shen"] * 4))
    assert initials[0] == "cclscclscclsccls" and pinyin[0] == "chongchangleshen" * 4
    assert (len(initials), len(pinyin)) == (16, 8)
