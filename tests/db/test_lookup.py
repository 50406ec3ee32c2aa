"""drug_lookup: the search box of a HIS (hanzi, full pinyin, or pinyin initials as mnemonic codes)."""
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
