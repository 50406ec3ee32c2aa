"""drugnorm-admin: the command line. Each command is a thin wrapper over one library function."""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import psycopg

from . import __version__, db, masking
from .db import AdminError, require_schema, resolve_dsn

COMMANDS = {}


def command(name, help, example):
    """Register a command; every command carries an example in its help (a test checks the README too)."""
    def wrap(fn):
        COMMANDS[name] = (fn, help, example)
        return fn
    return wrap


def _dsn(args, embedded: bool = False, installed: bool = True) -> str:
    """The database of the command: --dsn/-d, DRUGNORM_DSN, the PG* variables, else (``embedded``) the
    embedded database. ``installed``: drugnorm must be installed there, else one clear line says to init."""
    dsn = resolve_dsn(args.dsn)
    if dsn is not None:
        masking.remember(dsn)
        if installed:
            require_schema(dsn)
        return dsn
    if not embedded:
        raise AdminError("no database given: use --dsn (or -d), DRUGNORM_DSN or the PG* variables")
    from . import embedded as emb
    return emb.ensure(log=_err)


def _err(msg: str) -> None:
    print(masking.scrub(str(msg)), file=sys.stderr)


def _warn(msg: str) -> None:
    _err(f"drugnorm-admin: warning: {msg}")


@command("migrate", "upgrade the schema to head (or --to REV); safe to run again. 'migrate current': the "
                    "database's revision; 'migrate history': every revision; --sql: print the SQL, run nothing",
         "drugnorm-admin --dsn postgresql:///hospital migrate\n"
         "  drugnorm-admin -d postgresql:///hospital migrate current\n"
         "  drugnorm-admin -d postgresql:///hospital migrate --sql > upgrade.sql")
def cmd_migrate(args, p):
    p.add_argument("action", nargs="?", choices=("current", "history"),
                   help="current: the database's revision (changes nothing); history: the revisions, newest "
                        "first, with the release that shipped each (the database's marked when one is given)")
    p.add_argument("--to", default="head", help="target revision (default: head)")
    p.add_argument("--sql", action="store_true",
                   help="print the SQL of the pending revisions (from the database's revision, or from base "
                        "without a database) instead of running it; Python steps appear as their statements "
                        "and COPY data")
    if args is None:
        return
    from . import migrate
    if args.action is not None and (args.sql or args.to != "head"):
        raise AdminError(f"migrate {args.action} takes no --to or --sql")
    if args.action == "current":
        print("\n".join(migrate.describe_current(_dsn(args, installed=False))))
    elif args.action == "history":
        dsn = resolve_dsn(args.dsn)
        masking.remember(dsn)
        rev = migrate.current(dsn) if dsn is not None else None
        print("\n".join(migrate.history(rev, installed=dsn is not None)))
    elif args.sql:
        dsn = resolve_dsn(args.dsn)
        masking.remember(dsn)
        sys.stdout.write(migrate.sql_script(migrate.current(dsn) if dsn is not None else None, args.to))
    else:
        migrate.upgrade(_dsn(args, installed=False), args.to, log=_err)


@command("downgrade", "downgrade the schema to REV ('base' removes every drugnorm table)",
         "drugnorm-admin --dsn postgresql:///hospital downgrade 0001_lexicon_schema")
def cmd_downgrade(args, p):
    p.add_argument("revision", help="target revision, or 'base'")
    if args is None:
        return
    from . import migrate
    migrate.downgrade(_dsn(args, installed=False), args.revision, log=_err)


@command("load-dict", "load dictionary TSV files (one transaction; see README 'File formats')",
         "drugnorm-admin load-dict my_synonyms.tsv --replace manufacturer")
def cmd_load_dict(args, p):
    p.add_argument("files", nargs="+", type=Path, help="UTF-8 TSV files with header dict, term, standard, generic")
    p.add_argument("--replace", action="append", default=[], metavar="DICT",
                   help="entries of DICT absent from the files are removed (repeatable)")
    p.add_argument("--encoding", default="utf-8", help="file encoding (default utf-8; e.g. gbk)")
    if args is None:
        return
    from . import loader
    summary = loader.load(_dsn(args), args.files, args.replace, args.encoding, log=_err, products=True)
    print("\n".join(summary.lines()))


