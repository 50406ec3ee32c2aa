"""drugnorm-admin as psql and sqlite-utils users expect it (issue 16, items 8, 10-13), without a database:
--dsn/-d anywhere, one meaning per option name, passwords masked, migrate current/history/--sql, parse's
table aligned by display width and its CSV, misspelled drugnorm.* settings named."""
import argparse
import csv
import io

import pytest

import settings
from drugnorm_admin import cli, masking, migrate, parse


def parsed(*argv):
    return cli.build_parser().parse_args(list(argv))


# -- item 10: --dsn before or after the command, -d its short form ------------------------------------------
@pytest.mark.parametrize("argv", [
    ["--dsn", "X", "stats"], ["-d", "X", "stats"], ["stats", "--dsn", "X"], ["stats", "-d", "X"],
    ["stats", "--table", "t", "-d", "X", "--into", "n"], ["-d", "Y", "stats", "-d", "X"],
])
def test_the_dsn_goes_before_or_after_the_command(argv):
    assert parsed(*argv).dsn == "X"


def test_every_command_takes_the_dsn_after_it():
    sub = next(a for a in cli.build_parser()._actions if a.dest == "command")
    for name, p in sub.choices.items():
        opts = {o for a in p._actions for o in a.option_strings}
        assert {"-d", "--dsn"} <= opts, name
    assert parsed("stats").dsn is None       # not given anywhere: DRUGNORM_DSN, then PG*, then embedded


def test_column_is_the_raw_text_and_into_the_results_in_every_command():
    """One meaning per name: --column the raw text column, --into the jsonb results (stats' --column is a
    deprecated alias of its --into, for one release)."""
    sub = next(a for a in cli.build_parser()._actions if a.dest == "command")
    seen = set()
    for name, p in sub.choices.items():
        for a in p._actions:
            help_ = (a.help or "").lower()
            if "--column" in a.option_strings and "deprecated" not in help_:
                assert "raw" in help_ and "result" not in help_, (name, a.help)
                seen.add(name)
            if "--into" in a.option_strings:
                assert "result" in help_, (name, a.help)
    assert {"parse-table", "attach", "detach"} <= seen
    args = parsed("stats", "--table", "rx", "--into", "norm")
    assert (args.table, args.into) == ("rx", "norm")
    assert parsed("stats", "--table", "rx", "--column", "norm").results_column == "norm"


