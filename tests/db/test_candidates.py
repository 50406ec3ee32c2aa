"""drug_candidates: the patent's fuzzy matching (claims 7-11) as SQL, against a real database."""
import math

import psycopg
import pytest

import dimensions
import scoring
from drugnorm_admin import loader
from tests.conftest import DATA

QUIET = dict(log=lambda *_: None)


def candidates(dsn, fragment, *args):
    with psycopg.connect(dsn) as conn:
        cur = conn.execute(f"SELECT * FROM drug_candidates(%s{', %s' * len(args)})", (fragment, *args))
        cols = [c.name for c in cur.description]
        return [dict(zip(cols, r)) for r in cur.fetchall()]


@pytest.mark.parametrize("typo, truth", [
    ("阿莫西临胶囊", "阿莫西林胶囊"),      # 林/临
    ("布洛粉缓释胶囊", "布洛芬缓释胶囊"),  # 芬/粉
    ("硝苯地平空释片", "硝苯地平控释片"),  # 控/空
    ("盐酸二甲双胍缓试片", "盐酸二甲双胍缓释片"),  # 释/试
    ("笨磺酸氨氯地平片", "苯磺酸氨氯地平片"),  # 苯/笨, and it is the first character
])
def test_a_homophone_typo_finds_its_entry_first(mini_db, typo, truth):
    top = candidates(mini_db, typo)[0]
    assert top["standard"] == truth
    assert top["attribute"] == "product_name"


def test_candidates_have_the_documented_shape(mini_db):
    rows = candidates(mini_db, "阿莫西临胶囊")
    assert list(rows[0]) == ["term", "standard", "attribute", "generic", "m", "n", "s"]
    assert rows[0]["generic"] == "阿莫西林"
    assert [r["s"] for r in rows] == sorted((r["s"] for r in rows), reverse=True)
    assert all(0 <= r[x] <= 1 for r in rows for x in "mns")


def test_patent_cosine_example(mini_db):
    """实施例二: N("尼莫地平注射液", "尼莫地平") = 4/sqrt(28) ≈ 0.756."""
    rows = {r["term"]: r for r in candidates(mini_db, "尼莫地平注射液", 20)}
    assert rows["尼莫地平"]["n"] == pytest.approx(4 / math.sqrt(28), abs=1e-6)
    assert scoring.cosine_hanzi("尼莫地平注射液", "尼莫地平") == pytest.approx(0.756, abs=1e-3)


def test_identical_strings_score_one(mini_db):
    for term in ("尼莫地平", "阿莫西林胶囊", "长春新碱", "重组人干扰素α1b"):
        top = candidates(mini_db, term)[0]
        assert (top["term"], top["m"], top["n"], top["s"]) == (term, 1, 1, 1)


def test_a_longer_entry_does_not_push_m_above_one(mini_db):
    rows = candidates(mini_db, "阿莫西林胶囊", 20)
    shorter = next(r for r in rows if r["term"] == "阿莫西林")
    assert 0 < shorter["m"] < 1


def test_a_synonym_is_reported_with_its_standard(mini_db):
    rows = candidates(mini_db, "lipitol")
    assert rows[0]["term"] == "Lipitor" and rows[0]["standard"] == "立普妥"


def test_a_rare_character_outweighs_a_common_one(db, tmp_path):
    f = tmp_path / "idf.tsv"
    f.write_text("dict\tterm\tstandard\tgeneric\n" + "".join(
        f"generic_name\t{t}\t\t\n" for t in ("戊庚", "乙甲", "丙甲", "丁甲", "己甲")), encoding="utf-8")
    loader.load(db, [f], **QUIET)
    rows = candidates(db, "甲庚")
    assert rows[0]["term"] == "戊庚"          # shares the rare 庚
    assert rows[1]["n"] == rows[0]["n"]      # one shared character each: only idf separates them
    assert rows[0]["m"] > rows[1]["m"]


def test_per_call_k_and_threshold(mini_db):
    assert len(candidates(mini_db, "阿莫西临胶囊", 2)) == 2
    rows = candidates(mini_db, "阿莫西临胶囊", 50, 0.6)
    assert rows and all(r["s"] >= 0.6 for r in rows)


def test_session_settings_override_the_table(mini_db):
    with psycopg.connect(mini_db) as conn:
        n_default = len(conn.execute("SELECT * FROM drug_candidates('阿莫西临胶囊')").fetchall())
        conn.execute("SET drugnorm.k = 1")
        assert len(conn.execute("SELECT * FROM drug_candidates('阿莫西临胶囊')").fetchall()) == 1
        conn.execute("UPDATE drugnorm.setting SET value = '0.9' WHERE name = 'a'")
        conn.execute("RESET drugnorm.k")
        rows = conn.execute("SELECT m, n, s FROM drug_candidates('阿莫西临胶囊')").fetchall()
    assert n_default > 1 and len(rows) == n_default
    m, n, s = rows[0]
    assert s == pytest.approx(0.9 * m + 0.1 * n, abs=1e-5)