@command("import", "import an official drug list: nhsa (医保药品分类与代码) or nmpa (国家药品编码本位码)",
         "drugnorm-admin import nhsa 医保药品分类与代码.xlsx --dry-run")
def cmd_import(args, p):
    p.add_argument("format", choices=["nhsa", "nmpa"], help="the layout of the files")
    p.add_argument("files", nargs="+", type=Path,
                   help=".xlsx, .xls, .ods, .csv or .tsv (UTF-8 or GBK, detected)")
    p.add_argument("--encoding", help="force the encoding of .csv/.tsv files (e.g. gbk)")
    p.add_argument("--dry-run", action="store_true",
                   help="map, validate and load, then roll back: lists what would be added, changed and "
                        "derived (generic names taken from new product names), writes nothing")
    if args is None:
        return
    from . import official
    result = official.import_files(_dsn(args), args.format, args.files, args.encoding, args.dry_run, log=_err)
    print("\n".join(result.lines()))


@command("revert", "restore the lexicon as it was before VERSION: undoes that version and every later one, "
         "as one new version through load-dict's validation",
         "drugnorm-admin revert 42 --dry-run")
def cmd_revert(args, p):
    p.add_argument("version", type=int,
                   help="a lexicon version (stats shows the current one; drugnorm.lexicon_version lists them all); "
                        "versions without a recorded history (loaded before 0.10, or by a migration) cannot "
                        "be undone")
    p.add_argument("--dry-run", action="store_true", help="list what would be added, changed and removed; "
                                                          "write nothing")
    if args is None:
        return
    from . import revert
    summary = revert.revert(_dsn(args), args.version, args.dry_run, log=_err)
    print("\n".join(summary.lines() + summary.change_lines(None if args.dry_run else 20)))


@command("init", "migrate and load the bundled default lexicon (idempotent)",
         "drugnorm-admin --dsn postgresql:///hospital init")
def cmd_init(args, p):
    if args is None:
        return
    from . import embedded as emb
    emb.init(_dsn(args, embedded=True, installed=False), log=_err)


@command("embedded", "the embedded default database: 'status' (where, running or not, its DSN) or 'stop'",
         "drugnorm-admin embedded stop")
def cmd_embedded(args, p):
    p.add_argument("action", choices=["status", "stop"])
    if args is None:
        return
    from . import embedded as emb
    if args.action == "stop":
        emb.stop()
    for line in emb.status():
        print(masking.scrub(line))


@command("parse", "normalize drug strings (TEXT..., or - for lines on stdin)",
         "drugnorm-admin parse \"(立普妥)阿托伐他汀钙片20mg*7片\"")
