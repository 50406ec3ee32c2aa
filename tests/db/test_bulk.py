"""Whole tables: parallel plans, normalize over several connections, safe re-runs."""
import psycopg

from drugnorm_admin import bulk

QUIET = dict(log=lambda *_: None)
RAWS = ["(立普妥)阿托伐他汀钙片20mg*7片", "阿莫西临胶囊 0.25g", "艾力40mg1只", "布洛芬缓释胶囊", "没有这种药"]


def make_table(dsn, n=5000):
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE big (id int PRIMARY KEY, raw text)")
        conn.execute("INSERT INTO big SELECT i, (%s::text[])[1 + i %% %s] FROM generate_series(1, %s) i",
                     (RAWS, len(RAWS), n))
        conn.execute("ANALYZE big")


def test_create_table_as_select_works_when_parallel_plans_are_cheap(mini_db):
    # PL/Python cannot read tables during a parallel query (plpy.execute opens a subtransaction), so
    # drug_parse is PARALLEL UNSAFE and the planner keeps the statement serial even when told otherwise.
    make_table(mini_db)
    with psycopg.connect(mini_db, autocommit=True) as conn:
        for s in ("parallel_setup_cost = 0", "parallel_tuple_cost = 0", "min_parallel_table_scan_size = 0",
                  "max_parallel_workers_per_gather = 2"):
            conn.execute(f"SET {s}")
        marks = dict(conn.execute("SELECT p.oid::regprocedure::text, p.proparallel FROM pg_proc p "
                                  "WHERE p.proname IN ('drug_parse', 'drug_candidates')"))
        assert set(marks.values()) == {"u"}, marks
        conn.execute("CREATE TABLE big_norm AS SELECT id, drug_parse(raw) AS norm FROM big")
        assert conn.execute("SELECT count(*) FROM big_norm WHERE norm->>'input' IS NOT NULL").fetchone()[0] == 5000
        assert conn.execute("SELECT norm->>'trade_name' FROM big_norm WHERE id = 5").fetchone()[0] == "立普妥"


def test_normalize_parses_each_distinct_value_once_and_a_rerun_does_nothing(mini_db):
    make_table(mini_db, 3000)
    first = bulk.normalize(mini_db, "big", "raw", "norm", jobs=2, **QUIET)
    assert first == {"distinct": len(RAWS), "written": 3000, "pending": 0}
    with psycopg.connect(mini_db) as conn:
        groups = dict(conn.execute("SELECT norm->>'generic_name', count(*) FROM big GROUP BY 1"))
        assert groups["阿托伐他汀钙"] == 600
        # the work table (in the table's schema) goes once every row is done
        assert conn.execute("SELECT count(*) FROM pg_class WHERE relname LIKE 'drugnorm_work_%'").fetchone()[0] == 0
    assert bulk.normalize(mini_db, "big", "raw", "norm", jobs=2, **QUIET) == {"distinct": 0, "written": 0,
                                                                             "pending": 0}


def test_normalize_resumes_only_unfinished_rows(mini_db):
    make_table(mini_db, 1000)
    bulk.normalize(mini_db, "big", "raw", "norm", **QUIET)
    with psycopg.connect(mini_db, autocommit=True) as conn:   # as if a run had stopped part-way
        conn.execute("UPDATE big SET norm = NULL WHERE id <= 100")
        stamp = conn.execute("SELECT xmin::text FROM big WHERE id = 500").fetchone()[0]
    again = bulk.normalize(mini_db, "big", "raw", "norm", **QUIET)
    assert again["written"] == 100
    with psycopg.connect(mini_db) as conn:
        assert conn.execute("SELECT xmin::text FROM big WHERE id = 500").fetchone()[0] == stamp  # untouched


def test_normalize_rejects_a_missing_table_or_column_clearly(mini_db):
    import pytest
    from drugnorm_admin.db import AdminError
    with pytest.raises(AdminError, match="does not exist"):
        bulk.normalize(mini_db, "nosuch", "raw", "norm", **QUIET)
    make_table(mini_db, 10)
    with pytest.raises(AdminError, match="has no column"):
        bulk.normalize(mini_db, "big", "nosuch", "norm", **QUIET)
    with pytest.raises(AdminError, match="expected text"):
        bulk.normalize(mini_db, "big", "id", "norm", **QUIET)
