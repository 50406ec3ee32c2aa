"""normalize, renormalize, attach, detach and stats on hospital tables they must not damage (issue 13):
names resolved once the way SQL resolves them, arguments that would corrupt or block a table refused in one
line, a trigger that never loses a row, work done as the table's owner rather than as a superuser, and
renormalize redoing results that name a term load-dict --replace removed."""
import hashlib
import uuid
from pathlib import Path

import psycopg
import pytest

from drugnorm_admin import bulk, cli, loader, stats
from drugnorm_admin.db import AdminError

DATA = Path(__file__).parents[1] / "data"
QUIET = dict(log=lambda *_: None)
RAWS = ["(立普妥)阿托伐他汀钙片20mg*7片", "艾力40mg1只", "布洛芬缓释胶囊", "没有这种药"]


def run(dsn, sql, params=None):
    with psycopg.connect(dsn, autocommit=True) as conn:
        cur = conn.execute(sql, params)
        return cur.fetchall() if cur.description else None


def as_role(dsn, role):
    return psycopg.conninfo.make_conninfo(dsn, user=role)


def columns(dsn, table):
    return {r[0] for r in run(dsn, "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
                                   "AND NOT attisdropped", (table,))}


def triggers(dsn, table):
    return run(dsn, "SELECT tgname, tgargs FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal "
                    "ORDER BY 1", (table,))