def cmd_parse(args, p):
    p.add_argument("texts", nargs="+", help="drug strings; '-' reads one per line from stdin")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print one JSON document (drug_parse's) per input line")
    out.add_argument("--csv", action="store_true",
                     help="print CSV: a header, then one row per input (input, normalized, the flat fields, "
                          "lexicon_version)")
    if args is None:
        return
    from . import parse as parse_mod
    texts = []
    for t in args.texts:
        texts.extend(line.rstrip("\n") for line in sys.stdin) if t == "-" else texts.append(t)
    fmt = "json" if args.json else "csv" if args.csv else "table"
    for out in parse_mod.run(_dsn(args, embedded=True), texts, fmt=fmt):
        print(out)


@command("export-dict", "write the lexicon in load-dict format (lossless round trip)",
         "drugnorm-admin export-dict lexicon.tsv --dict manufacturer")
def cmd_export_dict(args, p):
    p.add_argument("file", help="output TSV ('-' for stdout)")
    p.add_argument("--dict", action="append", dest="dicts", metavar="DICT", help="only these dictionaries")
    if args is None:
        return
    from . import export
    dsn = _dsn(args)
    export.check_dicts(dsn, args.dicts)     # before the file is created
    if args.file == "-":
        n = export.export(dsn, sys.stdout, args.dicts)
    else:
        with open(args.file, "w", encoding="utf-8") as out:
            n = export.export(dsn, out, args.dicts)
    _err(f"wrote {n} rows")


@command("stats", "entries per dictionary (standards, synonyms, names without a generic link, orphan synonyms, "
                  "with --table/--into entries no stored result matched), review queue size",
         "drugnorm-admin stats --table prescriptions --into norm")
def cmd_stats(args, p):
    p.add_argument("--table", help="a table holding drug_parse results, to count entries never matched "
                                   "(NAME or SCHEMA.NAME as in SQL)")
    p.add_argument("--into", help="its jsonb column of drug_parse results (exact name, as --into of parse-table "
                                  "and attach)")
    p.add_argument("--column", dest="results_column",
                   help="deprecated (0.10) alias of --into, removed in 0.11: elsewhere --column names the raw text")
    if args is None:
        return
    into = args.into
    if args.results_column is not None:
        if into is not None and into != args.results_column:
            raise AdminError("stats: --into and the deprecated --column name different columns: give only --into")
        into = args.results_column
    if (args.table is None) != (into is None):
        raise AdminError("stats: --table and --into go together")
    from . import review, stats
    from .db import connect
    dsn = _dsn(args)
    rows = stats.stats(dsn, (args.table, into) if args.table is not None else None)
    print(f"{stats.HEADER[0]:<20}" + "".join(f" {h:>13}" for h in stats.HEADER[1:]))
    for name, *counts in rows:
        print(f"{name:<20}" + "".join(f" {'-' if c is None else c:>13}" for c in counts))
    with connect(dsn) as conn:
        items, events = review.queue_size(conn)
        version = conn.execute("SELECT version FROM drugnorm.state").fetchone()[0]
    print(f"lexicon version {version}; review queue: {items} open fragments, {events} events not yet folded")
    if args.results_column is not None:   # after the work: a failure stays one line
        _warn("stats --column is deprecated and goes in 0.11: use --into (the results column, as in parse-table "
              "and attach; --column names the raw text column everywhere else)")


@command("eval", "accuracy of drug_parse on a TSV with an input column and truth columns (see eval/README.md)",
         "drugnorm-admin eval eval/dev_neusoft.tsv")
def cmd_eval(args, p):
    p.add_argument("file", type=Path, help="TSV: input, and any of product, generic, trade, dosage_form, "
                                           "strength, package, manufacturer, is_drug")
    p.add_argument("--limit", type=int, help="only the first N rows")
    if args is None:
        return
    from . import evaluate
    print("\n".join(evaluate.evaluate(_dsn(args, embedded=True), args.file, args.limit).lines()))


@command("review", "the review queue: 'export [--format xlsx] --min-count N FILE' for pharmacists, "
                   "'import FILE' of their decisions (.xlsx, or text in UTF-8, UTF-16 or GBK)",
         "drugnorm-admin review export --format xlsx --min-count 5 todo.xlsx")
def cmd_review(args, p):
    p.add_argument("action", choices=("export", "import"))
    p.add_argument("file", type=Path)
    p.add_argument("--min-count", type=int, default=1, help="export: only fragments seen at least N times")
    p.add_argument("--format", choices=("tsv", "xlsx"),
                   help="export: tsv (for scripts) or xlsx (for Excel: Chinese headers, drop-downs, example "
                        "strings); default: from the file name, else tsv. import reads either")
    if args is None:
        return
    from . import review, review_xlsx
    if args.action == "export":
        fmt = args.format or ("xlsx" if args.file.suffix.lower() == ".xlsx" else "tsv")
        if fmt == "xlsx":
            n = review_xlsx.export(_dsn(args), args.file, args.min_count, log=_err)
            _err(f"wrote {n} fragments to {args.file}; pick a 决定 (decision) per row in Excel, save, then: "
                 "review import")
        else:
            n = review.export(_dsn(args), args.file, args.min_count, log=_err)
            _err(f"wrote {n} fragments to {args.file}; fill in 'standard' (and 'dict'), then: review import")
    else:
        summary, decided, ignored = review_xlsx.import_file(_dsn(args), args.file, log=_err)
        print("\n".join(summary.lines()) if summary.per_dict else "no lexicon change")
        _err(f"{decided} fragment(s) decided, {ignored} ignored; they leave the review queue")


@command("desk", "the pharmacist's desk in a browser: review queue (decide), coverage of stored results, lexicon "
                 "lookup; 127.0.0.1 by default, another --host needs the printed token; Ctrl-C stops it",
         "drugnorm-admin --dsn postgresql://pharmacist@dbhost/hospital desk --port 8765")
def cmd_desk(args, p):
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1); any other than loopback needs the token the "
                        "command prints")
    p.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 picks a free one)")
    if args is None:
        return
    from . import desk
    desk.serve(_dsn(args), args.host, args.port, log=_err)


