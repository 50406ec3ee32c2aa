"""drugnorm-admin revert VERSION (issue 16, item 2): the lexicon as it was before VERSION, as one new
version, through load-dict's validation; refused, by name, where the history is missing."""
import io
import json

import psycopg
import pytest

from drugnorm_admin import cli, export, loader, migrate, revert
from drugnorm_admin.db import AdminError

QUIET = dict(log=lambda *_: None)
HEADER = "dict\tterm\tstandard\tgeneric\tproduct\tdosage_form\tsource\n"

A = (HEADER +
     "generic_name\t阿托伐他汀钙\t\t\t\t\ta\n"
     "generic_name\t阿托伐他汀\t阿托伐他汀钙\t\t\t\ta\n"
     "generic_name\t辛伐他汀\t\t\t\t\ta\n"
     "dosage_form\t片剂\t\t\t\t\ta\n"
     "product_name\t阿托伐他汀钙片\t\t阿托伐他汀钙\t\t片剂\ta\n"
     "trade_name\t立普妥\t\t阿托伐他汀钙\t阿托伐他汀钙片\t\ta\n"
     "trade_name\tLipitor\t立普妥\t\t\t\ta\n"
     "manufacturer\t辉瑞制药有限公司\t\t\t\t\ta\n"
     "manufacturer\t辉瑞\t辉瑞制药有限公司\t\t\t\ta\n"
     "manufacturer\t默沙东\t\t\t\t\ta\n")
# B changes some entries (a link, a synonym's standard, a source, a term's spelling), adds some and, with
# --replace manufacturer, removes 默沙东.
B = (HEADER +
     "generic_name\t辛伐他汀\t\t\t\t\tb\n"
     "generic_name\t瑞舒伐他汀钙\t\t\t\t\tb\n"
     "product_name\t辛伐他汀片\t\t辛伐他汀\t\t片剂\tb\n"
     "trade_name\t舒降之\t\t辛伐他汀\t辛伐他汀片\t\tb\n"
     "trade_name\tLipitor\t舒降之\t\t\t\tb\n"
     "trade_name\t立普妥\t\t阿托伐他汀钙\t\t\tb\n"
     "manufacturer\t辉瑞制药有限公司\t\t\t\t\ta\n"
     "manufacturer\tPfizer\t辉瑞制药有限公司\t\t\t\tb\n"
     "manufacturer\t辉瑞\t辉瑞制药有限公司\t\t\t\ta\n")


def dump(dsn) -> str:
    out = io.StringIO()
    export.export(dsn, out)
    return out.getvalue()


def load(dsn, tmp_path, text, name, replace=()):
    f = tmp_path / name
    f.write_text(text, encoding="utf-8")
    return loader.load(dsn, [f], list(replace), **QUIET).version


def versions(dsn):
    with psycopg.connect(dsn) as conn:
        return conn.execute("SELECT version, what FROM drugnorm.lexicon_version ORDER BY version").fetchall()


@pytest.fixture
def a_then_b(db, tmp_path):
    va = load(db, tmp_path, A, "a.tsv")
    after_a = dump(db)
    vb = load(db, tmp_path, B, "b.tsv", replace=["manufacturer"])
    assert dump(db) != after_a
    return db, va, vb, after_a


def test_revert_restores_the_lexicon_before_the_version_as_one_new_version(a_then_b):
    db, va, vb, after_a = a_then_b
    after_b = dump(db)
    summary = revert.revert(db, vb, **QUIET)
    assert dump(db) == after_a                                # export-dict output identical
    assert summary.version == vb + 1
    assert [v for v, _ in versions(db)] == [0, va, vb, vb + 1]
    what = versions(db)[-1][1]
    assert what["revert"] == vb and what["undoes"] == [vb] and what["history"] is True
    assert {c.op for c in summary.changes} == {"added", "changed", "removed"}
    with psycopg.connect(db) as conn:
        # restored entries carry the new version (renormalize redoes what names them); 默沙东 is back
        assert conn.execute("SELECT version FROM drugnorm.entry WHERE key = '默沙东'").fetchone() == (vb + 1,)
        assert conn.execute("SELECT count(*) FROM drugnorm.entry WHERE key = '舒降之'").fetchone() == (0,)
        assert conn.execute("SELECT version FROM drugnorm.state").fetchone() == (vb + 1,)
        # the postings and document frequencies follow: the fuzzy matcher knows 默沙东 again, not 舒降之
        doc = conn.execute("SELECT drug_parse('舒降之 默沙东')").fetchone()[0]
    assert doc["trade_name"] is None and doc["manufacturer"] == "默沙东"
    # a revert is a version like any other: reverting it gives B back
    revert.revert(db, vb + 1, **QUIET)
    assert dump(db) == after_b


