"""renormalize finds the rows a lexicon change affects set-based, and records what it checked
(issue 16, item 5: each row was compared with every entry, 43 ms a row; and normalize then re-parsed the
rows renormalize had checked and left alone)."""
import json
from pathlib import Path

import psycopg
import pytest

from drugnorm_admin import bulk, loader

QUIET = dict(log=lambda *_: None)
RAWS = ["(立普妥)阿托伐他汀钙片20mg*7片", "阿莫西林胶囊 0.25g", "布洛芬缓释胶囊", "尼莫地平片 30mg",
        "辛伐他汀片 20mg", "瑞格列奈片 1mg", "没有这种药", "左氧氟沙星注射液 0.5g"]


def run(dsn, query, params=None):
    with psycopg.connect(dsn, autocommit=True) as conn:
        cur = conn.execute(query, params)
        return cur.fetchall() if cur.description else None


def load(dsn, tmp_path, *rows, name="more.tsv"):
    f = tmp_path / name
    f.write_text("dict\tterm\tstandard\tgeneric\n" + "".join("\t".join(r) + "\n" for r in rows), encoding="utf-8")
    return loader.load(dsn, [f], **QUIET).version


def table(dsn, n=400):
    run(dsn, "CREATE TABLE rx (id int PRIMARY KEY, raw text)")
    run(dsn, "INSERT INTO rx SELECT i, (%s::text[])[1 + i %% %s] FROM generate_series(1, %s) i", (RAWS, len(RAWS), n))
    bulk.normalize(dsn, "rx", "raw", "norm", **QUIET)


def plan_nodes(plan):
    yield plan
    for child in plan.get("Plans", []):
        yield from plan_nodes(child)


def test_the_check_reads_the_lexicon_once_whatever_the_number_of_rows(mini_db, tmp_path):
    table(mini_db, 800)
    version = load(mini_db, tmp_path, ("trade_name", "舒降之", "", "辛伐他汀"),       # a new key in no row
                   ("product_name", "瑞格列奈片", "", "瑞格列奈"))                  # changed: its form link goes
    with psycopg.connect(mini_db) as conn:
        job = bulk._resolve(conn, "rx", "raw", "norm", need_into=True)
        conn.execute("CREATE TEMP TABLE w (id bigserial PRIMARY KEY, raw text UNIQUE, n bigint NOT NULL, norm jsonb)")
        conn.execute("SET LOCAL enable_mergejoin = off")
        stmt = bulk.check_statement(job, psycopg.sql.Identifier("w"), version, 0)
        plan = conn.execute(psycopg.sql.SQL("EXPLAIN (ANALYZE, FORMAT JSON) {s}").format(s=stmt)).fetchone()[0]
        plan = (plan if isinstance(plan, list) else json.loads(plan))[0]["Plan"]
        nodes = list(plan_nodes(plan))
        entry_scans = [n for n in nodes if n.get("Relation Name") == "entry"]
        rx_scans = [n for n in nodes if n.get("Relation Name") == "rx"]
        # the lexicon and the table are each read once, whatever the number of rows (it was one scan of
        # drugnorm.entry per row, in a correlated subplan)
        assert entry_scans and all(n["Actual Loops"] == 1 for n in entry_scans), entry_scans
        assert len(rx_scans) == 1 and rx_scans[0]["Actual Loops"] == 1
        assert not [n for n in nodes if n.get("Parent Relationship") == "SubPlan"]
        found = dict(conn.execute("SELECT raw, n FROM w"))
        conn.rollback()
    assert found == {"瑞格列奈片 1mg": 100}          # exactly the rows holding a key changed after their version
    assert bulk.renormalize(mini_db, "rx", "raw", "norm", **QUIET) == 100


