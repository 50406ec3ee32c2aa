"""Issue 15: the fast fuzzy path and the cheap first call give the answers the slow ones gave.

- every fragment of an input is scored in one query, and a polyphonic or Latin fragment is scored alike
  alone or with others;
- an upgraded database has the recall tokens (pairs of syllables) a fresh load gives, and a downgrade
  takes them away.
"""
from __future__ import annotations

import psycopg
import pytest

from drugnorm_admin import loader, migrate
from tests.conftest import DATA

QUIET = dict(log=lambda *_: None)
PREVIOUS_RELEASE = "0002_functions"


def score_calls(conn):
    return conn.execute("SELECT coalesce(sum(calls), 0) FROM pg_stat_xact_user_functions "
                        "WHERE schemaname = 'drugnorm' AND funcname = 'score_fragment'").fetchone()[0]


def test_every_fragment_of_an_input_is_scored_in_one_query(mini_db):
    raw = "阿莫西临胶囊 布洛粉缓释胶囊 硝苯地平空释片"
    with psycopg.connect(mini_db) as conn:
        conn.execute("SET track_functions = 'pl'")
        conn.execute("SET drugnorm.cache_entries = 0")
        doc = conn.execute("SELECT drug_parse(%s)", (raw,)).fetchone()[0]
        assert score_calls(conn) == 1
    fuzzy = [s for s in doc["segments"] if s["match"] == "fuzzy"]
    assert [s["standard"] for s in fuzzy] == ["阿莫西林胶囊", "布洛芬缓释胶囊", "硝苯地平控释片"]


@pytest.mark.parametrize("fragment", ["阿莫西临胶囊", "常春新碱", "重组人干扰素", "lipitol", "注射用盐酸伊立替糠"])
def test_a_fragment_scores_alike_alone_and_with_others(mini_db, fragment):
    with psycopg.connect(mini_db) as conn:
        conn.execute("SET drugnorm.cache_entries = 0")
        alone = conn.execute("SELECT * FROM drug_candidates(%s)", (fragment,)).fetchall()
        doc = conn.execute("SELECT drug_parse(%s)", (f"笨磺酸氨氯地平片,{fragment},布洛粉缓释胶囊",)).fetchone()[0]
    seg = next(s for s in doc["segments"] if s["text"] == fragment)
    assert [(c["term"], c["s"]) for c in seg["candidates"]] == [(r[0], pytest.approx(r[6], abs=1e-6)) for r in alone]


def lexicon_tokens(dsn):
    with psycopg.connect(dsn) as conn:
        return {
            "tokens": sorted(conn.execute("SELECT dict, key, tokens FROM drugnorm.entry").fetchall()),
            "postings": sorted(conn.execute("SELECT p.token, e.dict, e.key, p.len FROM drugnorm.posting p "
                                            "JOIN drugnorm.entry e ON e.id = p.entry_id").fetchall()),
            "df": sorted(conn.execute("SELECT token, df FROM drugnorm.token_stat").fetchall()),
        }


def test_an_upgraded_database_has_the_recall_tokens_a_fresh_load_gives(pg_server, empty_db, migrated_template):
    migrate.upgrade(empty_db, PREVIOUS_RELEASE, **QUIET)
    loader.load(empty_db, [DATA / "mini_lexicon.tsv"], **QUIET)
    before = lexicon_tokens(empty_db)
    assert not any("-" in t for _, _, toks in before["tokens"] for t in toks or ())
    migrate.upgrade(empty_db, **QUIET)
    fresh = pg_server.create_db(template=migrated_template)
    try:
        loader.load(pg_server.dsn(fresh), [DATA / "mini_lexicon.tsv"], **QUIET)
        want = lexicon_tokens(pg_server.dsn(fresh))
    finally:
        pg_server.drop_db(fresh)
    got = lexicon_tokens(empty_db)
    assert any(t.startswith("s") and "-" in t for _, _, toks in got["tokens"] for t in toks or ())
    assert got == want
    migrate.downgrade(empty_db, PREVIOUS_RELEASE, **QUIET)
    assert lexicon_tokens(empty_db) == before
