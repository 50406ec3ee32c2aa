"""drugnorm-admin as psql and sqlite-utils users expect it (issue 16, items 8, 10-13), against a real database:
one clear line for every command on an uninitialised database and for the usual mistakes, passwords
masked, migrate current/history/--sql, parse's --csv/--json and aligned table, settings per database and
per role, and a warning for a misspelled one."""
import csv
import io
import json
import subprocess
import uuid

import psycopg
import pytest

from drugnorm_admin import cli, migrate, parse, pgserver

from conftest import DATA

NOT_INITIALISED = "database not initialised: run `drugnorm-admin init`"


def run(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(code, err):
    assert code == 1, err
    assert err.startswith("drugnorm-admin: error: ") and err.count("\n") == 1 and "Traceback" not in err, err
    return err


def dbname(dsn):
    return psycopg.conninfo.conninfo_to_dict(dsn)["dbname"]


def catalog(dsn):
    """What a command could have created: schemas and relations outside pg_catalog/information_schema."""
    with psycopg.connect(dsn) as conn:
        return conn.execute("SELECT n.nspname, c.relname FROM pg_namespace n LEFT JOIN pg_class c ON "
                            "c.relnamespace = n.oid WHERE n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> "
                            "'information_schema' ORDER BY 1, 2").fetchall()


# Every command that needs drugnorm installed, with arguments that would otherwise work. A new command
# goes here too: on a database without drugnorm it must say to run init, in one line.
def _commands(tmp_path):
    todo = tmp_path / "todo.tsv"
    todo.write_text("fragment\tstandard\tdict\n", encoding="utf-8")
    truth = tmp_path / "truth.tsv"
    truth.write_text("input\tgeneric\n阿莫西林胶囊\t阿莫西林\n", encoding="utf-8")
    return {
        "load-dict": ["load-dict", str(DATA / "mini_lexicon.tsv")],
        "import": ["import", "nhsa", str(DATA / "nhsa_sample.csv")],
        "parse": ["parse", "阿莫西林胶囊"],
        "export-dict": ["export-dict", str(tmp_path / "lex.tsv")],
        "stats": ["stats"],
        "eval": ["eval", str(truth)],
        "review": ["review", "export", str(tmp_path / "out.tsv")],
        "review import": ["review", "import", str(todo)],
        "parse-table": ["parse-table", "--table", "rx", "--column", "raw", "--into", "norm"],
        "reparse-table": ["reparse-table", "--table", "rx", "--column", "raw", "--into", "norm"],
        "attach": ["attach", "--table", "rx", "--column", "raw", "--into", "norm"],
        "detach": ["detach", "--table", "rx", "--column", "raw", "--into", "norm"],
        "revert": ["revert", "1"],
        "desk": ["desk", "--port", "0"],     # refused before it listens
    }


# commands that install drugnorm, or need no database
INSTALLING = {"migrate", "downgrade", "init", "embedded"}


def test_every_command_on_an_uninitialised_database_says_to_run_init(empty_db, tmp_path, capsys):
    with psycopg.connect(empty_db) as conn:
        conn.execute("CREATE TABLE rx (id int, raw text)")
    before = catalog(empty_db)
    commands = _commands(tmp_path)
    missing = set(cli.COMMANDS) - INSTALLING - {c.split()[0] for c in commands}
    assert not missing, f"add the arguments of {missing} to _commands"
    for name, argv in commands.items():
        if argv[0] not in cli.COMMANDS:
            continue
        err = one_line_error(*run(capsys, *argv, "-d", empty_db)[::2])
        assert NOT_INITIALISED in err and dbname(empty_db) in err, (name, err)
    assert catalog(empty_db) == before
    assert not (tmp_path / "lex.tsv").exists() and not (tmp_path / "out.tsv").exists()


def test_the_usual_mistakes_are_one_line_and_a_non_zero_exit(mini_db, tmp_path, capsys):
    # export-dict of a dictionary that does not exist wrote 0 rows and exited 0
    out = tmp_path / "lex.tsv"
    err = one_line_error(*run(capsys, "export-dict", str(out), "--dict", "nosuch", "-d", mini_db)[::2])
    assert "no dictionary 'nosuch'" in err and "manufacturer" in err and not out.exists()
    code, _, err = run(capsys, "export-dict", str(out), "--dict", "route", "-d", mini_db)
    assert code == 0 and out.exists() and err.startswith("wrote ")
    # migrate to a revision that does not exist was a traceback
    err = one_line_error(*run(capsys, "-d", mini_db, "migrate", "--to", "x")[::2])
    assert "cannot migrate to 'x'" in err and migrate.head() in err
    err = one_line_error(*run(capsys, "-d", mini_db, "downgrade", "nosuch")[::2])
    assert "cannot downgrade to 'nosuch'" in err
    with psycopg.connect(mini_db) as conn:
        assert conn.execute("SELECT version_num FROM drugnorm.alembic_version").fetchone()[0] == migrate.head()
    # a file that is not there
    err = one_line_error(*run(capsys, "review", "import", str(tmp_path / "nosuch.tsv"), "-d", mini_db)[::2])
    assert "nosuch.tsv" in err and "No such file" in err
    # a results column that is not jsonb
    with psycopg.connect(mini_db) as conn:
        conn.execute("CREATE TABLE rx (id int, raw text)")
        conn.execute("INSERT INTO rx VALUES (1, '阿莫西林胶囊')")
    err = one_line_error(*run(capsys, "parse-table", "--table", "rx", "--column", "raw", "--into", "id",
                              "-d", mini_db)[::2])
    assert "'id'" in err and "integer" in err and "jsonb" in err
    err = one_line_error(*run(capsys, "stats", "--table", "rx", "--into", "raw", "-d", mini_db)[::2])
    assert "'raw'" in err and "jsonb" in err


def test_stats_into_names_the_results_column_and_column_is_its_deprecated_alias(mini_db, capsys):
    with psycopg.connect(mini_db) as conn:
        conn.execute("CREATE TABLE rx (id int, raw text, norm jsonb)")
        conn.execute("INSERT INTO rx VALUES (1, '立普妥', drug_parse('立普妥'))")
    code, out, err = run(capsys, "stats", "-d", mini_db, "--table", "rx", "--into", "norm")
    assert code == 0 and "never matched" in out and err == ""
    code, old, err = run(capsys, "stats", "-d", mini_db, "--table", "rx", "--column", "norm")
    assert code == 0 and old == out
    assert err.startswith("drugnorm-admin: warning: stats --column is deprecated") and "--into" in err
    err = one_line_error(*run(capsys, "stats", "-d", mini_db, "--table", "rx")[::2])
    assert "--table and --into go together" in err


def test_the_old_names_normalize_and_renormalize_work_as_before_and_say_the_new_one(mini_db, capsys):
    """Renamed in 0.10 (normalize is patent step 2, drugnorm.normalize); the old names stay for one release."""
    with psycopg.connect(mini_db) as conn:
        conn.execute("CREATE TABLE rx_old (id int, raw text)")
        conn.execute("CREATE TABLE rx_new (id int, raw text)")
        for t in ("rx_old", "rx_new"):
            conn.execute(f"INSERT INTO {t} VALUES (1, '立普妥'), (2, '阿莫西林胶囊'), (3, '立普妥')")
    results = {}
    for old, new in (("normalize", "parse-table"), ("renormalize", "reparse-table")):
        args = ["--column", "raw", "--into", "norm", "-d", mini_db]
        code, out_new, err_new = run(capsys, new, "--table", "rx_new", *args)
        assert code == 0
        code, out_old, err_old = run(capsys, old, "--table", "rx_old", *args)
        notice = f"drugnorm-admin {old} is now {new}; the old name goes in 0.11\n"
        assert code == 0 and out_old == out_new and err_old.startswith(notice)
        assert err_old.count(" is now ") == 1 and " is now " not in err_new
        with psycopg.connect(mini_db) as conn:
            results[old] = [conn.execute(f"SELECT norm - 'lexicon_version' FROM {t} ORDER BY id").fetchall()
                            for t in ("rx_old", "rx_new")]
        assert results[old][0] == results[old][1]
    # listed in --help under the new names only
    assert "parse-table" in cli.build_parser().format_help() and "renormalize" not in cli.build_parser().format_help()


def test_a_password_in_the_dsn_is_never_printed(mini_db, pg_server, tmp_path, capsys):
    """The test server trusts its socket, so a DSN with a password works, and every message that shows a
    DSN must mask it."""
    secret = "Zq7s3cretPw"
    good = psycopg.conninfo.make_conninfo(mini_db, password=secret)
    bad = psycopg.conninfo.make_conninfo(mini_db, password=secret, port="1", host="127.0.0.1")
    uri = f"postgresql://postgres:{secret}@127.0.0.1:1/hospital"
    seen = []
    for argv in (["stats", "-d", bad], ["-d", uri, "migrate"], ["migrate", "current", "-d", uri],
                 ["parse", "x", "-d", bad], ["stats", "-d", good], ["migrate", "current", "-d", good],
                 ["-d", good, "migrate"], ["export-dict", str(tmp_path / "x.tsv"), "--dict", "nosuch", "-d", good],
                 ["load-dict", str(tmp_path / "missing.tsv"), "-d", good]):
        code, out, err = run(capsys, *argv)
        assert secret not in out + err, (argv, out, err)
        seen.append(err)
    assert "password=***" in seen[0] and "postgres:***@127.0.0.1:1/hospital" in seen[1]


# -- item 12 ----------------------------------------------------------------------------------------------
def test_migrate_current_reads_and_creates_nothing(empty_db, capsys):
    before = catalog(empty_db)
    code, out, _ = run(capsys, "migrate", "current", "-d", empty_db)
    assert code == 0 and out.startswith("base (drugnorm is not installed") and "drugnorm-admin init" in out
    code, out, _ = run(capsys, "-d", empty_db, "migrate", "history")
    assert code == 0 and "(current)" not in out and "not installed" in out
    assert catalog(empty_db) == before
    migrate.upgrade(empty_db, "0002_functions", log=lambda *_: None)
    code, out, _ = run(capsys, "migrate", "current", "-d", empty_db)
    assert out.startswith(f"0002_functions (head is {migrate.head()}: run `drugnorm-admin migrate`)")
    code, out, _ = run(capsys, "migrate", "history", "-d", empty_db)
    assert "-> 0002_functions (current)" in out and f"-> {migrate.head()} (head)," in out
    migrate.upgrade(empty_db, log=lambda *_: None)
    code, out, _ = run(capsys, "migrate", "current", "-d", empty_db)
    assert out.startswith(f"{migrate.head()} (head); last migrated by drugnorm-admin ")


def test_migrate_sql_prints_the_pending_sql_and_runs_nothing(empty_db, pg_server, tmp_path, capsys):
    migrate.upgrade(empty_db, "0002_functions", log=lambda *_: None)
    before = catalog(empty_db)
    code, out, err = run(capsys, "migrate", "--sql", "-d", empty_db)
    assert code == 0 and catalog(empty_db) == before and migrate.current(empty_db) == "0002_functions"
    assert "0002_functions -> 0003_release_0_10" in out and "versions/0002_functions.sql" not in out
    # the script is what migrate would do: psql runs it to head, and migrate then finds nothing to do
    script = tmp_path / "upgrade.sql"
    script.write_text(out, encoding="utf-8")
    psql = pgserver.find_bindir() / "psql"
    res = subprocess.run([str(psql), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", empty_db, "-f", str(script)],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr[-2000:]
    assert migrate.current(empty_db) == migrate.head()
    said = []
    migrate.upgrade(empty_db, log=said.append)
    assert said[0] == f"already at {migrate.head()}"
    with psycopg.connect(empty_db) as conn:
        assert conn.execute("SELECT count(*) > 20000 FROM drugnorm.hanzi").fetchone()[0]
        assert conn.execute("SELECT drugnorm.version()->>'release'").fetchone()[0] is not None
        assert conn.execute("SELECT drug_parse('x')->>'input'").fetchone()[0] == "x"


def test_migrate_sql_from_base_builds_what_migrate_builds(empty_db, pg_server, migrated_template, tmp_path, capsys):
    before = catalog(empty_db)
    code, out, _ = run(capsys, "-d", empty_db, "migrate", "--sql")
    assert code == 0 and catalog(empty_db) == before and migrate.current(empty_db) is None
    script = tmp_path / "install.sql"
    script.write_text(out, encoding="utf-8")
    psql = pgserver.find_bindir() / "psql"
    res = subprocess.run([str(psql), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", empty_db, "-f", str(script)],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr[-2000:]
    assert catalog(empty_db) == catalog(pg_server.dsn(migrated_template))


# -- item 13 ----------------------------------------------------------------------------------------------
RAW = ["(立普妥)阿托伐他汀钙片20mg*7片", "阿莫西林胶囊 0.25g*24粒", "a,b \"c\""]


def test_parse_csv_and_json(mini_db, capsys):
    code, out, _ = run(capsys, "parse", *RAW, "--csv", "-d", mini_db)
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["input"] for r in rows] == RAW
    assert list(rows[0]) == list(parse.CSV_COLUMNS)
    assert (rows[0]["trade_name"], rows[0]["strength"], rows[0]["package"]) == ("立普妥", "20mg", "7片")
    assert rows[1]["generic_name"] == "阿莫西林" and rows[2]["generic_name"] == ""
    code, out, _ = run(capsys, "parse", *RAW, "--json", "-d", mini_db)
    docs = [json.loads(line) for line in out.splitlines()]
    assert [d["input"] for d in docs] == RAW and docs[0]["trade_name"] == "立普妥"


def test_parse_table_columns_line_up_for_chinese_text(mini_db, capsys):
    code, out, _ = run(capsys, "parse", RAW[0], "-d", mini_db)
    segs = [line for line in out.splitlines() if line.startswith("  [")]
    assert len(segs) >= 4
    # where the dictionary column starts, in terminal columns: the same on every line
    starts = {parse.width(line[:line.index(attr)]) for line in segs
              for attr in ("trade_name", "product_name", "strength_unit", "package_unit") if attr in line}
    assert len(starts) == 1, out


# -- item 8 -----------------------------------------------------------------------------------------------
def connect_with_notices(dsn):
    conn = psycopg.connect(dsn, autocommit=True)
    conn.notices = []
    conn.add_notice_handler(lambda d: conn.notices.append((d.severity_nonlocalized, d.message_primary)))
    return conn


@pytest.fixture
def login_role(mini_db):
    name = f"r_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(mini_db, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {name} LOGIN IN ROLE drugnorm_reader")
    yield name
    with psycopg.connect(mini_db, autocommit=True) as conn:
        conn.execute(f"DROP OWNED BY {name}")
        conn.execute(f"DROP ROLE {name}")


def test_settings_per_database_and_per_role(mini_db, login_role):
    db = dbname(mini_db)
    with psycopg.connect(mini_db, autocommit=True) as conn:
        conn.execute(f"ALTER DATABASE {db} SET drugnorm.review_queue = on")
        conn.execute(f"ALTER ROLE {login_role} IN DATABASE {db} SET drugnorm.k = 2")
    role_dsn = psycopg.conninfo.make_conninfo(mini_db, user=login_role)
    with connect_with_notices(role_dsn) as conn:      # a new session: both apply, no SET
        assert len(conn.execute("SELECT * FROM drug_candidates('阿莫西临')").fetchall()) == 2
        conn.execute("SELECT drug_parse_review('阿莫西临胶囊')")
        assert conn.execute("SELECT count(*) FROM drugnorm.review_event").fetchone()[0] > 0
        assert not [m for s, m in conn.notices if s == "WARNING"]
    with psycopg.connect(mini_db) as conn:            # another role: the database's setting only
        assert len(conn.execute("SELECT * FROM drug_candidates('阿莫西临')").fetchall()) == 10


def test_a_misspelled_setting_per_database_or_role_is_named_once(mini_db, login_role, capsys):
    db = dbname(mini_db)
    with psycopg.connect(mini_db, autocommit=True) as conn:
        conn.execute(f"ALTER DATABASE {db} SET drugnorm.reveiw_queue = on")
        conn.execute(f"ALTER ROLE {login_role} SET drugnorm.acept = '0.7'")
    role_dsn = psycopg.conninfo.make_conninfo(mini_db, user=login_role)
    with connect_with_notices(role_dsn) as conn:
        for _ in range(3):
            conn.execute("SELECT drug_parse('立普妥')")
        warned = [m for s, m in conn.notices if s == "WARNING"]
    assert warned == [
        f"drugnorm.acept (ALTER ROLE {login_role} SET) is not a drugnorm setting and is ignored; "
        "did you mean drugnorm.accept?",
        f"drugnorm.reveiw_queue (ALTER DATABASE {db} SET) is not a drugnorm setting and is ignored; "
        "did you mean drugnorm.review_queue?"]
    # drugnorm-admin shows the server's warnings, as psql does
    code, out, err = run(capsys, "parse", "立普妥", "-d", mini_db)
    assert code == 0 and "立普妥" in out
    assert err == ("drugnorm-admin: warning: drugnorm.reveiw_queue (ALTER DATABASE "
                   f"{db} SET) is not a drugnorm setting and is ignored; did you mean drugnorm.review_queue?\n")