def test_reverting_a_version_undoes_every_later_one(a_then_b, tmp_path):
    db, va, vb, after_a = a_then_b
    load(db, tmp_path, HEADER + "generic_name\t洛伐他汀\t\t\t\t\tc\n", "c.tsv")
    revert.revert(db, vb, **QUIET)                            # undoes B and C
    assert dump(db) == after_a
    assert versions(db)[-1][1]["undoes"] == [vb, vb + 1]
    revert.revert(db, va, **QUIET)                            # back to the empty lexicon
    assert dump(db) == "\t".join(export.COLUMNS) + "\n"


def test_reverting_again_changes_nothing(a_then_b):
    db, va, vb, after_a = a_then_b
    revert.revert(db, vb, **QUIET)
    n = len(versions(db))
    summary = revert.revert(db, vb, **QUIET)      # B and its revert undone: the state before B, as now
    assert summary.version is None and len(versions(db)) == n and dump(db) == after_a


def test_dry_run_lists_and_writes_nothing(a_then_b, capsys):
    db, va, vb, after_a = a_then_b
    after_b = dump(db)
    n = len(versions(db))
    assert cli.main(["--dsn", db, "revert", str(vb), "--dry-run"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert dump(db) == after_b and len(versions(db)) == n
    assert "dry run: nothing written" in out
    assert "removed (4):" in out and "added (1):" in out and "changed (3):" in out   # B added 4, changed 3, removed 默沙东
    assert any(x.split() == ["manufacturer", "默沙东"] for x in out)
    assert any(x.startswith("  trade_name") and "Lipitor (standard 舒降之) -> Lipitor (standard 立普妥)" in x
               for x in out)


def test_refuses_what_has_no_history_and_names_it(a_then_b, tmp_path, capsys):
    db, va, vb, after_a = a_then_b
    with pytest.raises(AdminError, match=r"no lexicon version 99 \(the latest is 2"):
        revert.revert(db, 99, **QUIET)
    with pytest.raises(AdminError, match="there is no lexicon before version 1"):
        revert.revert(db, 0, **QUIET)
    with psycopg.connect(db) as conn:      # what a migration or a hand edit records: a version, no history
        conn.execute("INSERT INTO drugnorm.lexicon_version (version, what) VALUES (%s, %s)",
                     (vb + 1, json.dumps({"event": "migration 0003: the symbol flags are formulary markers"})))
        conn.execute("UPDATE drugnorm.state SET version = %s", (vb + 1,))
    before = dump(db)
    assert cli.main(["--dsn", db, "revert", str(vb)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "recorded no history" in err and "3 (migration 0003" in err
    assert dump(db) == before
    # after that version, history is recorded again and can be undone
    vc = load(db, tmp_path, HEADER + "generic_name\t洛伐他汀\t\t\t\t\tc\n", "c.tsv")
    revert.revert(db, vc, **QUIET)
    assert dump(db) == before


def test_refuses_when_the_lexicon_was_changed_outside_the_history(a_then_b):
    db, va, vb, after_a = a_then_b
    with psycopg.connect(db) as conn:      # a hand edit: 瑞舒伐他汀钙 (added by B) gets a synonym
        conn.execute("""INSERT INTO drugnorm.entry (dict, term, key, standard_id, version)
                        SELECT 'generic_name', '瑞舒伐他汀', '瑞舒伐他汀', id, version FROM drugnorm.entry
                        WHERE key = '瑞舒伐他汀钙'""")
    before = dump(db)
    with pytest.raises(AdminError, match="瑞舒伐他汀"):
        revert.revert(db, vb, **QUIET)
    assert dump(db) == before


def test_the_entry_history_is_append_only_for_editors(a_then_b):
    db, va, vb, after_a = a_then_b
    import uuid
    name = f"editor_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(db, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {name} LOGIN IN ROLE drugnorm_editor")
    try:
        dsn = psycopg.conninfo.make_conninfo(db, user=name)
        with psycopg.connect(dsn) as conn:
            for stmt in ("UPDATE drugnorm.entry_history SET term = 'x'", "DELETE FROM drugnorm.entry_history",
                         "TRUNCATE drugnorm.entry_history"):
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    conn.execute(stmt)
                conn.rollback()
        summary = revert.revert(dsn, vb, **QUIET)          # an editor may revert: it only appends
        assert summary.version == vb + 1 and dump(db) == after_a
    finally:
        with psycopg.connect(db, autocommit=True) as conn:
            conn.execute(f"DROP OWNED BY {name}")
            conn.execute(f"DROP ROLE {name}")


def test_versions_loaded_before_0_10_cannot_be_undone(empty_db, tmp_path):
    migrate.upgrade(empty_db, "0002_functions", **QUIET)          # release 0.9.0: no entry history
    old = load(empty_db, tmp_path, A, "a.tsv")
    migrate.upgrade(empty_db, **QUIET)
    after_a = dump(empty_db)
    new = load(empty_db, tmp_path, B, "b.tsv", replace=["manufacturer"])
    with pytest.raises(AdminError, match=rf"recorded no history .*: {old} \(load-dict .*a.tsv\)"):
        revert.revert(empty_db, old, **QUIET)
    revert.revert(empty_db, new, **QUIET)
    assert dump(empty_db) == after_a
