"""A hospital upgrades for years: from the previous release to head and back, nothing it added is lost;
the chain of revisions builds exactly the current schema; the code travels with pg_dump."""
from __future__ import annotations

import subprocess

import psycopg
import pytest

from drugnorm_admin import cli, codegen, loader, migrate, pgserver
from drugnorm_admin.db import AdminError
from drugnorm_admin.paths import SQL_DIR

from conftest import DATA

QUIET = dict(log=lambda *_: None)
PREVIOUS_RELEASE = "0002_functions"   # release 0.9.0

# What a DBA compares after an upgrade: every object of drugnorm, its definition, owner-independent grants.
CATALOG = {
    "relations": """
        SELECT c.relname, c.relkind::text, coalesce(c.relacl::text, '') FROM pg_class c
        WHERE c.relnamespace = 'drugnorm'::regnamespace AND c.relname NOT LIKE 'alembic\\_version%'""",
    "columns": """
        SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull::text,
               coalesce(pg_get_expr(d.adbin, d.adrelid), ''), a.attidentity::text
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE c.relnamespace = 'drugnorm'::regnamespace AND a.attnum > 0 AND NOT a.attisdropped
          AND c.relname NOT LIKE 'alembic\\_version%'""",
    "constraints": """
        SELECT conrelid::regclass::text, pg_get_constraintdef(oid) FROM pg_constraint
        WHERE connamespace = 'drugnorm'::regnamespace AND conrelid::regclass::text NOT LIKE 'drugnorm.alembic%'""",
    "indexes": """
        SELECT regexp_replace(indexdef, 'INDEX \\S+ ON', 'INDEX ON') FROM pg_indexes
        WHERE schemaname = 'drugnorm' AND tablename <> 'alembic_version'""",
    "views": "SELECT viewname, definition FROM pg_views WHERE schemaname = 'drugnorm'",
    "triggers": """
        SELECT tgrelid::regclass::text, tgname, pg_get_triggerdef(oid) FROM pg_trigger
        WHERE NOT tgisinternal AND tgrelid IN (SELECT oid FROM pg_class
                                             WHERE relnamespace = 'drugnorm'::regnamespace)""",
    "functions": """
        SELECT p.oid::regprocedure::text, md5(pg_get_functiondef(p.oid)), coalesce(p.proacl::text, '')
        FROM pg_proc p WHERE p.pronamespace = 'drugnorm'::regnamespace
           OR (p.pronamespace = 'public'::regnamespace AND p.proname LIKE 'drug\\_%')""",
    "schema": "SELECT nspname, coalesce(nspacl::text, '') FROM pg_namespace WHERE nspname = 'drugnorm'",
    "extensions": "SELECT extname, extnamespace::regnamespace::text FROM pg_extension",
    # Seed rows the code depends on.
    "dictionaries": "SELECT name, attribute, kind, priority::text FROM drugnorm.dictionary",
    "settings": "SELECT name, value, description FROM drugnorm.setting",
    "char_models": "SELECT name, kind, symbols, priority::text, description FROM drugnorm.char_model",
}


def catalog(dsn: str) -> dict[str, list[tuple]]:
    with psycopg.connect(dsn) as conn:
        return {name: sorted(conn.execute(q).fetchall()) for name, q in CATALOG.items()}


def assert_same_catalog(a: dict, b: dict) -> None:
    for part in CATALOG:
        only_a = sorted(set(a[part]) - set(b[part]))
        only_b = sorted(set(b[part]) - set(a[part]))
        assert (part, only_a, only_b) == (part, [], []), part


def test_the_chain_of_revisions_builds_exactly_the_current_schema(pg_server, empty_db):
    """procrastinate's check: migrating through every revision equals installing sql/schema.sql and the
    current code in one go (tables, columns, indexes, functions, grants, seed rows)."""
    migrate.upgrade(empty_db, **QUIET)
    fresh = pg_server.create_db()
    try:
        with psycopg.connect(pg_server.dsn(fresh), autocommit=True) as conn:
            conn.execute("CREATE SCHEMA drugnorm")
            conn.execute((SQL_DIR / "schema.sql").read_text(encoding="utf-8"))
            conn.execute("CREATE TABLE drugnorm.alembic_version (version_num varchar(32) PRIMARY KEY)")
            conn.execute(codegen.render())
        assert_same_catalog(catalog(empty_db), catalog(pg_server.dsn(fresh)))
    finally:
        pg_server.drop_db(fresh)


