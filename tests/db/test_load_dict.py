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