def cli_error(dsn, capsys, *argv):
    """Run the CLI; it must fail with exactly one line on stderr (no traceback). Returns that line."""
    capsys.readouterr()
    assert cli.main(["--dsn", dsn, *argv]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("drugnorm-admin: error: "), err
    return err


@pytest.fixture
def role(mini_db):
    """A login role granted drugnorm_reader, with a schema of its own; dropped afterwards."""
    made = []

    def make(reader=True, schema=True):
        name = f"hosp_{uuid.uuid4().hex[:8]}"
        run(mini_db, f"CREATE ROLE {name} LOGIN" + (" IN ROLE drugnorm_reader" if reader else ""))
        made.append(name)
        if schema:
            run(mini_db, f"CREATE SCHEMA {name} AUTHORIZATION {name}")
        return name
    yield make
    for name in made:
        run(mini_db, f"DROP OWNED BY {name} CASCADE")
        run(mini_db, f"DROP ROLE {name}")


def fill(dsn, table, n=40):
    run(dsn, f"CREATE TABLE {table} (id int PRIMARY KEY, raw text)")
    run(dsn, f"INSERT INTO {table} SELECT i, (%s::text[])[1 + i %% %s] FROM generate_series(1, %s) i",
        (RAWS, len(RAWS), n))


# --- finding 10: one way to read --table, one table used everywhere --------------------------------------

def test_table_names_fold_and_quote_like_sql_and_name_one_table_everywhere(mini_db):
    fill(mini_db, "rx", 8)
    fill(mini_db, '"RX"', 4)
    bulk.normalize(mini_db, "RX", "raw", "norm", **QUIET)          # unquoted: folds to rx
    assert "norm" in columns(mini_db, "rx") and "norm" not in columns(mini_db, '"RX"')
    assert run(mini_db, "SELECT count(norm) FROM rx")[0][0] == 8
    assert bulk.normalize(mini_db, '"RX"', "raw", "norm", **QUIET)["written"] == 4
    assert run(mini_db, 'SELECT count(norm) FROM "RX"')[0][0] == 4
    assert bulk.renormalize(mini_db, 'public."RX"', "raw", "norm", **QUIET) == 0
    bulk.attach(mini_db, '"RX"', "raw", "norm", **QUIET)
    assert len(triggers(mini_db, '"RX"')) == 1 and triggers(mini_db, "rx") == []
    run(mini_db, """INSERT INTO "RX" VALUES (100, '艾力')""")
    assert run(mini_db, """SELECT norm->>'trade_name' FROM "RX" WHERE id = 100""")[0][0] == "艾力"
    bulk.detach(mini_db, '"RX"', "raw", "norm", **QUIET)
    assert triggers(mini_db, '"RX"') == []
    used = {r[0]: r[6] for r in stats.stats(mini_db, ('"RX"', "norm"))}
    assert used["trade_name"] is not None


def test_quoted_parts_may_hold_dots_and_doubled_quotes(mini_db):
    run(mini_db, 'CREATE SCHEMA "Ward.7"')
    fill(mini_db, '"Ward.7"."Rx ""A"""', 6)
    name = '"Ward.7"."Rx ""A"""'
    assert bulk.normalize(mini_db, name, "raw", "norm", jobs=2, **QUIET)["written"] == 6
    bulk.attach(mini_db, name, "raw", "norm", **QUIET)
    run(mini_db, f"INSERT INTO {name} VALUES (100, '立普妥')")
    assert run(mini_db, f"SELECT norm->>'trade_name' FROM {name} WHERE id = 100")[0][0] == "立普妥"
    bulk.detach(mini_db, name, "raw", "norm", **QUIET)
    assert triggers(mini_db, name) == []
    assert stats.stats(mini_db, (name, "norm"))


@pytest.mark.parametrize("name, message", [
    ('rx"', "not a valid table name"),
    ('"rx', "not a valid table name"),
    ('a.b.c', "expected NAME or SCHEMA.NAME"),
    ('"RX"', "does not exist"),
    ('Nope', "does not exist"),
    ('', "empty"),
    ('x' * 70, "longer than"),
    ('rx_view', "is a view"),
])
def test_bad_table_names_give_one_line(mini_db, capsys, name, message):
    fill(mini_db, "rx", 2)
    run(mini_db, "CREATE VIEW rx_view AS SELECT * FROM rx")
    for argv in (["parse-table", "--table", name, "--column", "raw", "--into", "norm"],
                 ["reparse-table", "--table", name, "--column", "raw", "--into", "norm"],
                 ["attach", "--table", name, "--column", "raw", "--into", "norm"],
                 ["detach", "--table", name, "--column", "raw", "--into", "norm"],
                 ["stats", "--table", name, "--column", "norm"]):
        assert message in cli_error(mini_db, capsys, *argv)
    assert "norm" not in columns(mini_db, "rx")


def test_a_mixed_case_name_that_folds_to_nothing_says_how_to_quote(mini_db):
    fill(mini_db, '"RX"', 2)
    with pytest.raises(AdminError, match=r'''table rx does not exist \(unquoted names fold to lower case: write '"RX"' '''):
        bulk.normalize(mini_db, "RX", "raw", "norm", **QUIET)


# --- finding 6: attach refuses what would corrupt or block the table -------------------------------------

def test_attach_refuses_into_equal_to_the_raw_column(mini_db, capsys):
    fill(mini_db, "rx", 2)
    assert "is the --column itself" in cli_error(mini_db, capsys, "attach", "--table", "rx", "--column", "raw",
                                                 "--into", "raw")
    assert "is the --column itself" in cli_error(mini_db, capsys, "parse-table", "--table", "rx", "--column", "raw",
                                                 "--into", "raw")
    assert triggers(mini_db, "rx") == []
    assert run(mini_db, "SELECT raw FROM rx WHERE id = 1")[0][0] == RAWS[1]


def test_attach_refuses_a_result_column_that_is_not_jsonb(mini_db, capsys):
    fill(mini_db, "rx", 2)
    run(mini_db, "ALTER TABLE rx ADD COLUMN note text, ADD COLUMN gen jsonb GENERATED ALWAYS AS "
                 "(CASE WHEN id > 0 THEN '{}'::jsonb END) STORED")
    for cmd in ("attach", "parse-table"):
        assert "is text, expected jsonb" in cli_error(mini_db, capsys, cmd, "--table", "rx", "--column", "raw",
                                                      "--into", "note")
        assert "generated column" in cli_error(mini_db, capsys, cmd, "--table", "rx", "--column", "raw",
                                               "--into", "gen")
        assert "is tid, expected jsonb" in cli_error(mini_db, capsys, cmd, "--table", "rx", "--column", "raw",
                                                     "--into", "ctid")
    assert triggers(mini_db, "rx") == []
    run(mini_db, "INSERT INTO rx (id, raw) VALUES (3, '艾力')")      # the hospital can still write


def test_missing_columns_and_wrong_types_give_one_line(mini_db, capsys):
    fill(mini_db, "rx", 2)
    run(mini_db, 'ALTER TABLE rx ADD COLUMN "DrugText" text')
    for cmd in ("attach", "parse-table", "reparse-table"):
        assert "has no column 'nosuch'" in cli_error(mini_db, capsys, cmd, "--table", "rx", "--column", "nosuch",
                                                     "--into", "norm")
        assert "is integer, expected text" in cli_error(mini_db, capsys, cmd, "--table", "rx", "--column", "id",
                                                        "--into", "norm")
        assert "did you mean 'DrugText'" in cli_error(mini_db, capsys, cmd, "--table", "rx", "--column",
                                                      "drugtext", "--into", "norm")
    assert "has no column 'norm'" in cli_error(mini_db, capsys, "reparse-table", "--table", "rx", "--column", "raw",
                                               "--into", "norm")


def test_attach_refuses_a_result_name_postgresql_would_truncate(mini_db, capsys):
    fill(mini_db, "rx", 2)
    long = "norm_" + "x" * 60
    for cmd in ("attach", "parse-table"):
        assert "longer than PostgreSQL's 63 bytes" in cli_error(mini_db, capsys, cmd, "--table", "rx",
                                                                "--column", "raw", "--into", long)
    assert columns(mini_db, "rx") == {"id", "raw"}
    assert triggers(mini_db, "rx") == []


def test_attach_trigger_names_never_collide(mini_db):
    run(mini_db, "CREATE TABLE rx (id int, a text, a_b text)")
    bulk.attach(mini_db, "rx", "a_b", "c", **QUIET)
    bulk.attach(mini_db, "rx", "a", "b_c", **QUIET)      # drugnorm_a_b_c both, before
    assert len(triggers(mini_db, "rx")) == 2
    run(mini_db, "INSERT INTO rx VALUES (1, '艾力', '立普妥')")
    assert run(mini_db, "SELECT b_c->>'trade_name', c->>'trade_name' FROM rx")[0] == ("艾力", "立普妥")
    bulk.attach(mini_db, "rx", "a", "b_c", **QUIET)      # again: replaced, not doubled
    assert len(triggers(mini_db, "rx")) == 2
    with pytest.raises(AdminError, match="already filled from column 'a_b'"):
        bulk.attach(mini_db, "rx", "a", "c", **QUIET)    # two triggers writing one column
    bulk.detach(mini_db, "rx", "a_b", "c", **QUIET)
    assert [bytes(t[1]).split(b"\0")[:2] for t in triggers(mini_db, "rx")] == [[b"a", b"b_c"]]


def test_detach_finds_a_trigger_named_by_an_earlier_release_and_leaves_other_triggers_alone(mini_db):
    fill(mini_db, "rx", 2)
    run(mini_db, "ALTER TABLE rx ADD COLUMN norm jsonb")
    run(mini_db, "CREATE TRIGGER drugnorm_raw_norm BEFORE INSERT OR UPDATE OF raw ON rx FOR EACH ROW "
                 "EXECUTE FUNCTION drugnorm.normalize_trigger('raw', 'norm')")
    run(mini_db, "CREATE FUNCTION keep_me() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END'")
    run(mini_db, "CREATE TRIGGER keep_me BEFORE INSERT ON rx FOR EACH ROW EXECUTE FUNCTION keep_me()")
    bulk.attach(mini_db, "rx", "raw", "norm", **QUIET)     # replaces the old one
    names = [t[0] for t in triggers(mini_db, "rx")]
    assert "drugnorm_raw_norm" not in names and "keep_me" in names and len(names) == 2
    bulk.detach(mini_db, "rx", "raw", "norm", **QUIET)
    assert [t[0] for t in triggers(mini_db, "rx")] == ["keep_me"]


def writer_table(mini_db, role):
    """(owner, writer): the owner's table, which the writer (not granted drugnorm_reader) may write."""
    owner, writer = role(), role(reader=False, schema=False)
    with psycopg.connect(as_role(mini_db, owner), autocommit=True) as conn:
        conn.execute(f"CREATE TABLE {owner}.rx (id int, raw text)")
        conn.execute(f"GRANT USAGE ON SCHEMA {owner} TO {writer}")
        conn.execute(f"GRANT INSERT, UPDATE, SELECT ON {owner}.rx TO {writer}")
    return owner, writer


def test_a_failing_drug_parse_never_loses_the_row(mini_db, role):
    """Writers call drug_parse inside the trigger as themselves: without drugnorm_reader the row is still
    stored, with a NULL result and a WARNING that names the grant; parse-table fills the NULLs later."""
    owner, writer = writer_table(mini_db, role)
    bulk.attach(as_role(mini_db, owner), f"{owner}.rx", "raw", "norm", **QUIET)
    notices = []
    with psycopg.connect(as_role(mini_db, writer), autocommit=True) as conn:
        # a notice's fields are only readable inside the handler
        conn.add_notice_handler(lambda d: notices.append((d.severity_nonlocalized, d.message_primary,
                                                          d.message_hint)))
        conn.execute(f"INSERT INTO {owner}.rx VALUES (1, '立普妥')")
        conn.execute(f"UPDATE {owner}.rx SET raw = '艾力' WHERE id = 1")
    assert run(mini_db, f"SELECT raw, norm FROM {owner}.rx") == [("艾力", None)]
    severity, message, hint = notices[-1]
    assert severity == "WARNING" and f"{owner}.rx.norm left NULL" in message
    assert hint == f"the role that writes the table needs drugnorm_reader: GRANT drugnorm_reader TO {writer}"
    run(mini_db, f"GRANT drugnorm_reader TO {writer}")
    with psycopg.connect(as_role(mini_db, writer), autocommit=True) as conn:
        conn.execute(f"INSERT INTO {owner}.rx VALUES (2, '立普妥')")
    assert run(mini_db, f"SELECT norm->>'trade_name' FROM {owner}.rx WHERE id = 2")[0][0] == "立普妥"
    assert bulk.normalize(as_role(mini_db, owner), f"{owner}.rx", "raw", "norm", **QUIET)["written"] == 1
    assert run(mini_db, f"SELECT norm->>'trade_name' FROM {owner}.rx WHERE id = 1")[0][0] == "艾力"


def test_attach_names_the_writers_that_lack_drugnorm_reader(mini_db, role):
    owner, writer = writer_table(mini_db, role)
    logged = []
    bulk.attach(as_role(mini_db, owner), f"{owner}.rx", "raw", "norm", log=logged.append)
    assert any(writer in line and "GRANT drugnorm_reader" in line for line in logged), logged


# --- finding 7: normalize as the table's owner, never a superuser running an owner's triggers ------------

def test_normalize_and_renormalize_work_as_the_owner_with_drugnorm_reader(mini_db, role):
    owner = role()
    dsn = as_role(mini_db, owner)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"CREATE TABLE {owner}.rx (id int PRIMARY KEY, raw text)")
        conn.execute(f"INSERT INTO {owner}.rx SELECT i, (%s::text[])[1 + i %% 4] FROM generate_series(1, 400) i",
                     (RAWS,))
    assert bulk.normalize(dsn, f"{owner}.rx", "raw", "norm", jobs=2, **QUIET) == {
        "distinct": 4, "written": 400, "pending": 0}
    assert run(mini_db, f"SELECT count(*) FROM {owner}.rx WHERE norm->>'input' = raw")[0][0] == 400
    assert bulk.renormalize(dsn, f"{owner}.rx", "raw", "norm", **QUIET) == 0
    assert run(mini_db, "SELECT count(*) FROM pg_class WHERE relname LIKE 'drugnorm_work_%' "
                        "OR relname LIKE 'work_%'")[0][0] == 0