def test_downgrade_restores_the_previous_release_exactly(pg_server, empty_db):
    migrate.upgrade(empty_db, PREVIOUS_RELEASE, **QUIET)
    before = catalog(empty_db)
    migrate.upgrade(empty_db, **QUIET)
    migrate.downgrade(empty_db, PREVIOUS_RELEASE, **QUIET)
    assert_same_catalog(catalog(empty_db), before)


HOSPITAL_SYNONYMS = "dict\tterm\tstandard\tgeneric\nproduct_name\t络活喜片\t苯磺酸氨氯地平片\t\n" \
                    "manufacturer\t辉瑞大连\t辉瑞制药有限公司\t\n"
STRINGS = ["(立普妥)阿托伐他汀钙片20mg*7片", "络活喜片5mg*7片", "阿莫西临胶囊 0.25g*24粒", "注射用头孢曲松钠 1g"]


def _hospital_state(dsn: str) -> dict:
    with psycopg.connect(dsn) as conn:
        return {
            "entries": conn.execute("SELECT dict, term, key, standard_id IS NULL, source FROM drugnorm.entry "
                                    "ORDER BY dict, key").fetchall(),
            "versions": conn.execute("SELECT version, loaded_by, what FROM drugnorm.lexicon_version "
                                     "ORDER BY version").fetchall(),
            "review": conn.execute("SELECT fragment, count, resolved_dict, resolved_standard "
                                   "FROM drugnorm.review_item ORDER BY fragment").fetchall(),
            "events": conn.execute("SELECT fragment, n FROM drugnorm.review_event ORDER BY fragment").fetchall(),
            "rx": conn.execute("SELECT id, raw, norm FROM public.rx ORDER BY id").fetchall(),
            "settings": conn.execute("SELECT name, value FROM drugnorm.setting ORDER BY name").fetchall(),
        }


def test_upgrade_from_the_previous_release_keeps_what_the_hospital_added(tmp_path, empty_db):
    # A hospital on 0.9.0: the bundled test lexicon, its own synonyms, review decisions, a normalized table.
    migrate.upgrade(empty_db, PREVIOUS_RELEASE, **QUIET)
    own = tmp_path / "hospital.tsv"
    own.write_text(HOSPITAL_SYNONYMS, encoding="utf-8")
    loader.load(empty_db, [DATA / "mini_lexicon.tsv"], **QUIET)
    loader.load(empty_db, [own], **QUIET)
    with psycopg.connect(empty_db) as conn:
        conn.execute("INSERT INTO drugnorm.review_event (fragment, match, n) VALUES ('阿莫西临', 'fuzzy', 3)")
        conn.execute("INSERT INTO drugnorm.review_item (fragment, match, count, first_seen, last_seen, "
                     "resolved_dict, resolved_standard, resolved_version) VALUES ('头孢曲松', 'fuzzy', 7, now(), "
                     "now(), 'generic_name', '头孢曲松钠', (SELECT version FROM drugnorm.state))")
        conn.execute("UPDATE drugnorm.setting SET value = '0.65' WHERE name = 'accept'")
        conn.execute("CREATE TABLE public.rx (id int PRIMARY KEY, raw text, norm jsonb)")
        for i, raw in enumerate(STRINGS):
            conn.execute("INSERT INTO public.rx VALUES (%s, %s, drug_parse(%s))", (i, raw, raw))
        # The hospital's own view over the results depends on drug_parse: an upgrade must keep it.
        conn.execute("CREATE VIEW public.rx_generic AS SELECT id, drug_parse(raw)->>'generic_name' AS g FROM rx")
        old_parse = [conn.execute("SELECT drug_parse(%s)", (raw,)).fetchone()[0] for raw in STRINGS]
    kept = _hospital_state(empty_db)

    assert cli.main(["--dsn", empty_db, "migrate"]) == 0
    assert migrate.current(empty_db) == migrate.head()
    assert _hospital_state(empty_db) == kept
    with psycopg.connect(empty_db) as conn:
        version = conn.execute("SELECT drugnorm.version()").fetchone()[0]
        assert version["code"] == codegen.code_version() and version["revision"] == migrate.head()
        new_parse = [conn.execute("SELECT drug_parse(%s)", (raw,)).fetchone()[0] for raw in STRINGS]
        assert conn.execute("SELECT count(*) FROM public.rx_generic WHERE g IS NOT NULL").fetchone()[0] >= 3
    for old, new in zip(old_parse, new_parse):   # same answers, from the new code
        for field in ("generic_name", "product_name", "trade_name", "manufacturer", "strength", "package"):
            assert new[field] == old[field], (old["input"], field)

    migrate.downgrade(empty_db, PREVIOUS_RELEASE, **QUIET)
    assert _hospital_state(empty_db) == kept
    with psycopg.connect(empty_db) as conn:
        assert conn.execute("SELECT to_regprocedure('drugnorm.version()')").fetchone()[0] is None
        # 0.9.0's code is back, row for row, and runs.
        modules = conn.execute("SELECT count(*) FROM drugnorm.py_module").fetchone()[0]
        assert modules == 10
        again = [conn.execute("SELECT drug_parse(%s)", (raw,)).fetchone()[0] for raw in STRINGS]
    assert [d["generic_name"] for d in again] == [d["generic_name"] for d in old_parse]


