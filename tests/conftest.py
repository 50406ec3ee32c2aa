"""Fixtures: a real PostgreSQL for the whole session, a migrated template database, a fresh clone per test.

DRUGNORM_TEST_DSN points the tests at an existing server instead (its role must be able to create
databases and roles); otherwise a throwaway cluster is started here and removed at the end.
"""
from __future__ import annotations

import os
import uuid
from pathlib import Path

import psycopg
import pytest

DATA = Path(__file__).parent / "data"


class Server:
    def __init__(self, admin_dsn: str):
        self.admin_dsn = admin_dsn

    def dsn(self, dbname: str) -> str:
        return psycopg.conninfo.make_conninfo(self.admin_dsn, dbname=dbname)

    def execute(self, sql: str) -> None:
        with psycopg.connect(self.admin_dsn, autocommit=True) as conn:
            conn.execute(sql)

    def create_db(self, template: str | None = None, **opts) -> str:
        name = f"t_{uuid.uuid4().hex[:12]}"
        extra = " ".join(f"{k} = '{v}'" for k, v in opts.items())
        self.execute(f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else "") + f" {extra}")
        return name

    def drop_db(self, name: str) -> None:
        self.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="session")
def pg_server():
    dsn = os.environ.get("DRUGNORM_TEST_DSN")
    if dsn:
        yield Server(dsn)
        return
    from pgcluster import Postgresql
    pg = Postgresql()
    try:
        yield Server(pg.libpq_dsn("postgres"))
    finally:
        pg.stop()


@pytest.fixture(scope="session")
def migrated_template(pg_server):
    """A database at head with the hanzi table filled; tests clone it (fast and isolated)."""
    from drugnorm_admin import migrate
    name = pg_server.create_db()
    migrate.upgrade(pg_server.dsn(name), log=lambda *_: None)
    yield name
    pg_server.drop_db(name)


@pytest.fixture(scope="session")
def mini_template(pg_server, migrated_template):
    """The migrated template with the tests' small lexicon (tests/data/mini_lexicon.tsv) loaded."""
    from drugnorm_admin import loader
    name = pg_server.create_db(template=migrated_template)
    loader.load(pg_server.dsn(name), [DATA / "mini_lexicon.tsv"], log=lambda *_: None)
    yield name
    pg_server.drop_db(name)


@pytest.fixture(scope="session")
def bundled_template(pg_server, migrated_template):
    """The migrated template with the bundled lexicon (lexicon/default) loaded, as `init` loads it."""
    from drugnorm_admin import loader
    from drugnorm_admin.paths import DEFAULT_LEXICON_DIR
    name = pg_server.create_db(template=migrated_template)
    loader.load(pg_server.dsn(name), sorted(DEFAULT_LEXICON_DIR.glob("*.tsv")), log=lambda *_: None)
    yield name
    pg_server.drop_db(name)


@pytest.fixture
def bundled_db(pg_server, bundled_template):
    """DSN of a fresh database holding the bundled lexicon."""
    name = pg_server.create_db(template=bundled_template)
    yield pg_server.dsn(name)
    pg_server.drop_db(name)


@pytest.fixture
def db(pg_server, migrated_template):
    """DSN of a fresh migrated database with an empty lexicon."""
    name = pg_server.create_db(template=migrated_template)
    yield pg_server.dsn(name)
    pg_server.drop_db(name)


@pytest.fixture
def mini_db(pg_server, mini_template):
    """DSN of a fresh database holding the tests' small lexicon."""
    name = pg_server.create_db(template=mini_template)
    yield pg_server.dsn(name)
    pg_server.drop_db(name)


@pytest.fixture
def empty_db(pg_server):
    """DSN of a fresh database with nothing of drugnorm in it."""
    name = pg_server.create_db()
    yield pg_server.dsn(name)
    pg_server.drop_db(name)
