"""load-dict: the file format, every rejection reason, atomicity, idempotence and --replace."""
import psycopg
import pytest

from drugnorm_admin import loader
from drugnorm_admin.loader import LoadError

HEADER = "dict\tterm\tstandard\tgeneric\n"
QUIET = dict(log=lambda *_: None)


def write(tmp_path, body, name="d.tsv", header=HEADER, encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes((header + body).encode(encoding))
    return p


def counts(dsn):
    with psycopg.connect(dsn) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM drugnorm.{t}").fetchone()[0]
                for t in ("entry", "posting", "token_stat", "lexicon_version", "hanzi", "char_model",
                          "dictionary", "setting")} | {
            "state": conn.execute("SELECT version, n_entries FROM drugnorm.state").fetchone()}


def lexicon(dsn):
    with psycopg.connect(dsn) as conn:
        return {(d, t): (s, g) for d, t, s, g in
                conn.execute("SELECT dict, term, standard, generic FROM drugnorm.lexicon")}


def test_loads_standards_synonyms_and_links(db, tmp_path):
    f = write(tmp_path, "trade_name\tLipitor\t立普妥\t\n"          # a synonym before its standard
                        "trade_name\t立普妥\t\t阿托伐他汀钙\n"
                        "generic_name\t阿托伐他汀钙\t\t\n"
                        "manufacturer\t（成都）江蘇恒瑞\t(成都)江苏恒瑞制药\t\n"
                        "manufacturer\t(成都)江苏恒瑞制药\t\t\n")
    summary = loader.load(db, [f], **QUIET)
    assert summary.version == 1
    assert summary.per_dict["trade_name"] == {"rows": 2, "added": 2, "updated": 0, "unchanged": 0, "removed": 0}
    lex = lexicon(db)
    assert lex[("trade_name", "Lipitor")] == ("立普妥", "阿托伐他汀钙")
    assert lex[("trade_name", "立普妥")] == ("立普妥", "阿托伐他汀钙")
    with psycopg.connect(db) as conn:
        # keys are normalized like input strings: full-width, case, traditional -> simplified
        keys = {r[0] for r in conn.execute("SELECT key FROM drugnorm.entry")}
        assert {"lipitor", "(成都)江苏恒瑞"} <= keys
        assert conn.execute("SELECT tokens IS NOT NULL, pinyin, initials FROM drugnorm.entry "
                            "WHERE key = '立普妥'").fetchone() == (True, "liputuo", "lpt")
        assert conn.execute("SELECT n_entries FROM drugnorm.state").fetchone()[0] == 5


def test_loading_the_same_file_twice_changes_nothing(db, tmp_path):
    f = write(tmp_path, "generic_name\t尼莫地平\t\t\ngeneric_name\tnimodipine\t尼莫地平\t\n")
    loader.load(db, [f], **QUIET)
    before = counts(db)
    summary = loader.load(db, [f], **QUIET)
    assert summary.version is None
    assert summary.per_dict["generic_name"]["unchanged"] == 2
    assert counts(db) == before


def test_a_second_load_updates_a_changed_standard(db, tmp_path):
    loader.load(db, [write(tmp_path, "generic_name\t甲\t\t\ngeneric_name\t乙\t\t\ngeneric_name\t丙\t甲\t\n")], **QUIET)
    summary = loader.load(db, [write(tmp_path, "generic_name\t丙\t乙\t\n", name="e.tsv")], **QUIET)
    assert summary.per_dict["generic_name"]["updated"] == 1
    assert lexicon(db)[("generic_name", "丙")] == ("乙", None)


