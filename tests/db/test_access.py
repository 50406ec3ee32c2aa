"""Who can do what: a role granted drugnorm_reader calls drug_parse unqualified from a fresh session,
cannot change the lexicon, and objects planted in public do not change results."""
import uuid

import psycopg
import pytest


@pytest.fixture
def reader(mini_db):
    name = f"reader_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(mini_db, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {name} LOGIN IN ROLE drugnorm_reader")
    yield psycopg.conninfo.make_conninfo(mini_db, user=name)
    with psycopg.connect(mini_db, autocommit=True) as conn:
        conn.execute(f"DROP OWNED BY {name}")
        conn.execute(f"DROP ROLE {name}")


def test_drug_parse_null_is_null(mini_db):
    with psycopg.connect(mini_db) as conn:
        assert conn.execute("SELECT drug_parse(NULL)").fetchone()[0] is None


def test_fresh_reader_session_calls_drug_parse_unqualified(reader):
    with psycopg.connect(reader) as conn:
        doc = conn.execute("SELECT drug_parse('(立普妥)阿托伐他汀钙片20mg*7片')").fetchone()[0]
        assert doc["trade_name"] == "立普妥"
        assert conn.execute("SELECT count(*) FROM drug_candidates('阿莫西临胶囊')").fetchone()[0] > 0


def test_reader_cannot_modify_the_lexicon(reader):
    with psycopg.connect(reader) as conn:
        for sql in ("DELETE FROM drugnorm.entry", "UPDATE drugnorm.setting SET value = '1'",
                    "CREATE OR REPLACE FUNCTION drugnorm.code_modules() RETURNS TABLE (name text, source text) "
                    "LANGUAGE sql AS $$ VALUES ('server', 'raise SystemExit') $$"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(sql)
            conn.rollback()


def test_role_without_grant_cannot_call(mini_db):
    name = f"nobody_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(mini_db, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {name} LOGIN")
    try:
        with psycopg.connect(psycopg.conninfo.make_conninfo(mini_db, user=name)) as conn:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("SELECT drug_parse('立普妥')")
    finally:
        with psycopg.connect(mini_db, autocommit=True) as conn:
            conn.execute(f"DROP ROLE {name}")


def test_hostile_objects_in_public_do_not_change_results(mini_db):
    raw = "(立普妥)阿托伐他汀钙片20mg*7片"
    with psycopg.connect(mini_db, autocommit=True) as conn:
        before = conn.execute("SELECT drugnorm.drug_parse(%s)", (raw,)).fetchone()[0]
        conn.execute("CREATE TABLE public.entry (id int)")
        conn.execute("CREATE FUNCTION public.coalesce_(a text) RETURNS text LANGUAGE sql AS 'SELECT a'")
        conn.execute("CREATE FUNCTION public.lower(text) RETURNS text LANGUAGE sql AS $$SELECT 'pwned'$$")
        conn.execute("CREATE FUNCTION public.unnest(text[]) RETURNS SETOF text LANGUAGE sql AS $$SELECT 'x'$$")
        conn.execute("SET search_path = public, pg_catalog")
        after = conn.execute("SELECT drugnorm.drug_parse(%s)", (raw,)).fetchone()[0]
        cands = conn.execute("SELECT standard FROM drugnorm.drug_candidates('阿莫西临胶囊') LIMIT 1").fetchone()
    assert after == before
    assert cands[0] == "阿莫西林胶囊"
