"""Issue 15: the fast fuzzy path and the cheap first call give the answers the slow ones gave.

- every fragment of an input is scored in one query (and those read again as their candidates write them
  in one more), and a polyphonic or Latin fragment is scored alike alone or with others;
- a new backend reads the entries of an input's substrings only, and after a while the hashes of all keys:
  both ways parse every string alike;
- an upgraded database has the recall tokens (pairs of syllables) a fresh load gives, and a downgrade
  takes them away.
"""
from __future__ import annotations

import csv

import psycopg
import pytest

from drugnorm_admin import loader, migrate
from tests.conftest import DATA

QUIET = dict(log=lambda *_: None)
PREVIOUS_RELEASE = "0002_functions"
ROOT = DATA.parent.parent


def score_calls(conn):
    return conn.execute("SELECT coalesce(sum(calls), 0) FROM pg_stat_xact_user_functions "
                        "WHERE schemaname = 'drugnorm' AND funcname = 'score_fragment'").fetchone()[0]


@pytest.mark.parametrize("raw, queries", [
    ("布洛粉缓释胶囊 辛伐他丁片", 1),
    # 临 is in no entry of the tests' lexicon, but 阿莫西林胶囊 ranks first and is accepted already
    ("阿莫西临胶囊 布洛粉缓释胶囊", 1),
    # 骗 is in no entry either, and 尼莫地平 ranks first: the fragment is read again as its candidates write it
    # (尼莫地平片, plpython/homophones.py), in one more query
    ("尼莫地平骗 布洛粉缓释胶囊", 2),
])
def test_every_fragment_of_an_input_is_scored_in_one_query(mini_db, raw, queries):
    with psycopg.connect(mini_db) as conn:
        conn.execute("SET track_functions = 'pl'")
        conn.execute("SET drugnorm.cache_entries = 0")
        doc = conn.execute("SELECT drug_parse(%s)", (raw,)).fetchone()[0]
        assert score_calls(conn) == queries
    fuzzy = [s for s in doc["segments"] if s["match"] == "fuzzy"]
    assert len(fuzzy) == len(raw.split()) and all(s["accepted"] for s in fuzzy)


@pytest.mark.parametrize("fragment", ["阿莫西临胶囊", "常春新碱", "重组人干扰素", "lipitol", "注射用盐酸伊立替糠"])
def test_a_fragment_scores_alike_alone_and_with_others(mini_db, fragment):
    with psycopg.connect(mini_db) as conn:
        conn.execute("SET drugnorm.cache_entries = 0")
        alone = conn.execute("SELECT * FROM drug_candidates(%s)", (fragment,)).fetchall()
        doc = conn.execute("SELECT drug_parse(%s)", (f"笨磺酸氨氯地平片,{fragment},布洛粉缓释胶囊",)).fetchone()[0]
    seg = next(s for s in doc["segments"] if s["text"] == fragment)
    assert [(c["term"], c["s"]) for c in seg["candidates"]] == [(r[0], pytest.approx(r[6], abs=1e-6)) for r in alone]


def backend_state(conn):
    """What this backend's lexicon holds (server.py's committed view)."""
    conn.execute("CREATE OR REPLACE FUNCTION pg_temp.lexicon_state() RETURNS jsonb LANGUAGE plpython3u AS $$\n"
                 "import json\n"
                 "lex = GD['drugnorm_backend'].lex\n"
                 "return json.dumps({'hashed': lex.hashes is not None, 'cached': len(lex.cache),\n"
                 "                   'fetches': lex.fetches})\n$$")
    return conn.execute("SELECT pg_temp.lexicon_state()").fetchone()[0]


def set_prepared_inputs(conn, n):
    conn.execute("DO $$\nimport sys\n"
                 f"sys.modules['drugnorm.dictionary_set'].StoredLexicon.PREPARED_INPUTS = {n}\n$$ LANGUAGE plpython3u")


def test_a_new_backend_reads_the_entries_of_its_inputs_only(mini_db):
    with psycopg.connect(mini_db) as conn:
        total = conn.execute("SELECT count(*) FROM drugnorm.entry").fetchone()[0]
        conn.execute("SELECT drug_parse('(立普妥)阿托伐他汀钙片20mg*7片')")
        state = backend_state(conn)
        assert not state["hashed"] and state["cached"] < total / 2
        assert state["fetches"] <= 3        # the dosage forms, the input's substrings, a linked product


def his_strings(n=300):
    with open(ROOT / "eval" / "dev_neusoft.tsv", encoding="utf-8") as f:
        return [r["input"] for r in csv.DictReader(f, delimiter="\t")][:n]


def test_both_ways_of_reading_keys_parse_alike(pg_server, migrated_template):
    """Per input (a new backend) and by the keys' hashes (a working one): the same results, string for
    string, on real HIS strings with the bundled lexicon's manufacturers, forms and units."""
    name = pg_server.create_db(template=migrated_template)
    try:
        dsn = pg_server.dsn(name)
        files = sorted((ROOT / "lexicon" / "default").glob("*.tsv"))
        loader.load(dsn, files, **QUIET)
        raws = his_strings()
        results = []
        for prepared in (10**9, 0):
            with psycopg.connect(dsn) as conn:
                conn.execute("SET drugnorm.cache_entries = 0")
                conn.execute("SELECT drugnorm.normalize('x')")      # the code is loaded
                set_prepared_inputs(conn, prepared)
                results.append([conn.execute("SELECT drug_parse(%s)", (r,)).fetchone()[0] for r in raws])
                assert backend_state(conn)["hashed"] == (prepared == 0)
        for raw, a, b in zip(raws, *results):
            assert a == b, raw
    finally:
        pg_server.drop_db(name)


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
