"""The compiled code cache (drugnorm.code_cache): every install compiles the modules with the server's Python;
a new backend uses those bytes only for the installed code version and this Python, else compiles the
source; only the owner writes the cache."""
import uuid

import psycopg
import pytest

ATORVASTATIN = "(立普妥)阿托伐他汀钙片20mg*7片"


def _installed(conn):
    return conn.execute("SELECT drugnorm.version()->>'code'").fetchone()[0]


def _module_flag(conn, module, name):
    """A global of a loaded module of this backend (None when it has no such name)."""
    conn.execute("SELECT drug_parse('x')")
    conn.execute("""CREATE FUNCTION pg_temp.probe(m text, n text) RETURNS text LANGUAGE plpython3u AS $$
import sys
return repr(getattr(sys.modules["drugnorm." + m], n, None))
$$""")
    return conn.execute("SELECT pg_temp.probe(%s, %s)", (module, name)).fetchone()[0]


def _plant(conn, module, line, version=None):
    """Put the module compiled with one more line into the cache, as the superuser could."""
    conn.execute(f"""DO $$
import importlib.util, marshal
src = plpy.execute("SELECT source FROM drugnorm.code_modules() WHERE name = '{module}'")[0]["source"]
code = compile(src + "\\n{line}\\n", "plpython/{module}.py", "exec")
plan = plpy.prepare("UPDATE drugnorm.code_cache SET code = $1, code_version = coalesce($2, code_version) "
                    "WHERE name = '{module}'", ["bytea", "text"])
plpy.execute(plan, [marshal.dumps(code), {version!r}])
$$ LANGUAGE plpython3u""")


def test_every_install_compiles_each_module_for_the_installed_code(mini_db):
    with psycopg.connect(mini_db) as conn:
        modules = {r[0] for r in conn.execute("SELECT name FROM drugnorm.code_modules()")}
        rows = conn.execute("SELECT name, code_version FROM drugnorm.code_cache").fetchall()
        assert {n for n, _ in rows} == modules
        assert {v for _, v in rows} == {_installed(conn)}


def test_a_new_backend_runs_the_cached_code(mini_db):
    with psycopg.connect(mini_db, autocommit=True) as conn:
        _plant(conn, "settings", "FROM_THE_CACHE = True")
    with psycopg.connect(mini_db, autocommit=True) as conn:
        assert _module_flag(conn, "settings", "FROM_THE_CACHE") == "True"
        assert conn.execute("SELECT drug_parse(%s)->>'trade_name'", (ATORVASTATIN,)).fetchone()[0] == "立普妥"


def test_cached_code_of_another_code_version_is_not_used(mini_db):
    with psycopg.connect(mini_db, autocommit=True) as conn:
        _plant(conn, "settings", "FROM_THE_CACHE = True", version="0000000000000000")
    with psycopg.connect(mini_db, autocommit=True) as conn:
        assert _module_flag(conn, "settings", "FROM_THE_CACHE") == "None"


def test_cached_code_of_another_python_is_not_used(mini_db):
    with psycopg.connect(mini_db, autocommit=True) as conn:
        _plant(conn, "settings", "FROM_THE_CACHE = True")
        conn.execute("UPDATE drugnorm.code_cache SET magic = '\\x00000d0a'::bytea")
    with psycopg.connect(mini_db, autocommit=True) as conn:
        assert _module_flag(conn, "settings", "FROM_THE_CACHE") == "None"


def test_unreadable_or_missing_cache_compiles_the_source(mini_db):
    with psycopg.connect(mini_db, autocommit=True) as conn:
        conn.execute("UPDATE drugnorm.code_cache SET code = '\\x00ff'::bytea WHERE name = 'pipeline'")
        conn.execute("DELETE FROM drugnorm.code_cache WHERE name = 'server'")
    with psycopg.connect(mini_db, autocommit=True) as conn:
        assert conn.execute("SELECT drug_parse(%s)->>'trade_name'", (ATORVASTATIN,)).fetchone()[0] == "立普妥"



def test_a_cached_name_that_is_no_module_of_the_code_is_never_imported(mini_db):
    # the loader reads the cache alone; a row named like a standard module must not shadow it
    with psycopg.connect(mini_db, autocommit=True) as conn:
        conn.execute("""DO $$
import importlib.util, marshal
v = plpy.execute("SELECT drugnorm.version()->>'code' AS v")[0]["v"]
plan = plpy.prepare("INSERT INTO drugnorm.code_cache (name, code_version, magic, code) VALUES ('json', $1, $2, $3)",
                    ["text", "bytea", "bytea"])
plpy.execute(plan, [v, importlib.util.MAGIC_NUMBER, marshal.dumps(compile("PLANTED = True", "json", "exec"))])
$$ LANGUAGE plpython3u""")
    with psycopg.connect(mini_db, autocommit=True) as conn:
        assert conn.execute("SELECT drug_parse(%s)->>'trade_name'", (ATORVASTATIN,)).fetchone()[0] == "立普妥"
        assert _module_flag(conn, "server", "json") != "None"
        conn.execute("""CREATE FUNCTION pg_temp.planted() RETURNS text LANGUAGE plpython3u AS $$
import sys
return repr([k for k, m in sys.modules.items() if getattr(m, "PLANTED", False)])
$$""")
        assert conn.execute("SELECT pg_temp.planted()").fetchone()[0] == "[]"

@pytest.mark.parametrize("grant", ["drugnorm_reader", "drugnorm_editor"])
def test_only_the_owner_writes_the_cache(mini_db, grant):
    name = f"r_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(mini_db, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {name} LOGIN IN ROLE {grant}")
    try:
        with psycopg.connect(psycopg.conninfo.make_conninfo(mini_db, user=name)) as conn:
            for sql in ("UPDATE drugnorm.code_cache SET code = code", "DELETE FROM drugnorm.code_cache",
                        "INSERT INTO drugnorm.code_cache VALUES ('x', 'y', '\\x00', '\\x00')",
                        "SELECT drugnorm.compile_code()"):
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    conn.execute(sql)
                conn.rollback()
    finally:
        with psycopg.connect(mini_db, autocommit=True) as conn:
            conn.execute(f"DROP ROLE {name}")