def _table_args(p, superuser=False):
    p.add_argument("--table", required=True,
                   help='the table, NAME or SCHEMA.NAME as in SQL: unquoted names fold to lower case, '
                        '\'"Rx"\' keeps its case')
    p.add_argument("--column", required=True, help="its text column holding raw drug strings (exact name)")
    p.add_argument("--into", required=True,
                   help="the jsonb column for drug_parse results (exact name; created if missing)")
    if superuser:
        p.add_argument("--allow-superuser", action="store_true",
                       help="run as a superuser on a table owned by another role (its triggers then run with "
                            "superuser rights); normally connect as the table's owner, granted drugnorm_reader")


@command("parse-table", "fill a jsonb column with drug_parse of a text column: each distinct value parsed once, "
         "resumable", "drugnorm-admin parse-table --table rx --column drug_text --into drug_norm --jobs 2")
def cmd_parse_table(args, p):
    _table_args(p, superuser=True)
    p.add_argument("--jobs", type=int, default=1, help="connections working in parallel (default 1)")
    if args is None:
        return
    from . import bulk
    _bulk(bulk.normalize, _dsn(args), args.table, args.column, args.into, args.jobs, log=_err,
          allow_superuser=args.allow_superuser)


def _bulk(fn, *a, **kw):
    """parse-table/reparse-table: Ctrl-C stops them within a second; what they kept is said, exit status 130."""
    from . import bulk
    try:
        fn(*a, **kw)
    except bulk.Interrupted as e:
        _err(f"drugnorm-admin: {e}")
        raise SystemExit(130) from None


@command("reparse-table", "redo rows parsed with an older lexicon whose text contains a changed term",
         "drugnorm-admin reparse-table --table rx --column drug_text --into drug_norm")
def cmd_reparse_table(args, p):
    _table_args(p, superuser=True)
    p.add_argument("--jobs", type=int, default=1, help="connections re-parsing in parallel (default 1)")
    if args is None:
        return
    from . import bulk
    _bulk(bulk.renormalize, _dsn(args), args.table, args.column, args.into, log=_err,
          allow_superuser=args.allow_superuser, jobs=args.jobs)


@command("attach", "install a trigger that fills the result column on INSERT and on UPDATE of the raw column",
         "drugnorm-admin attach --table rx --column drug_text --into drug_norm")
def cmd_attach(args, p):
    _table_args(p)
    if args is None:
        return
    from . import bulk
    bulk.attach(_dsn(args), args.table, args.column, args.into, log=_err)


@command("detach", "remove the trigger installed by attach (the stored results stay)",
         "drugnorm-admin detach --table rx --column drug_text --into drug_norm")
def cmd_detach(args, p):
    _table_args(p)
    if args is None:
        return
    from . import bulk
    bulk.detach(_dsn(args), args.table, args.column, args.into, log=_err)


