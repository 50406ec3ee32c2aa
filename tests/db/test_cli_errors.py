"""Every failure of drugnorm-admin is one line on stderr ("drugnorm-admin: error: ...") and exit status 1,
never a traceback; errors about a file name FILE:LINE; a failed load leaves the database as it was."""
import uuid

import psycopg
import pytest

from drugnorm_admin import cli, loader, migrate

from conftest import DATA

HEADER = "dict\tterm\tstandard\tgeneric\n"


def run(capsys, *argv):
    code = cli.main(list(argv))
    err = capsys.readouterr().err
    return code, err


def one_line_error(code, err):
    assert code == 1, err
    assert err.startswith("drugnorm-admin: error: ") and err.count("\n") == 1 and "Traceback" not in err, err
    return err


def state(dsn):
    with psycopg.connect(dsn) as conn:
        return conn.execute("SELECT (SELECT count(*) FROM drugnorm.entry), (SELECT count(*) FROM "
                            "drugnorm.lexicon_version), (SELECT version FROM drugnorm.state)").fetchone()


@pytest.fixture
def role(mini_db):
    """make(grant) -> DSN of a new login role granted `grant` (or nothing)."""
    made = []

    def make(grant=None):
        name = f"r_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(mini_db, autocommit=True) as conn:
            conn.execute(f"CREATE ROLE {name} LOGIN" + (f" IN ROLE {grant}" if grant else ""))
        made.append(name)
        return psycopg.conninfo.make_conninfo(mini_db, user=name)
    yield make
    with psycopg.connect(mini_db, autocommit=True) as conn:
        for name in made:
            conn.execute(f"DROP OWNED BY {name}")
            conn.execute(f"DROP ROLE {name}")


def test_load_dict_of_a_term_too_long_to_index_names_file_and_line(mini_db, tmp_path, capsys):
    f = tmp_path / "long.tsv"
    f.write_text(HEADER + "generic_name\t甲\t\t\n" + "generic_name\t" + "阿" * 3000 + "\t\t\n", encoding="utf-8")
    before = state(mini_db)
    err = one_line_error(*run(capsys, "--dsn", mini_db, "load-dict", str(f)))
    assert f"{f}:3: term '阿阿阿" in err and "3000 characters" in err and str(loader.MAX_TERM) in err
    assert state(mini_db) == before
    # the longest term allowed fits every index, pinyin included (装 reads zhuang: 6 letters a character)
    f.write_text(HEADER + "generic_name\t" + "装" * loader.MAX_TERM + "\t\t\n", encoding="utf-8")
    assert run(capsys, "--dsn", mini_db, "load-dict", str(f))[0] == 0


def test_a_link_too_long_is_named_too(mini_db, tmp_path, capsys):
    f = tmp_path / "long.tsv"
    f.write_text(HEADER + "trade_name\t某\t\t" + "x" * 5000 + "\n", encoding="utf-8")
    err = one_line_error(*run(capsys, "--dsn", mini_db, "load-dict", str(f)))
    assert f"{f}:2: generic 'xxx" in err


def test_import_nhsa_with_a_nul_in_a_cell_names_file_and_line(mini_db, tmp_path, capsys):
    f = tmp_path / "nhsa.csv"
    f.write_text("注册名称,商品名称,注册剂型,药品企业\n阿托伐他汀钙片,立普妥,片剂,辉瑞\n"
                 "阿莫西林胶囊,,胶囊剂,某\x00药厂\n", encoding="utf-8")
    before = state(mini_db)
    err = one_line_error(*run(capsys, "--dsn", mini_db, "import", "nhsa", str(f)))
    assert f"{f}:3: NUL character" in err
    assert state(mini_db) == before


def test_load_dict_by_a_reader_says_which_role_it_needs(role, mini_db, tmp_path, capsys):
    reader = role("drugnorm_reader")
    f = tmp_path / "d.tsv"
    f.write_text(HEADER + "generic_name\t甲\t\t\n", encoding="utf-8")
    before = state(mini_db)
    err = one_line_error(*run(capsys, "--dsn", reader, "load-dict", str(f)))
    assert "may not change the lexicon" in err and "GRANT drugnorm_editor TO" in err
    err = one_line_error(*run(capsys, "--dsn", reader, "import", "nhsa", str(DATA / "nhsa_sample.csv")))
    assert "drugnorm_editor" in err
    assert state(mini_db) == before
    editor = role("drugnorm_editor")
    assert run(capsys, "--dsn", editor, "load-dict", str(f))[0] == 0


def test_a_database_error_no_command_expected_is_one_line_with_a_hint(role, empty_db, tmp_path, capsys):
    # drugnorm not installed: said before any query (tests/db/test_cli.py has every command)
    err = one_line_error(*run(capsys, "--dsn", empty_db, "review", "export", str(tmp_path / "todo.tsv")))
    assert "database not initialised: run `drugnorm-admin init`" in err
    # installed, but a table of it is missing (a hand edit): the SQLSTATE and what to do
    migrate.upgrade(empty_db, log=lambda *_: None)
    with psycopg.connect(empty_db) as conn:
        conn.execute("DROP TABLE drugnorm.review_item")
    err = one_line_error(*run(capsys, "--dsn", empty_db, "review", "export", str(tmp_path / "todo.tsv")))
    assert "does not exist (SQLSTATE 42P01)" in err and "drugnorm-admin migrate" in err
    # a role granted nothing: the privilege is missing, and the hint names the roles
    nobody = role()
    err = one_line_error(*run(capsys, "--dsn", nobody, "export-dict", str(tmp_path / "lex.tsv")))
    assert "permission denied" in err and "(SQLSTATE 42501)" in err and "drugnorm_reader" in err


def test_a_table_name_holding_a_quote_is_one_line(mini_db, capsys):
    one_line_error(*run(capsys, "--dsn", mini_db, "parse-table", "--table", 'rx"; DROP TABLE x; --',
                        "--column", "raw", "--into", "norm"))
    one_line_error(*run(capsys, "--dsn", mini_db, "stats", "--table", 'a"b', "--into", "norm"))


def test_a_file_that_cannot_be_written_is_one_line(mini_db, tmp_path, capsys):
    err = one_line_error(*run(capsys, "--dsn", mini_db, "export-dict", str(tmp_path / "no" / "such" / "dir.tsv")))
    assert "No such file or directory" in err


def test_export_dict_refuses_a_term_it_cannot_write_as_tsv(mini_db, tmp_path, capsys):
    with psycopg.connect(mini_db) as conn:   # a hand edit: load-dict itself cannot make such a term
        conn.execute("INSERT INTO drugnorm.entry (dict, term, key, version) VALUES ('route', E'口\\t服液', "
                     "'口 服液', 0)")
    err = one_line_error(*run(capsys, "--dsn", mini_db, "export-dict", str(tmp_path / "lex.tsv")))
    assert "route entry '口\\t服液'" in err and "tab or line break" in err
