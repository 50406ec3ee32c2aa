"""Migrations: up, down, up again; a second migrate is a no-op; data survives; failures change nothing."""
import psycopg
import pytest

from drugnorm_admin import codegen, migrate
from drugnorm_admin.db import AdminError

QUIET = dict(log=lambda *_: None)


def tables(dsn):
    with psycopg.connect(dsn) as conn:
        return sorted(r[0] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'drugnorm'"))


def test_migrate_up_down_up(empty_db):
    assert migrate.upgrade(empty_db, **QUIET) == migrate.head()
    assert "entry" in tables(empty_db)
    assert migrate.downgrade(empty_db, "0001_lexicon_schema", **QUIET) == "0001_lexicon_schema"
    with psycopg.connect(empty_db) as conn:
        assert conn.execute("SELECT to_regprocedure('drugnorm.drug_parse(text)')").fetchone()[0] is None
    assert migrate.downgrade(empty_db, "base", **QUIET) is None
    assert tables(empty_db) == ["alembic_version"]
    assert migrate.upgrade(empty_db, **QUIET) == migrate.head()
    with psycopg.connect(empty_db) as conn:
        assert conn.execute("SELECT count(*) > 20000 FROM drugnorm.hanzi").fetchone()[0]


def test_migrate_to_a_revision_then_head(empty_db):
    assert migrate.upgrade(empty_db, "0001_lexicon_schema", **QUIET) == "0001_lexicon_schema"
    assert migrate.current(empty_db) == "0001_lexicon_schema"
    assert migrate.upgrade(empty_db, **QUIET) == migrate.head()


def test_second_migrate_is_a_no_op(db):
    said = []
    migrate.upgrade(db, log=said.append)
    assert said[0] == f"already at {migrate.head()}"
    assert not any("filled" in s for s in said)


def test_migrate_keeps_lexicon_rows_and_round_trips_functions(mini_db):
    with psycopg.connect(mini_db) as conn:
        before = conn.execute("SELECT count(*) FROM drugnorm.entry").fetchone()[0]
    assert before > 50
    migrate.downgrade(mini_db, "0001_lexicon_schema", **QUIET)
    migrate.upgrade(mini_db, **QUIET)
    with psycopg.connect(mini_db) as conn:
        assert conn.execute("SELECT count(*) FROM drugnorm.entry").fetchone()[0] == before
        assert conn.execute("SELECT drug_parse('立普妥')->>'trade_name'").fetchone()[0] == "立普妥"


def test_failed_migration_leaves_previous_revision(empty_db):
    migrate.upgrade(empty_db, "0001_lexicon_schema", **QUIET)
    # An object in the way of revision 0002 makes it fail half-way.
    with psycopg.connect(empty_db) as conn:
        conn.execute("CREATE FUNCTION drugnorm.normalize(raw text) RETURNS text LANGUAGE sql AS 'SELECT raw'")
    with pytest.raises(AdminError, match="left at revision 0001_lexicon_schema"):
        migrate.upgrade(empty_db, **QUIET)
    assert migrate.current(empty_db) == "0001_lexicon_schema"
    with psycopg.connect(empty_db) as conn:
        assert conn.execute("SELECT count(*) FROM drugnorm.py_module").fetchone()[0] == 0


def test_frozen_functions_revision_matches_sources():
    """The head revision's SQL is generated from sql/ and plpython/: regenerate after editing them."""
    assert codegen.main(["--check"]) == 0


def test_plpython_source_with_colon_words_survives_the_migration(db):
    """Alembic's op.execute would have read ':word' as a bind parameter; the frozen SQL runs as is."""
    with psycopg.connect(db) as conn:
        stored = dict(conn.execute("SELECT name, source FROM drugnorm.code_modules()"))
    assert any("[1:" in src or ":]" in src for src in stored.values())
    assert stored == dict(codegen.module_sources())