def test_polyphonic_characters_use_phrase_readings(mini_db):
    with psycopg.connect(mini_db) as conn:
        tokens = dict(conn.execute("SELECT key, tokens FROM drugnorm.entry WHERE key IN ('长春新碱', '重组人干扰素α1b')"))
    assert {"ich", "fang"} <= set(tokens["长春新碱"]) and "izh" not in tokens["长春新碱"][:4]
    assert tokens["重组人干扰素α1b"][:4] == ["h重", "ich", "fong", "schong"]
    assert {"oα", "o1", "ob"} <= set(tokens["重组人干扰素α1b"])
    # a homophone typo of the phrase reading still lands (常 chang for 长 in 长春新碱)
    assert candidates(mini_db, "常春新碱")[0]["standard"] == "长春新碱"


def test_a_hanzi_no_entry_has_reads_as_its_homophone_in_the_candidates(mini_db):
    """骗 (pian) is in no entry, so as itself it is no evidence: the fragment is scored as the candidates write
    it (片 in its place), and the product meant ranks before the generic that the character cosine would favour
    for being shorter. A character the lexicon has is never replaced (粉 in 布洛粉 stays 粉); the rules that
    keep the reading one-sided are plpython/homophones.py's (tests/unit/test_homophones.py)."""
    got = candidates(mini_db, "尼莫地平骗")
    assert [c["term"] for c in got[:2]] == ["尼莫地平片", "尼莫地平"]
    assert got[0]["s"] == pytest.approx(1.0)
    assert candidates(mini_db, "布洛粉缓释胶囊")[0]["s"] < 1.0


def test_sql_scores_equal_the_python_reference(mini_db):
    """plpython/scoring.py does the same steps in Python; both must agree on ranking and scores."""
    with psycopg.connect(mini_db) as conn:
        entries = dict(conn.execute("SELECT e.id, e.tokens FROM drugnorm.entry e JOIN drugnorm.dictionary d "
                                    "ON d.name = e.dict AND d.kind = 'set'"))
        readings = dict(conn.execute("SELECT ch, readings FROM drugnorm.hanzi"))
        st = dict(conn.execute("SELECT name, value FROM drugnorm.setting"))
        index = scoring.Index(entries)
        for q in ("布洛粉缓释胶囊", "注射用盐酸伊立替康", "长春新碱", "重组人干扰素α2b", "常春新碱", "骗"):
            sql = conn.execute("SELECT e.id, c.m, c.n, c.s FROM drugnorm.drug_candidates(%s, 5) c "
                               "JOIN drugnorm.entry e ON e.term = c.term AND e.dict = c.attribute "
                               "ORDER BY c.s DESC, e.id", (q,)).fetchall()
            ref = index.search(dimensions.query_slots(q, lambda ch: readings.get(ch, [])), 5, a=float(st["a"]),
                               boosts=[float(st["boost_" + d]) for d in dimensions.SCORING_DIMS],
                               limit=int(st["candidate_limit"]), budget=int(st["posting_budget"]))
            assert [r[0] for r in sql] == [r[3] for r in ref], q
            for (_, m, n, s), (rs, rm, rn, _) in zip(sql, ref):
                assert (m, n, s) == pytest.approx((rm, rn, rs), abs=1e-5)


def test_matching_works_in_a_c_locale_database(pg_server):
    """pg_trgm extracts nothing from Chinese under LC_CTYPE=C; drugnorm's own index does not care."""
    from drugnorm_admin import migrate
    name = pg_server.create_db(template="template0", lc_collate="C", lc_ctype="C", encoding="UTF8")
    try:
        dsn = pg_server.dsn(name)
        said = []
        migrate.upgrade(dsn, log=said.append)
        assert any("LC_CTYPE is C" in s for s in said)
        loader.load(dsn, [DATA / "mini_lexicon.tsv"], **QUIET)
        assert candidates(dsn, "阿莫西临胶囊")[0]["standard"] == "阿莫西林胶囊"
    finally:
        pg_server.drop_db(name)


def score_queries(conn):
    """score_fragment calls in this connection's open transaction."""
    return conn.execute("SELECT coalesce(sum(calls), 0) FROM pg_stat_xact_user_functions "
                        "WHERE schemaname = 'drugnorm' AND funcname = 'score_fragment'").fetchone()[0]


@pytest.mark.parametrize("call", ["SELECT * FROM drug_candidates(%s)", "SELECT * FROM drug_lookup(%s)"])
def test_a_fragment_longer_than_64_characters_has_no_candidates_and_costs_no_query(mini_db, call):
    """Issue 13, finding 14: 10 KB of hanzi took 1-2 s, 100 KB 22 s. drug_parse looks up no fragment longer
    than 64 characters (no name is that long); neither do drug_candidates and the hanzi branch of drug_lookup."""
    with psycopg.connect(mini_db) as conn:
        conn.execute("SET track_functions = 'pl'")
        for raw in ("阿莫西林" * 2_500, "阿莫西临胶囊" * 10 + "阿莫西临胶", "阿" * 1_000_000):
            assert conn.execute(call, (raw,)).fetchall() == []
        assert score_queries(conn) == 0
    with psycopg.connect(mini_db) as conn:
        conn.execute("SET track_functions = 'pl'")
        exactly_64 = "阿莫西临胶囊" * 10 + "阿莫西临"
        assert conn.execute(call, (exactly_64,)).fetchall()
        assert score_queries(conn) == 1