def test_an_interrupted_normalize_resumes_from_its_work_table_in_the_tables_schema(mini_db, role):
    owner = role()
    dsn = as_role(mini_db, owner)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"CREATE TABLE {owner}.rx (id int PRIMARY KEY, raw text)")
        conn.execute(f"INSERT INTO {owner}.rx SELECT i, (%s::text[])[1 + i %% 4] FROM generate_series(1, 40) i",
                     (RAWS,))

    def ctrl_c_after_parsing(batch):        # Ctrl-C between parsing and writing
        if batch.phase == "parse" and batch.done == batch.total:
            raise KeyboardInterrupt

    with pytest.raises(bulk.Interrupted, match="4 of 4 distinct values are parsed and kept in work table"):
        bulk.normalize(dsn, f"{owner}.rx", "raw", "norm", report=ctrl_c_after_parsing, **QUIET)
    work = run(mini_db, "SELECT n.nspname, c.relname, pg_get_userbyid(c.relowner), c.relpersistence FROM pg_class c "
                        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relname LIKE 'drugnorm_work_%' AND c.relkind = 'r'")
    assert len(work) == 1 and work[0][0] == owner and work[0][2] == owner and work[0][3] == "u"
    assert run(mini_db, f'SELECT count(norm) FROM {owner}."{work[0][1]}"')[0][0] == 4
    again = bulk.normalize(dsn, f"{owner}.rx", "raw", "norm", **QUIET)
    assert again == {"distinct": 0, "written": 40, "pending": 0}       # nothing parsed twice
    assert run(mini_db, "SELECT count(*) FROM pg_class WHERE relname LIKE 'drugnorm_work_%'")[0][0] == 0


def test_without_create_on_the_schema_the_work_table_is_temporary(mini_db, role):
    owner = role(schema=False)
    run(mini_db, f"CREATE TABLE public.rx_{owner} (id int PRIMARY KEY, raw text)")
    run(mini_db, f"INSERT INTO public.rx_{owner} SELECT i, (%s::text[])[1 + i %% 4] FROM generate_series(1, 40) i",
        (RAWS,))
    run(mini_db, f"ALTER TABLE public.rx_{owner} OWNER TO {owner}")
    logged = []
    result = bulk.normalize(as_role(mini_db, owner), f"rx_{owner}", "raw", "norm", jobs=2, log=logged.append)
    assert result == {"distinct": 4, "written": 40, "pending": 0}
    assert any("work table is temporary" in line for line in logged)


def test_a_planted_table_with_the_work_tables_name_is_not_used(mini_db, role):
    owner, other = role(), role(schema=False)
    dsn = as_role(mini_db, owner)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"CREATE TABLE {owner}.rx (id int PRIMARY KEY, raw text)")
        conn.execute(f"INSERT INTO {owner}.rx VALUES (1, '艾力')")
        conn.execute(f"GRANT CREATE, USAGE ON SCHEMA {owner} TO {other}")
    oid = run(mini_db, f"SELECT '{owner}.rx'::regclass::oid::int")[0][0]
    name = "drugnorm_work_" + hashlib.sha1(f"{oid}.raw.norm".encode()).hexdigest()[:12]
    with psycopg.connect(as_role(mini_db, other), autocommit=True) as conn:
        conn.execute(f"CREATE TABLE {owner}.{name} (id bigserial PRIMARY KEY, raw text UNIQUE, n bigint NOT NULL, "
                     "norm jsonb)")
        conn.execute(f"""INSERT INTO {owner}.{name} (raw, n, norm) VALUES ('艾力', 1, '{{"lexicon_version": 1}}')""")
        conn.execute(f"GRANT ALL ON {owner}.{name} TO PUBLIC")
    with pytest.raises(AdminError, match=f"is not a work table of {owner}"):
        bulk.normalize(dsn, f"{owner}.rx", "raw", "norm", **QUIET)
    assert run(mini_db, f"SELECT norm FROM {owner}.rx")[0][0] is None