def test_the_code_is_loaded_under_one_namespace_without_touching_other_modules(mini_db):
    with psycopg.connect(mini_db) as conn:
        conn.execute("CREATE FUNCTION pg_temp.py_modules() RETURNS text[] LANGUAGE plpython3u AS $$\n"
                     "import sys, types\n"
                     "sys.modules.setdefault('server', types.ModuleType('server')).mine = True\n"
                     "return sorted(k for k in sys.modules if k.startswith('drugnorm') or k in "
                     "('server', 'pipeline', 'lexicon', 'inference'))\n$$")
        conn.execute("SELECT pg_temp.py_modules()")
        assert conn.execute("SELECT drug_parse('立普妥')->>'trade_name'").fetchone()[0] == "立普妥"
        names = conn.execute("SELECT pg_temp.py_modules()").fetchone()[0]
    assert "drugnorm.server" in names and "drugnorm.pipeline" in names
    assert not {"pipeline", "lexicon", "inference"} & set(names)   # only the other code's own 'server'


def _run(cmd):
    res = subprocess.run(cmd, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    return res


@pytest.mark.parametrize("schema_only", [False, True], ids=["full", "schema-only"])
def test_pg_dump_and_restore_give_working_functions(pg_server, mini_db, tmp_path, schema_only):
    bindir = pgserver.find_bindir()
    dump = tmp_path / "drugnorm.dump"
    _run([str(bindir / "pg_dump"), "-Fc", "-f", str(dump), *(["--schema-only"] if schema_only else []),
          "-d", mini_db])
    target = pg_server.create_db()
    try:
        _run([str(bindir / "pg_restore"), "--exit-on-error", "-d", pg_server.dsn(target), str(dump)])
        with psycopg.connect(pg_server.dsn(target)) as conn:
            assert conn.execute("SELECT count(*) FROM drugnorm.code_modules()").fetchone()[0] > 5
            if schema_only:   # the code is there; the seed rows are data, so it says what to do
                with pytest.raises(psycopg.errors.ExternalRoutineException, match="run drugnorm-admin init"):
                    conn.execute("SELECT drug_parse('立普妥')")
                return
            doc = conn.execute("SELECT drug_parse('(立普妥)阿托伐他汀钙片20mg*7片')").fetchone()[0]
            assert (doc["strength"], doc["trade_name"]) == ("20mg", "立普妥")
            top = conn.execute("SELECT standard FROM drug_candidates('阿莫西临胶囊') LIMIT 1").fetchone()
            assert top == ("阿莫西林胶囊",)
            assert conn.execute("SELECT count(*) FROM drug_lookup('amxl')").fetchone()[0] > 0
    finally:
        pg_server.drop_db(target)


@pytest.fixture
def db_owner(pg_server):
    """A database owned by a role that is not a superuser, as hospitals hand them out."""
    role = "owner_" + pg_server.create_db().replace("t_", "")[:8]
    pg_server.execute(f"CREATE ROLE {role} LOGIN")
    name = pg_server.create_db(owner=role)
    yield role, pg_server.dsn(name), psycopg.conninfo.make_conninfo(pg_server.dsn(name), user=role)
    pg_server.drop_db(name)
    pg_server.execute(f"DROP ROLE {role}")


def _has_schema(dsn) -> bool:
    with psycopg.connect(dsn) as conn:
        return conn.execute("SELECT to_regnamespace('drugnorm') IS NOT NULL").fetchone()[0]


def test_the_database_owner_cannot_install_and_leaves_nothing_behind(db_owner):
    role, admin_dsn, owner_dsn = db_owner
    with pytest.raises(AdminError, match=f"role {role} is not a superuser"):
        migrate.upgrade(owner_dsn, **QUIET)
    assert not _has_schema(admin_dsn)


def test_a_failed_first_install_leaves_no_schema(empty_db):
    with psycopg.connect(empty_db, autocommit=True) as conn:
        # The first table of revision 0001 fails, after its CREATE SCHEMA went through.
        conn.execute("CREATE FUNCTION public.no_tables() RETURNS event_trigger LANGUAGE plpgsql AS "
                     "$$BEGIN RAISE EXCEPTION 'no tables today'; END$$")
        conn.execute("CREATE EVENT TRIGGER no_tables ON ddl_command_end WHEN TAG IN ('CREATE TABLE') "
                     "EXECUTE FUNCTION public.no_tables()")
    with pytest.raises(AdminError, match="left at revision None.*no tables today"):
        migrate.upgrade(empty_db, **QUIET)
    assert not _has_schema(empty_db)


@pytest.mark.parametrize("plant", [
    "CREATE SCHEMA drugnorm",                                                         # before install
    "CREATE FUNCTION public.drug_parse(raw text) RETURNS jsonb LANGUAGE sql AS 'SELECT NULL::jsonb'",
])
def test_migrate_refuses_objects_a_database_owner_planted(db_owner, plant):
    role, admin_dsn, owner_dsn = db_owner
    with psycopg.connect(owner_dsn, autocommit=True) as conn:
        conn.execute(plant)
    with pytest.raises(AdminError, match=f"refusing to migrate: .*owned by {role}"):
        migrate.upgrade(admin_dsn, **QUIET)
    with psycopg.connect(admin_dsn) as conn:
        assert conn.execute("SELECT to_regclass('drugnorm.entry')").fetchone()[0] is None


def test_migrate_refuses_to_upgrade_a_schema_whose_objects_changed_owner(db_owner):
    role, admin_dsn, owner_dsn = db_owner
    migrate.upgrade(admin_dsn, PREVIOUS_RELEASE, **QUIET)
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f"ALTER TABLE drugnorm.py_module OWNER TO {role}")
    with pytest.raises(AdminError, match=f"table drugnorm.py_module \\(owned by {role}\\)"):
        migrate.upgrade(admin_dsn, **QUIET)
    assert migrate.current(admin_dsn) == PREVIOUS_RELEASE


