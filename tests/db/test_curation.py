"""The curation loop of a hospital: typos are queued, a pharmacist decides, the lexicon learns, and only
the affected rows are redone."""
import psycopg
import pytest

from drugnorm_admin import bulk, review, stats
from drugnorm_admin.db import AdminError

QUIET = dict(log=lambda *_: None)


def test_typo_to_queue_to_synonym_to_exact_match(mini_db, tmp_path):
    with psycopg.connect(mini_db, autocommit=True) as conn:
        conn.execute("UPDATE drugnorm.setting SET value = 'on' WHERE name = 'review_queue'")
        conn.execute("CREATE TABLE rx (id serial PRIMARY KEY, raw text)")
        conn.execute("INSERT INTO rx (raw) SELECT '阿莫西临胶囊 0.25g' FROM generate_series(1, 3)")
        conn.execute("INSERT INTO rx (raw) VALUES ('立普妥20mg'), ('立普妥20mg')")
    assert bulk.normalize(mini_db, "rx", "raw", "norm", **QUIET)["written"] == 5

    out = tmp_path / "todo.tsv"
    assert review.export(mini_db, out, min_count=2) >= 1
    lines = out.read_text(encoding="utf-8").splitlines()
    header, first = lines[0].split("\t"), dict(zip(lines[0].split("\t"), lines[1].split("\t")))
    assert header[-2:] == ["dict", "standard"]
    assert first["fragment"] == "阿莫西临胶囊" and first["count"] == "3"
    assert first["candidate_1"].startswith("阿莫西林胶囊|product_name|")

    first["standard"], first["dict"] = "阿莫西林胶囊", "product_name"
    out.write_text("\t".join(header) + "\n" + "\t".join(first[h] for h in header) + "\n", encoding="utf-8")
    summary = review.import_decisions(mini_db, out, **QUIET)
    assert summary.per_dict["product_name"]["added"] == 1

    with psycopg.connect(mini_db, autocommit=True) as conn:
        doc = conn.execute("SELECT drug_parse('阿莫西临胶囊 0.25g')").fetchone()[0]
        seg = next(s for s in doc["segments"] if s["text"] == "阿莫西临胶囊")
        assert (seg["match"], seg["standard"]) == ("exact", "阿莫西林胶囊")
        assert conn.execute("SELECT resolved_standard FROM drugnorm.review_item WHERE fragment = '阿莫西临胶囊'"
                            ).fetchone()[0] == "阿莫西林胶囊"
        before = dict(conn.execute("SELECT id, norm FROM rx"))
    assert bulk.renormalize(mini_db, "rx", "raw", "norm", **QUIET) == 3   # only the typo rows
    with psycopg.connect(mini_db) as conn:
        after = dict(conn.execute("SELECT id, norm FROM rx"))
    changed = {i for i in after if after[i] != before[i]}
    assert len(changed) == 3
    assert all(after[i]["product_name"] == "阿莫西林胶囊" for i in changed)


def test_the_queue_is_off_by_default_and_recording_never_fails_the_caller(mini_db):
    with psycopg.connect(mini_db, autocommit=True) as conn:
        conn.execute("SELECT drug_parse_review('阿莫西临胶囊')")
        assert conn.execute("SELECT count(*) FROM drugnorm.review_event").fetchone()[0] == 0
        conn.execute("SET drugnorm.review_queue = 'on'")
        conn.execute("SELECT drug_parse_review('阿莫西临胶囊')")
        assert conn.execute("SELECT count(*) FROM drugnorm.review_event").fetchone()[0] == 1
        conn.execute("REVOKE INSERT ON drugnorm.review_event FROM drugnorm_reader")
        conn.execute("CREATE ROLE curation_probe LOGIN IN ROLE drugnorm_reader")
    try:
        with psycopg.connect(psycopg.conninfo.make_conninfo(mini_db, user="curation_probe")) as conn:
            conn.execute("SET drugnorm.review_queue = 'on'")
            doc = conn.execute("SELECT drug_parse_review('阿莫西临胶囊')").fetchone()[0]
            assert doc["segments"]                  # the caller got its result despite the failed insert
    finally:
        with psycopg.connect(mini_db, autocommit=True) as conn:
            conn.execute("DROP OWNED BY curation_probe")
            conn.execute("DROP ROLE curation_probe")


def test_attach_fills_new_rows_and_detach_stops(mini_db):
    from drugnorm_admin import bulk
    with psycopg.connect(mini_db, autocommit=True) as conn:
        conn.execute("CREATE TABLE rx2 (id serial PRIMARY KEY, raw text)")
    bulk.attach(mini_db, "rx2", "raw", "norm", **QUIET)
    with psycopg.connect(mini_db, autocommit=True) as conn:
        conn.execute("INSERT INTO rx2 (raw) VALUES ('(立普妥)阿托伐他汀钙片20mg*7片')")
        assert conn.execute("SELECT norm->>'trade_name' FROM rx2").fetchone()[0] == "立普妥"
        conn.execute("UPDATE rx2 SET raw = '艾力'")
        assert conn.execute("SELECT norm->>'trade_name' FROM rx2").fetchone()[0] == "艾力"
    bulk.detach(mini_db, "rx2", "raw", "norm", **QUIET)
    with psycopg.connect(mini_db, autocommit=True) as conn:
        conn.execute("INSERT INTO rx2 (raw) VALUES ('立普妥')")
        assert conn.execute("SELECT norm FROM rx2 WHERE raw = '立普妥'").fetchone()[0] is None


def test_stats_counts_entries_and_those_no_stored_result_matched(mini_db):
    with psycopg.connect(mini_db, autocommit=True) as conn:
        conn.execute("CREATE TABLE rx (id serial PRIMARY KEY, raw text)")
        conn.execute("INSERT INTO rx (raw) VALUES ('立普妥20mg'), ('阿莫西林胶囊 0.25g'), ('阿莫西林胶囊 0.5g')")
        total = dict(conn.execute("SELECT dict, count(*) FROM drugnorm.entry GROUP BY dict").fetchall())
    bulk.normalize(mini_db, "rx", "raw", "norm", **QUIET)

    plain = {r[0]: r[1:] for r in stats.stats(mini_db)}
    assert plain["product_name"][0] == total["product_name"]
    assert plain["product_name"][5] is None          # no results given: no "never matched" figure
    used = {r[0]: r[1:] for r in stats.stats(mini_db, ("rx", "norm"))}
    assert used["product_name"][5] == total["product_name"] - 1     # 阿莫西林胶囊
    assert used["trade_name"][5] == total["trade_name"] - 1         # 立普妥
    assert used["strength_unit"][5] == total["strength_unit"] - 2   # mg, g
    assert used["irrelevant_char"][5] is None
    assert all(r[4] == 0 for r in used.values())      # orphan synonyms: load-dict never makes one


def test_stats_refuses_a_column_that_holds_no_results(mini_db):
    with psycopg.connect(mini_db, autocommit=True) as conn:
        conn.execute("CREATE TABLE rx (id serial PRIMARY KEY, raw text)")
    with pytest.raises(AdminError, match="expected jsonb"):
        stats.stats(mini_db, ("rx", "raw"))
    with pytest.raises(AdminError, match="does not exist"):
        stats.stats(mini_db, ("nope", "norm"))