def hostile_table(mini_db, owner):
    """The owner's table with a BEFORE UPDATE trigger that makes the owner superuser when it can."""
    with psycopg.connect(as_role(mini_db, owner), autocommit=True) as conn:
        conn.execute(f"CREATE TABLE {owner}.rx (id int PRIMARY KEY, raw text, norm jsonb)")
        conn.execute(f"INSERT INTO {owner}.rx VALUES (1, '艾力'), (2, '立普妥')")
        conn.execute(f"""CREATE FUNCTION {owner}.grab() RETURNS trigger LANGUAGE plpgsql AS $$
                         BEGIN
                             BEGIN
                                 ALTER ROLE {owner} SUPERUSER;
                             EXCEPTION WHEN insufficient_privilege THEN NULL;
                             END;
                             RETURN NEW;
                         END $$""")
        conn.execute(f"CREATE TRIGGER grab BEFORE UPDATE ON {owner}.rx FOR EACH ROW EXECUTE FUNCTION {owner}.grab()")


def is_superuser(dsn, role):
    return run(dsn, "SELECT rolsuper FROM pg_roles WHERE rolname = %s", (role,))[0][0]


def test_a_superuser_refuses_to_run_an_owners_triggers(mini_db, role, capsys):
    owner = role()
    hostile_table(mini_db, owner)
    for cmd in ("parse-table", "reparse-table"):
        capsys.readouterr()
        rc = cli.main(["--dsn", mini_db, cmd, "--table", f"{owner}.rx", "--column", "raw", "--into", "norm"])
        assert not is_superuser(mini_db, owner)
        err = capsys.readouterr().err
        assert rc == 1 and f"owned by {owner}" in err and "--allow-superuser" in err and err.count("\n") == 1
    assert run(mini_db, f"SELECT count(norm) FROM {owner}.rx")[0][0] == 0
    # as the owner itself the trigger runs with the owner's rights: it gains nothing
    assert bulk.normalize(as_role(mini_db, owner), f"{owner}.rx", "raw", "norm", **QUIET)["written"] == 2
    assert not is_superuser(mini_db, owner)