# --- keys: 0.10 normalizes text differently (a subscript is its plain character: K₁ is K1), and every key
# was computed by 0.9.0's normalization when it was loaded --------------------------------------------------

VITAMIN_K1 = ("dict\tterm\tstandard\tgeneric\tproduct\tdosage_form\n"
              "generic_name\t维生素K₁\t\t\t\t\n"
              "product_name\t维生素K₁注射液\t\t维生素K₁\t\t注射液\n")
ENTRY_COLUMNS = "dict, term, key, readings, tokens, dim_len, char_sq, pinyin, initials"


def _on_0_9(dsn, tmp_path, hospital: str) -> None:
    """A 0.9.0 database holding the tests' bundled lexicon and a hospital's own dictionary file."""
    migrate.upgrade(dsn, PREVIOUS_RELEASE, **QUIET)
    own = tmp_path / "hospital.tsv"
    own.write_text(hospital, encoding="utf-8")
    loader.load(dsn, [DATA / "mini_lexicon.tsv"], **QUIET)
    loader.load(dsn, [own], **QUIET)


def _derived(dsn, terms) -> dict:
    """What is computed from the keys of some entries: their columns, postings, lookup codes, weights, and
    the frequencies of their tokens."""
    with psycopg.connect(dsn) as conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM drugnorm.entry WHERE term = ANY(%s)", (terms,))]
        return {
            "entries": conn.execute(f"SELECT {ENTRY_COLUMNS} FROM drugnorm.entry WHERE id = ANY(%s) "
                                    "ORDER BY dict, term", (ids,)).fetchall(),
            "postings": conn.execute("SELECT e.term, p.token, p.len FROM drugnorm.posting p JOIN drugnorm.entry e "
                                     "ON e.id = p.entry_id WHERE e.id = ANY(%s) ORDER BY 1, 2", (ids,)).fetchall(),
            "codes": conn.execute("SELECT e.term, c.code, c.kind, c.variant FROM drugnorm.lookup_code c "
                                  "JOIN drugnorm.entry e ON e.id = c.entry_id WHERE e.id = ANY(%s) ORDER BY 1, 2, 3",
                                  (ids,)).fetchall(),
            "weights": conn.execute("SELECT e.term, round(u.w::numeric, 9) FROM drugnorm.entry_weight x JOIN "
                                    "drugnorm.entry e ON e.id = x.entry_id CROSS JOIN unnest(x.w) AS u(w) "
                                    "WHERE e.id = ANY(%s) ORDER BY 1", (ids,)).fetchall(),
            "df": conn.execute("SELECT ts.token, ts.df, (SELECT count(*) FROM drugnorm.entry e "
                               "WHERE ts.token = ANY(e.tokens))::int FROM drugnorm.token_stat ts WHERE ts.token IN "
                               "(SELECT unnest(tokens) FROM drugnorm.entry WHERE id = ANY(%s)) ORDER BY 1",
                               (ids,)).fetchall(),
            "stale_postings": conn.execute("SELECT count(*) FROM drugnorm.posting p WHERE NOT EXISTS (SELECT FROM "
                                           "drugnorm.entry e WHERE e.id = p.entry_id AND p.token = ANY(e.tokens))"
                                           ).fetchone()[0],
        }