def test_the_deprecated_stats_column_must_agree_with_into(capsys):
    assert cli.main(["stats", "-d", "host=/nonexistent", "--table", "rx", "--into", "a", "--column", "b"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("drugnorm-admin: error: stats: --into and the deprecated --column") and err.count("\n") == 1


# -- item 11: a password is never printed ------------------------------------------------------------------
@pytest.mark.parametrize("dsn, shown", [
    ("postgresql://postgres:s3cret@db.example:5432/hospital", "postgresql://postgres:***@db.example:5432/hospital"),
    ("postgres://u:p%40ss@h/x?sslmode=require&password=s3cret", "postgres://u:***@h/x?sslmode=require&password=***"),
    ("host=db user=u password=s3cret dbname=h", "host=db user=u password=*** dbname=h"),
    ("host=db password = 'two s3cret words' dbname=h", "host=db password = *** dbname=h"),
    ("host=db sslpassword=s3cret", "host=db sslpassword=***"),
    ("postgresql://u@h1:5432,h2/x", "postgresql://u@h1:5432,h2/x"),
    ("host=/var/run/postgresql dbname=h", "host=/var/run/postgresql dbname=h"),
])
def test_mask_dsn(dsn, shown):
    assert masking.mask_dsn(dsn) == shown


def test_a_remembered_password_is_masked_wherever_it_appears():
    masking.remember("postgresql://u:Tr0ub4dor@h/x")
    assert masking.scrub("role u tried Tr0ub4dor and failed") == "role u tried *** and failed"


def test_a_connection_error_masks_the_password(capsys):
    code = cli.main(["stats", "-d", "postgresql://postgres:s3cretpw@127.0.0.1:1/hospital"])
    err = capsys.readouterr().err
    assert code == 1 and "s3cretpw" not in err and "postgres:***@127.0.0.1:1/hospital" in err
    assert err.count("\n") == 1, err          # libpq's two-line message is one line
    code = cli.main(["migrate", "current", "--dsn", "host=127.0.0.1 port=1 password='s3cret pw' dbname=h"])
    err = capsys.readouterr().err
    assert code == 1 and "s3cret" not in err and "password=***" in err


def test_a_malformed_dsn_does_not_leak_the_words_of_its_password(capsys):
    # an unquoted password with a space: libpq quotes the word after the space in its error
    assert cli.main(["stats", "-d", "host=127.0.0.1 password=first Second9word user=u"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("drugnorm-admin: error: ") and "Second9word" not in err and "first" not in err


# -- item 12: migrate current / history / --sql ------------------------------------------------------------
def test_history_lists_every_revision_newest_first_with_its_release():
    lines = migrate.history()
    revs = [r.revision for r in migrate.revisions()]
    assert [line.split(" -> ")[1].split()[0].rstrip(",") for line in lines] == revs[::-1]
    assert lines[0].startswith(f"{revs[-2]} -> {revs[-1]} (head)")
    assert lines[-1].startswith(f"<base> -> {revs[0]}, 0.9.0: ")
    marked = migrate.history(revs[1], installed=True)
    assert f"-> {revs[1]} (current)" in marked[-2]


def test_migrate_sql_prints_the_frozen_files_in_order_and_the_python_steps():
    script = migrate.sql_script(None)
    files = [line[3:] for line in script.splitlines() if line.startswith("-- versions/")]
    assert files == ["versions/0001_lexicon_schema.sql", "versions/0002_functions.sql",
                     "versions/0003_release_0_10_schema.sql", "versions/0003_release_0_10_code.sql",
                     "versions/0003_release_0_10_rekey.sql"]
    for f in files:   # each file whole, as it is frozen
        assert (migrate.MIGRATIONS_DIR / f).read_text(encoding="utf-8").rstrip() in script
    # revision 0003 loads the hanzi data in Python: printed as the statements it sends, its data as COPY
    assert "-- (a Python step of 0003_release_0_10.py's upgrade(): its data," in script
    copy = script.index("COPY drugnorm.hanzi (ch, simplified, readings) FROM STDIN;\n")
    assert script.index("\n\\.\n", copy) > copy
    assert script.index("versions/0003_release_0_10_schema.sql") < copy < script.index(
        "versions/0003_release_0_10_code.sql")
    assert script.count("BEGIN;\n") == 1 and script.rstrip().endswith("COMMIT;")
    assert "INSERT INTO drugnorm.alembic_version (version_num) VALUES ('0001_lexicon_schema');" in script
    # from a revision: only what is pending
    later = migrate.sql_script("0002_functions")
    assert "versions/0001_lexicon_schema.sql" not in later and "versions/0002_functions.sql" not in later
    assert "UPDATE drugnorm.alembic_version SET version_num='0003_release_0_10' WHERE" in later
    assert "nothing to do" in migrate.sql_script(migrate.head())


def test_migrate_sql_without_a_database_starts_from_base(capsys, monkeypatch):
    for v in ("DRUGNORM_DSN", "PGHOST", "PGDATABASE", "PGSERVICE", "PGPORT", "PGUSER"):
        monkeypatch.delenv(v, raising=False)
    assert cli.main(["migrate", "--sql", "--to", "0001_lexicon_schema"]) == 0
    out = capsys.readouterr().out
    assert "base -> 0001_lexicon_schema" in out and "versions/0002_functions.sql" not in out
    assert cli.main(["migrate", "--sql", "--to", "nosuch"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("drugnorm-admin: error: cannot migrate to 'nosuch'") and "0003_release_0_10" in err


# -- item 13: parse's table by display width, --json and --csv ----------------------------------------------
def test_display_width():
    assert parse.width("abc") == 3 and parse.width("阿莫西林") == 8 and parse.width("ＡＢ") == 4
    assert parse.width("e\u0301") == 1 and parse.width("a\u200bb") == 2
    assert parse.pad("立普妥", 8) == "立普妥  " and parse.pad("x" * 10, 4) == "x" * 10


def _doc(*segs):
    doc = {f: None for f in parse.FIELDS}
    doc.update(input="".join(s[0] for s in segs), lexicon_version=1,
               segments=[{"text": t, "match": m, "attribute": a, "standard": t} for t, m, a in segs])
    return doc


def test_the_table_aligns_chinese_text_by_display_width():
    doc = _doc(("立普妥", "exact", "trade_name"), ("阿托伐他汀钙片", "exact", "product_name"),
               ("20mg", "spec", "strength_unit"), ("上海某某某某某某某某某某某某制药有限公司", "exact", "manufacturer"))
    lines = [line for line in parse.table(doc).splitlines() if line.startswith("  [")]
    starts = []
    for line, seg in zip(lines, doc["segments"]):
        before = line[:line.index(seg["attribute"])]
        starts.append(parse.width(before))
    assert len(set(starts)) == 1, lines


def test_csv_rows_quote_as_csv_readers_expect():
    row = parse.csv_row(["甲,乙", 'say "x"', "", 3])
    assert next(csv.reader(io.StringIO(row))) == ["甲,乙", 'say "x"', "", "3"]


def test_parse_takes_json_or_csv_not_both():
    assert parsed("parse", "x", "--csv").csv and parsed("parse", "x", "--json").json
    with pytest.raises(SystemExit):
        parsed("parse", "x", "--csv", "--json")


# -- item 8: a misspelled drugnorm.* name set per database or role ------------------------------------------
def test_misspelled_setting_names_are_named_with_the_setting_they_resemble():
    said = settings.misspelled([
        {"name": "drugnorm.reveiw_queue", "source": "ALTER DATABASE hospital"},
        {"name": "drugnorm.review_queue", "source": "ALTER DATABASE hospital"},   # known: nothing to say
        {"name": "drugnorm.Accept", "source": "ALTER ROLE his"},                  # names compare case-blind
        {"name": "drugnorm.uncommitted", "source": "ALTER ROLE his"},             # drugnorm's own marker
        ("drugnorm.candidate_limt", "ALTER ROLE his IN DATABASE hospital"),
        ("drugnorm.zzz", None),
    ])
    assert said == [
        "drugnorm.reveiw_queue (ALTER DATABASE hospital SET) is not a drugnorm setting and is ignored; "
        "did you mean drugnorm.review_queue?",
        "drugnorm.candidate_limt (ALTER ROLE his IN DATABASE hospital SET) is not a drugnorm setting and is "
        "ignored; did you mean drugnorm.candidate_limit?",
        f"drugnorm.zzz is not a drugnorm setting and is ignored; the settings are {', '.join(settings.KNOWN)}",
    ]
    assert "review_queue" in settings.KNOWN and set(settings.NAMES) <= set(settings.KNOWN)


def test_help_of_every_command_names_its_example():
    # (test_docs checks there is one; migrate's has several, one per form)
    p = cli.build_parser()
    sub = next(a for a in p._actions if a.dest == "command")
    text = sub.choices["migrate"].format_help()
    assert "migrate current" in text and "migrate --sql" in text
    assert isinstance(sub.choices["migrate"], argparse.ArgumentParser)