def test_allow_superuser_is_an_explicit_override(mini_db, role):
    owner = role()
    with psycopg.connect(as_role(mini_db, owner), autocommit=True) as conn:
        conn.execute(f"CREATE TABLE {owner}.rx (id int PRIMARY KEY, raw text)")
        conn.execute(f"INSERT INTO {owner}.rx VALUES (1, '艾力')")
    assert bulk.normalize(mini_db, f"{owner}.rx", "raw", "norm", allow_superuser=True, **QUIET)["written"] == 1
    assert cli.main(["--dsn", mini_db, "reparse-table", "--table", f"{owner}.rx", "--column", "raw", "--into", "norm",
                     "--allow-superuser"]) == 0


def test_an_owner_without_drugnorm_reader_is_told_which_grant_is_missing(mini_db, role):
    owner = role(reader=False)
    with psycopg.connect(as_role(mini_db, owner), autocommit=True) as conn:
        conn.execute(f"CREATE TABLE {owner}.rx (id int PRIMARY KEY, raw text)")
    for fn in (bulk.normalize, bulk.attach):
        with pytest.raises(AdminError, match=f"GRANT drugnorm_reader TO {owner}"):
            fn(as_role(mini_db, owner), f"{owner}.rx", "raw", "norm", **QUIET)