@pytest.mark.parametrize("body, message", [
    ("nosuchdict\t甲\t\t\n", "d.tsv:3: unknown dict 'nosuchdict'"),
    ("generic_name\t\t\t\n", "d.tsv:3: empty term"),
    ("generic_name\t乙\t不存在\t\n", "d.tsv:3: standard '不存在' of generic_name '乙' is nowhere"),
    ("trade_name\t某商品\t\t不存在的通用名\n", "d.tsv:3: generic '不存在的通用名' of '某商品' is not a standard generic_name"),
    ("generic_name\t甲\t乙\t\n", "d.tsv:3: generic_name '甲' normalizes like '甲' at "),
    ("generic_name\t甲\t\n", "d.tsv:3: malformed line: 3 fields, the header has 4"),
    ("generic_name\t乙\t丙\t\ngeneric_name\t丙\t甲\t\n", "d.tsv:3: standard '丙' of generic_name '乙' is itself a synonym"),
    ("generic_name\t乙\t\t甲\n", "d.tsv:3: column generic is only for trade_name and product_name rows"),
    ("trade_name\t某\t某某\t甲\ntrade_name\t某某\t\t\n", "d.tsv:3: links (generic, product, dosage_form) belong on the standard"),
    ("generic_name\t★\t\t\n", "d.tsv:3: term '★' normalizes to nothing"),
])
def test_a_bad_line_fails_naming_it_and_changes_nothing(db, tmp_path, body, message):
    good = "generic_name\t甲\t\t\n"
    f = write(tmp_path, good + body)
    loader.load(db, [write(tmp_path, "irrelevant_char\t★\t\t\n", name="chars.tsv")], **QUIET)
    before = counts(db)
    with pytest.raises(LoadError) as e:
        loader.load(db, [f], **QUIET)
    assert message in str(e.value)
    assert counts(db) == before


def test_header_without_required_columns_is_rejected(db, tmp_path):
    f = write(tmp_path, "generic_name\t甲\n", header="dict\tterm\n")
    with pytest.raises(LoadError, match=r"d.tsv:1: header lacks column\(s\) standard, generic"):
        loader.load(db, [f], **QUIET)


def test_unknown_column_is_rejected(db, tmp_path):
    f = write(tmp_path, "generic_name\t甲\t\t\tx\n", header="dict\tterm\tstandard\tgeneric\tcolour\n")
    with pytest.raises(LoadError, match="unknown column"):
        loader.load(db, [f], **QUIET)


def test_gbk_file_is_detected_and_loads_with_encoding(db, tmp_path):
    f = write(tmp_path, "generic_name\t阿莫西林\t\t\n", encoding="gbk")
    with pytest.raises(LoadError, match="decodes as GBK"):
        loader.load(db, [f], **QUIET)
    loader.load(db, [f], encoding="gbk", **QUIET)
    assert ("generic_name", "阿莫西林") in lexicon(db)


def test_duplicate_identical_lines_are_fine(db, tmp_path):
    f = write(tmp_path, "generic_name\t甲\t\t\ngeneric_name\t甲\t\t\n")
    assert loader.load(db, [f], **QUIET).per_dict["generic_name"]["added"] == 1


def test_replace_reloads_one_dictionary_atomically(db, tmp_path):
    loader.load(db, [write(tmp_path, "route\t口服\t\t\nroute\t静滴\t静脉滴注\t\nroute\t静脉滴注\t\t\n"
                                     "generic_name\t甲\t\t\n")], **QUIET)
    summary = loader.load(db, [write(tmp_path, "route\t口服\t\t\nroute\t外用\t\t\n", name="r.tsv")],
                          replace=["route"], **QUIET)
    assert summary.per_dict["route"]["removed"] == 2
    lex = lexicon(db)
    assert {t for d, t in lex if d == "route"} == {"口服", "外用"}
    assert ("generic_name", "甲") in lex


def test_replace_refuses_to_orphan_a_link(db, tmp_path):
    loader.load(db, [write(tmp_path, "generic_name\t甲\t\t\ntrade_name\t某\t\t甲\n")], **QUIET)
    before = counts(db)
    with pytest.raises(LoadError, match="still points to it|still points to"):
        loader.load(db, [write(tmp_path, "generic_name\t乙\t\t\n", name="g.tsv")], replace=["generic_name"], **QUIET)
    assert counts(db) == before


def test_every_load_records_a_version(db, tmp_path):
    loader.load(db, [write(tmp_path, "generic_name\t甲\t\t\n")], **QUIET)
    loader.load(db, [write(tmp_path, "generic_name\t乙\t\t\n", name="e.tsv")], **QUIET)
    with psycopg.connect(db) as conn:
        rows = conn.execute("SELECT version, loaded_by, what->'files' FROM drugnorm.lexicon_version "
                            "ORDER BY version").fetchall()
    assert [r[0] for r in rows] == [0, 1, 2]
    assert rows[2][2][0].endswith("e.tsv")