def test_renormalize_redoes_exactly_the_rows_holding_a_changed_key(mini_db, tmp_path):
    table(mini_db, 400)
    before = dict(run(mini_db, "SELECT id, norm FROM rx"))
    stamp = dict(run(mini_db, "SELECT id, xmin::text FROM rx"))
    version = load(mini_db, tmp_path, ("trade_name", "尼莫同", "", "尼莫地平"),
                   ("product_name", "尼莫地平片", "", "尼莫地平"))     # 尼莫地平片 now without its dosage form
    hit = {i for i, n in before.items() if "尼莫地平片" in n["normalized"]}
    assert len(hit) == 50
    assert bulk.renormalize(mini_db, "rx", "raw", "norm", jobs=2, **QUIET) == 50
    after = dict(run(mini_db, "SELECT id, norm FROM rx"))
    assert {i for i in after if after[i] != before[i]} == hit
    assert all(after[i]["lexicon_version"] == version for i in hit)
    # the others are not rewritten at all: same tuple, same result, the version they were made with
    now = dict(run(mini_db, "SELECT id, xmin::text FROM rx"))
    assert all(now[i] == stamp[i] and after[i]["lexicon_version"] < version for i in after if i not in hit)


def test_after_renormalize_normalize_does_nothing_until_the_next_change(mini_db, tmp_path):
    table(mini_db, 104)
    v2 = load(mini_db, tmp_path, ("product_name", "辛伐他汀片", "", "辛伐他汀"))   # drops its dosage form link
    assert bulk.renormalize(mini_db, "rx", "raw", "norm", **QUIET) == 13
    assert run(mini_db, "SELECT tbl::regclass::text, raw_column, result_column, version FROM drugnorm.result_check"
               ) == [("rx", "raw", "norm", v2)]
    stamp = dict(run(mini_db, "SELECT id, xmin::text FROM rx"))
    # the finding: normalize re-parsed 102 of 104 rows here
    assert bulk.normalize(mini_db, "rx", "raw", "norm", **QUIET) == {"distinct": 0, "written": 0, "pending": 0}
    assert bulk.renormalize(mini_db, "rx", "raw", "norm", **QUIET) == 0
    assert dict(run(mini_db, "SELECT id, xmin::text FROM rx")) == stamp

    # the next change: rows checked at v2 are compared with what changed after v2 only
    v3 = load(mini_db, tmp_path, ("generic_name", "瑞格列奈", "", ""), name="v3.tsv")   # its source changes
    assert bulk.renormalize(mini_db, "rx", "raw", "norm", **QUIET) == 13
    assert run(mini_db, "SELECT count(*) FROM rx WHERE (norm->>'lexicon_version')::int = %s", (v3,))[0][0] == 13
    assert run(mini_db, "SELECT version FROM drugnorm.result_check")[0][0] == v3
    # a row written later with no result is still normalize's work
    run(mini_db, "INSERT INTO rx VALUES (1000, '布洛芬缓释胶囊')")
    assert bulk.normalize(mini_db, "rx", "raw", "norm", **QUIET) == {"distinct": 1, "written": 1, "pending": 0}


def test_an_interrupted_renormalize_records_nothing_and_resumes(mini_db, tmp_path):
    table(mini_db, 200)
    load(mini_db, tmp_path, ("product_name", "阿莫西林胶囊", "", "阿莫西林"))
    assert run(mini_db, "SELECT count(*) FROM rx WHERE raw LIKE '阿莫西林胶囊%%'")[0][0] == 25

    def stop_at_first_write(batch):
        if batch.phase == "write":
            raise KeyboardInterrupt

    with pytest.raises(bulk.Interrupted) as info:
        bulk.renormalize(mini_db, "rx", "raw", "norm", report=stop_at_first_write, **QUIET)
    done = run(mini_db, "SELECT count(*) FROM rx WHERE (norm->>'lexicon_version')::int = "
                        "(SELECT version FROM drugnorm.state)")[0][0]
    assert f"interrupted while writing: {done:,} rows of public.rx written and committed, {25 - done:,} not yet" \
        in str(info.value)
    assert run(mini_db, "SELECT count(*) FROM drugnorm.result_check")[0][0] == 0     # not recorded: not finished
    assert bulk.renormalize(mini_db, "rx", "raw", "norm", **QUIET) == 25 - done
    assert run(mini_db, "SELECT count(*) FROM drugnorm.result_check")[0][0] == 1