# What to do about a database error, by SQLSTATE.
_HINTS = {
    "42501": "the connecting role lacks a privilege: reading and parsing need a role granted drugnorm_reader; "
             "load-dict, import and review import drugnorm_editor; migrate and init a superuser (README 'Security')",
    "42P01": "is drugnorm installed in this database? run drugnorm-admin migrate (or init) as a superuser",
    "3F000": "is drugnorm installed in this database? run drugnorm-admin migrate (or init) as a superuser",
}


def database_error(e: psycopg.Error) -> str:
    """One line for a database error: its message, SQLSTATE and, for some, what to do."""
    diag = getattr(e, "diag", None)
    msg = diag.message_primary if diag is not None and diag.message_primary else str(e)
    msg = " ".join(msg.split()) or type(e).__name__
    state = getattr(e, "sqlstate", None)
    hint = _HINTS.get(state or "")
    return msg + (f" (SQLSTATE {state})" if state else "") + (f"; {hint}" if hint else "")


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="drugnorm-admin",
        description="Maintain a drugnorm database: migrations, dictionaries, parsing and evaluation.",
        epilog="Connection: --dsn, else DRUGNORM_DSN, else libpq's PG* variables; 'parse' and 'init' "
               "fall back to an embedded database created on first use.")
    ap.add_argument("-d", "--dsn", help=DSN_HELP)
    ap.add_argument("--version", action="version", version=f"drugnorm-admin {__version__}")
    sub = ap.add_subparsers(dest="command", metavar="COMMAND")
    for name, (fn, help, example) in COMMANDS.items():
        _add_command(sub, name, fn, help, example, listed=True)
    for old, new in RENAMED.items():    # not listed in --help: the new name is the one to learn
        fn, help, example = COMMANDS[new]
        _add_command(sub, old, _old_name(old, new, fn), f"the old name of {new}, until 0.11: {help}", example,
                     listed=False)
    return ap


def _add_command(sub, name, fn, help, example, listed):
    p = sub.add_parser(name, description=f"{help}\n\nexample:\n  {example}",
                       formatter_class=argparse.RawDescriptionHelpFormatter, **({"help": help} if listed else {}))
    fn(None, p)
    # --dsn/-d before or after the command, as psql users type it; SUPPRESS keeps one given before
    p.add_argument("-d", "--dsn", default=argparse.SUPPRESS, help=DSN_HELP)
    p.set_defaults(func=fn, parser=p)


# Commands renamed in 0.10 (old -> new): the old name works as the new one for one release, and says so.
RENAMED = {"normalize": "parse-table", "renormalize": "reparse-table"}


def _old_name(old: str, new: str, fn):
    def run(args, p):
        if args is not None:
            print(f"drugnorm-admin {old} is now {new}; the old name goes in 0.11", file=sys.stderr)
        return fn(args, p)
    return run


DSN_HELP = ("libpq connection string or URI (before or after COMMAND; default DRUGNORM_DSN, else the PG* "
            "variables); a password in it is never printed")


def main(argv=None) -> int:
    ap = build_parser()
    args = ap.parse_args(argv)
    if not getattr(args, "func", None):
        ap.print_help()
        return 2
    masking.remember(args.dsn)
    shown, db.show_warning = db.show_warning, _warn   # the server's WARNINGs, as psql shows them
    try:
        args.func(args, argparse.ArgumentParser(add_help=False))
    except AdminError as e:
        _err(f"drugnorm-admin: error: {e}")
        return 1
    except BrokenPipeError:   # `drugnorm-admin stats | head`: the reader left; not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except psycopg.Error as e:   # the last resort: whatever a command did not turn into an AdminError
        _err(f"drugnorm-admin: error: {database_error(e)}")
        return 1
    except OSError as e:         # a file that cannot be read or written
        _err(f"drugnorm-admin: error: {e.filename or ''}{': ' if e.filename else ''}{e.strerror or e}")
        return 1
    except KeyboardInterrupt:
        print("drugnorm-admin: interrupted; the current transaction was rolled back", file=sys.stderr)
        return 130
    finally:
        db.show_warning = shown
    return 0


if __name__ == "__main__":
    sys.exit(main())