def test_an_upgrade_computes_the_keys_0_10_normalizes_differently(pg_server, tmp_path, empty_db):
    # 0.9.0 kept the subscript: the hospital's 维生素K₁ has key 维生素k₁, which no 0.10 input gives.
    _on_0_9(empty_db, tmp_path, VITAMIN_K1)
    with psycopg.connect(empty_db) as conn:
        assert conn.execute("SELECT key FROM drugnorm.entry WHERE term = '维生素K₁'").fetchone()[0] == "维生素k₁"

    assert cli.main(["--dsn", empty_db, "migrate"]) == 0
    with psycopg.connect(empty_db) as conn:
        doc = conn.execute("SELECT drug_parse('维生素K₁注射液 1ml:10mg')").fetchone()[0]
        assert (doc["product_name"], doc["generic_name"], doc["status"]) == ("维生素K₁注射液", "维生素K₁", "exact")
        # the fuzzy scoring reads the new key's tokens: the entry scores in full against its own key
        top = conn.execute("SELECT term, s FROM drug_candidates('维生素K1') LIMIT 1").fetchone()
        assert top[0] == "维生素K₁" and top[1] == pytest.approx(1.0)
        assert conn.execute("SELECT term FROM drug_lookup('wsskk1') LIMIT 1").fetchone()[0] == "维生素K₁"
        event = conn.execute("SELECT v.what FROM drugnorm.lexicon_version v JOIN drugnorm.state s "
                             "ON s.version = v.version").fetchone()[0]
        assert event["rekeyed"] == 2 and event["kept_0_9_keys"] == []

    # exactly what loading the same files with 0.10 gives
    fresh = pg_server.create_db()
    try:
        fresh_dsn = pg_server.dsn(fresh)
        migrate.upgrade(fresh_dsn, **QUIET)
        loader.load(fresh_dsn, [DATA / "mini_lexicon.tsv", tmp_path / "hospital.tsv"], **QUIET)
        upgraded = _derived(empty_db, ["维生素K₁", "维生素K₁注射液"])
        assert upgraded == _derived(fresh_dsn, ["维生素K₁", "维生素K₁注射液"])
        assert all(df == count for _, df, count in upgraded["df"]) and upgraded["stale_postings"] == 0
    finally:
        pg_server.drop_db(fresh)

    # a downgrade restores 0.9.0's code and leaves the keys as 0.10 computed them
    migrate.downgrade(empty_db, PREVIOUS_RELEASE, **QUIET)
    with psycopg.connect(empty_db) as conn:
        assert conn.execute("SELECT key FROM drugnorm.entry WHERE term = '维生素K₁'").fetchone()[0] == "维生素k1"