# --- finding 11: renormalize redoes results that name a removed term --------------------------------------

def test_renormalize_redoes_rows_whose_term_was_removed(mini_db, tmp_path):
    run(mini_db, "CREATE TABLE rx (id int PRIMARY KEY, raw text)")
    run(mini_db, "INSERT INTO rx VALUES (1, '艾力40mg1只'), (2, '立普妥20mg'), (3, '布洛芬缓释胶囊'), (4, '艾历')")
    bulk.normalize(mini_db, "rx", "raw", "norm", **QUIET)
    before = dict(run(mini_db, "SELECT id, norm FROM rx"))
    assert before[1]["trade_name"] == "艾力"
    assert any(c["term"] == "艾力" for s in before[4]["segments"] for c in s.get("candidates") or [])

    rows = [r for r in loader.read_file(DATA / "mini_lexicon.tsv") if r.dict == "trade_name" and r.term != "艾力"]
    f = tmp_path / "trade.tsv"
    f.write_text("dict\tterm\tstandard\tgeneric\tproduct\tsource\n" + "".join(
        f"{r.dict}\t{r.term}\t{r.standard or ''}\t{r.generic or ''}\t{r.product or ''}\t{r.source}\n" for r in rows),
        encoding="utf-8")
    summary = loader.load(mini_db, [f], replace=["trade_name"], **QUIET)
    assert summary.per_dict["trade_name"]["removed"] == 1 and summary.per_dict["trade_name"]["updated"] == 0

    assert bulk.renormalize(mini_db, "rx", "raw", "norm", **QUIET) == 2      # 艾力 matched, 艾力 a candidate
    after = dict(run(mini_db, "SELECT id, norm FROM rx"))
    assert after[1]["trade_name"] is None and after[1]["lexicon_version"] == summary.version
    assert not any(c["term"] == "艾力" for s in after[4]["segments"] for c in s.get("candidates") or [])
    assert after[2] == before[2] and after[3] == before[3]                    # untouched
    assert bulk.renormalize(mini_db, "rx", "raw", "norm", **QUIET) == 0