def test_export_then_load_round_trips_losslessly(mini_db, db, tmp_path):
    from drugnorm_admin import export
    out = tmp_path / "all.tsv"
    with open(out, "w", encoding="utf-8") as f:
        n = export.export(mini_db, f)
    assert n == len(lexicon(mini_db))
    before = lexicon(mini_db)
    summary = loader.load(mini_db, [out], **QUIET)
    assert summary.version is None                     # nothing changed
    assert lexicon(mini_db) == before
    # and into an empty database it rebuilds the same lexicon, sources included
    loader.load(db, [out], **QUIET)
    assert lexicon(db) == before
    with psycopg.connect(mini_db) as a, psycopg.connect(db) as b:
        q = "SELECT dict, term, source FROM drugnorm.entry ORDER BY 1, 2"
        assert a.execute(q).fetchall() == b.execute(q).fetchall()


@pytest.fixture
def editor(mini_db):
    """A login role granted drugnorm_editor only: what load-dict, import and review import run as."""
    import uuid
    name = f"editor_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(mini_db, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {name} LOGIN IN ROLE drugnorm_editor")
    yield psycopg.conninfo.make_conninfo(mini_db, user=name), name
    with psycopg.connect(mini_db, autocommit=True) as conn:
        conn.execute(f"DROP OWNED BY {name}")
        conn.execute(f"DROP ROLE {name}")


def history(dsn):
    with psycopg.connect(dsn) as conn:
        return conn.execute("SELECT version, loaded_at, loaded_by, what FROM drugnorm.lexicon_version "
                            "ORDER BY version").fetchall()


def test_the_lexicon_history_is_append_only_for_editors(mini_db, editor, tmp_path):
    dsn, name = editor
    before = history(mini_db)
    with psycopg.connect(dsn) as conn:
        for stmt in ("UPDATE drugnorm.lexicon_version SET loaded_by = 'someone', what = '{}'",
                     "DELETE FROM drugnorm.lexicon_version",
                     "TRUNCATE drugnorm.lexicon_version"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(stmt)
            conn.rollback()
        # an editor may append, but not in another role's name nor at another time
        conn.execute("INSERT INTO drugnorm.lexicon_version (version, loaded_at, loaded_by, what) "
                     "VALUES (1000, '2001-01-01', 'postgres', '{\"forged\": true}')")
        conn.commit()
    forged = history(mini_db)[-1]
    assert forged[0] == 1000 and forged[2] == name and forged[1].year > 2001
    assert history(mini_db)[:len(before)] == before
    # the owner (a superuser here) keeps every right: init marks the bundled lexicon with an UPDATE
    with psycopg.connect(mini_db) as conn:
        conn.execute("UPDATE drugnorm.lexicon_version SET what = what || '{\"bundled\": \"x\"}' WHERE version = 0")


def test_loads_and_imports_run_by_an_editor_only_insert_into_the_history(mini_db, editor, tmp_path):
    from drugnorm_admin import official, review
    from tests.conftest import DATA
    dsn, name = editor
    before = history(mini_db)
    f = write(tmp_path, "generic_name\t甲\t\t\n")
    assert loader.load(dsn, [f], **QUIET).version == before[-1][0] + 1
    assert loader.load(dsn, [f], **QUIET).version is None                # nothing changed: nothing recorded
    assert official.import_files(dsn, "nhsa", [DATA / "nhsa_sample.csv"], **QUIET).summary.version is not None
    with psycopg.connect(mini_db, autocommit=True) as conn:
        conn.execute("INSERT INTO drugnorm.review_event (fragment, match) VALUES ('阿莫西临胶囊', 'fuzzy')")
    todo = tmp_path / "todo.tsv"
    review.export(dsn, todo)
    lines = todo.read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    row = dict(zip(header, lines[1].split("\t"))) | {"dict": "product_name", "standard": "阿莫西林胶囊"}
    todo.write_text("\t".join(header) + "\n" + "\t".join(row[h] for h in header) + "\n", encoding="utf-8")
    assert review.import_decisions(dsn, todo, **QUIET).version is not None
    after = history(mini_db)
    assert after[:len(before)] == before                                 # nothing earlier was rewritten
    new = after[len(before):]
    assert [v for v, *_ in new] == [before[-1][0] + i for i in (1, 2, 3)]
    assert all(by == name for _, _, by, _ in new)
    assert [bool(w.get("counts")) for *_, w in new] == [True, True, True]
    assert "review_import" in new[-1][3]
    with psycopg.connect(mini_db) as conn:
        assert conn.execute("SELECT version FROM drugnorm.state").fetchone()[0] == new[-1][0]
        assert conn.execute("SELECT count(*) FROM drugnorm.entry e WHERE NOT EXISTS "
                            "(SELECT 1 FROM drugnorm.lexicon_version v WHERE v.version = e.version)").fetchone()[0] == 0