def test_entries_that_get_one_key_and_mean_the_same_are_both_kept(tmp_path, empty_db):
    # The hospital wrote K1 both ways: the synonym with a subscript keeps its 0.9.0 key, and says so.
    _on_0_9(empty_db, tmp_path, "dict\tterm\tstandard\tgeneric\ngeneric_name\t维生素K1\t\t\ngeneric_name\t维生素K₁\t维生素K1\t\n")
    assert cli.main(["--dsn", empty_db, "migrate"]) == 0
    with psycopg.connect(empty_db) as conn:
        rows = conn.execute("SELECT term, key, standard_id IS NULL FROM drugnorm.entry "
                            "WHERE term LIKE '维生素K%' ORDER BY term").fetchall()
        assert rows == [("维生素K1", "维生素k1", True), ("维生素K₁", "维生素k₁", False)]
        what = conn.execute("SELECT v.what FROM drugnorm.lexicon_version v JOIN drugnorm.state s "
                            "ON s.version = v.version").fetchone()[0]
        assert what["kept_0_9_keys"] == [{"dict": "generic_name", "term": "维生素K₁", "key": "维生素k₁",
                                          "new_key": "维生素k1"}]
        assert conn.execute("SELECT drug_parse('维生素K₁')->>'generic_name'").fetchone()[0] == "维生素K1"


def test_entries_that_get_one_key_and_mean_different_things_stop_the_upgrade(tmp_path, empty_db, capsys):
    _on_0_9(empty_db, tmp_path, "dict\tterm\tstandard\tgeneric\tproduct\tdosage_form\n"
                                "product_name\t维生素K₁注射液\t\t阿莫西林\t\t注射液\n"
                                "product_name\t维生素K1注射液\t\t布洛芬\t\t注射液\n")
    assert cli.main(["--dsn", empty_db, "migrate"]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert "migration 0003: product_name entries " in err and " and " in err     # both, with what they mean
    assert "维生素K₁注射液 (generic 阿莫西林, dosage_form 注射液)" in err and "维生素K1注射液 (generic 布洛芬, dosage_form 注射液)" in err
    assert "'维生素k1注射液'" in err and "drugnorm-admin 0.9.0" in err
    assert migrate.current(empty_db) == PREVIOUS_RELEASE


def test_the_script_of_migrate_sql_computes_the_keys_too(tmp_path, empty_db, capsys):
    _on_0_9(empty_db, tmp_path, VITAMIN_K1)
    assert cli.main(["--dsn", empty_db, "migrate", "--sql"]) == 0
    script = tmp_path / "upgrade.sql"
    script.write_text(capsys.readouterr().out, encoding="utf-8")
    res = subprocess.run([str(pgserver.find_bindir() / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", empty_db,
                          "-f", str(script)], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr[-2000:]
    with psycopg.connect(empty_db) as conn:
        assert conn.execute("SELECT key FROM drugnorm.entry WHERE term = '维生素K₁'").fetchone()[0] == "维生素k1"
        assert conn.execute("SELECT drug_parse('维生素K₁')->>'generic_name'").fetchone()[0] == "维生素K₁"