# --- issue 16, item 5: what renormalize checked is recorded per table, writable only by those who may update it

def test_only_a_role_that_may_update_a_table_sees_or_records_its_checks(mini_db, role):
    owner, other = role(), role()
    dsn = as_role(mini_db, owner)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"CREATE TABLE {owner}.rx (id int PRIMARY KEY, raw text)")
        conn.execute(f"INSERT INTO {owner}.rx VALUES (1, '艾力'), (2, '立普妥')")
        conn.execute(f"GRANT USAGE ON SCHEMA {owner} TO {other}")
        conn.execute(f"GRANT SELECT ON {owner}.rx TO {other}")
    bulk.normalize(dsn, f"{owner}.rx", "raw", "norm", **QUIET)
    assert bulk.renormalize(dsn, f"{owner}.rx", "raw", "norm", **QUIET) == 0
    oid = run(mini_db, f"SELECT '{owner}.rx'::regclass::oid::bigint")[0][0]
    assert run(dsn, "SELECT count(*) FROM drugnorm.result_check WHERE tbl = %s", (oid,))[0][0] == 1
    with psycopg.connect(as_role(mini_db, other), autocommit=True) as conn:
        # another reader neither sees the owner's record nor can forge one for a table it may not update
        assert conn.execute("SELECT count(*) FROM drugnorm.result_check").fetchone()[0] == 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            conn.execute("INSERT INTO drugnorm.result_check (tbl, raw_column, result_column, version) "
                         "VALUES (%s, 'raw', 'norm', 999)", (oid,))
        assert conn.execute("UPDATE drugnorm.result_check SET version = 999").rowcount == 0
