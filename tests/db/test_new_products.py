"""A new product standard never loses what a row had (issue 16, item 6: a pharmacist added 丙泊酚注射液 as a
standard; after renormalize the rows that had generic 丙泊酚 and form 注射液 had both NULL)."""
import psycopg

from drugnorm_admin import bulk, cli, loader, review

QUIET = dict(log=lambda *_: None)
ROWS = ["左氧氟沙星注射液 0.5g", "左氧氟沙星注射液(某某)100ml:0.5g", "辛伐他汀片 20mg", "康复新液 100ml"]


def run(dsn, query, params=None):
    with psycopg.connect(dsn, autocommit=True) as conn:
        cur = conn.execute(query, params)
        return cur.fetchall() if cur.description else None


def table(dsn):
    run(dsn, "CREATE TABLE rx (id int PRIMARY KEY, raw text)")
    run(dsn, "INSERT INTO rx SELECT i, (%s::text[])[1 + i %% %s] FROM generate_series(1, 40) i", (ROWS, len(ROWS)))
    bulk.normalize(dsn, "rx", "raw", "norm", **QUIET)


def fields(dsn):
    return {r[0]: r[1:] for r in run(dsn, "SELECT DISTINCT raw, norm->>'product_name', norm->>'generic_name', "
                                          "norm->>'dosage_form' FROM rx")}


def links(dsn, term):
    return run(dsn, """SELECT g.term, f.term FROM drugnorm.entry e
                       LEFT JOIN drugnorm.entry g ON g.id = e.generic_id LEFT JOIN drugnorm.entry f ON f.id = e.dosage_form_id
                       WHERE e.dict = 'product_name' AND e.term = %s""", (term,))[0]


def test_a_new_product_standard_from_load_dict_gets_its_links_and_rows_keep_their_generic_and_form(mini_db, tmp_path,
                                                                                                  capsys):
    table(mini_db)
    before = fields(mini_db)
    assert before["左氧氟沙星注射液 0.5g"] == ("左氧氟沙星注射液", "左氧氟沙星", "注射液")
    f = tmp_path / "new.tsv"
    f.write_text("dict\tterm\tstandard\tgeneric\nproduct_name\t左氧氟沙星注射液\t\t\nproduct_name\t康复新液\t\t\n",
                 encoding="utf-8")
    capsys.readouterr()
    assert cli.main(["--dsn", mini_db, "load-dict", str(f)]) == 0
    said = capsys.readouterr().err.splitlines()
    note = next(s for s in said if s.startswith("note:"))
    assert f"{f}:2: 左氧氟沙星注射液 → generic 左氧氟沙星, dosage form 注射液" in note
    warning = next(s for s in said if s.startswith("warning:"))
    assert f"{f}:3: 康复新液 (no generic" in warning and "fill the columns generic and dosage_form" in warning
    assert links(mini_db, "左氧氟沙星注射液") == ("左氧氟沙星", "注射液")
    assert links(mini_db, "康复新液") == (None, None)

    assert bulk.renormalize(mini_db, "rx", "raw", "norm", **QUIET) == 30     # rows naming one of the two
    after = fields(mini_db)
    for raw in ("左氧氟沙星注射液 0.5g", "左氧氟沙星注射液(某某)100ml:0.5g"):
        assert after[raw] == ("左氧氟沙星注射液", "左氧氟沙星", "注射液"), raw       # nothing lost
    assert after["辛伐他汀片 20mg"] == before["辛伐他汀片 20mg"]
    evidence = run(mini_db, "SELECT DISTINCT norm->'evidence' FROM rx WHERE raw = '左氧氟沙星注射液 0.5g'")[0][0]
    assert evidence["generic_name"] == "link" and evidence["product_name"] == "exact"


def test_links_given_in_the_file_are_kept_and_only_a_missing_one_is_read_off_the_name(mini_db, tmp_path):
    f = tmp_path / "new.tsv"
    f.write_text("dict\tterm\tstandard\tgeneric\tdosage_form\n"
                 "product_name\t左氧氟沙星注射液\t\t盐酸左氧氟沙星\t\n"       # the pharmacist chose the salt
                 "product_name\t辛伐他汀注射液\t\t\t片剂\n", encoding="utf-8")   # and a (wrong) form: theirs
    said = []
    loader.load(mini_db, [f], log=said.append, products=True)
    assert links(mini_db, "左氧氟沙星注射液") == ("盐酸左氧氟沙星", "注射液")
    assert links(mini_db, "辛伐他汀注射液") == ("辛伐他汀", "片剂")
    assert not [s for s in said if s.startswith("warning:")]
    # a product the lexicon already has is not touched: what the file says is what it gets
    f.write_text("dict\tterm\tstandard\tgeneric\nproduct_name\t辛伐他汀片\t\t辛伐他汀\n", encoding="utf-8")
    said.clear()
    loader.load(mini_db, [f], log=said.append, products=True)
    assert links(mini_db, "辛伐他汀片") == ("辛伐他汀", None) and not said


def test_a_new_standard_from_review_import_gets_its_links_too(mini_db, tmp_path):
    f = tmp_path / "todo.tsv"
    f.write_text("\t".join(review.EXPORT_COLUMNS) + "\n"
                 + "\t".join(["左氧氟沙星注射液", "3", "inferred", "", "", "", "", "", "product_name", "左氧氟沙星注射液"])
                 + "\n", encoding="utf-8")
    said = []
    review.import_decisions(mini_db, f, log=said.append)
    assert any("左氧氟沙星注射液 → generic 左氧氟沙星, dosage form 注射液" in s for s in said)
    assert links(mini_db, "左氧氟沙星注射液") == ("左氧氟沙星", "注射液")


def test_a_product_stored_without_links_still_tells_its_generic_and_form(mini_db):
    """The parse's side (plpython/inference.py, unlinked_product): a product the lexicon holds without
    links (written by hand, an import without a generic) does not hide the generic and form its name shows."""
    table(mini_db)
    f_rows = [loader.Row("hand", 1, "product_name", "左氧氟沙星注射液", None, None, None, None, "hand")]
    with psycopg.connect(mini_db) as conn:
        loader.load_rows(conn, f_rows, [], **QUIET)      # products=False: as revert or an import writes it
        conn.commit()
    assert links(mini_db, "左氧氟沙星注射液") == (None, None)
    bulk.renormalize(mini_db, "rx", "raw", "norm", **QUIET)
    assert fields(mini_db)["左氧氟沙星注射液 0.5g"] == ("左氧氟沙星注射液", "左氧氟沙星", "注射液")


def test_the_bundled_lexicon_and_scripted_loads_are_loaded_as_written(mini_db, tmp_path):
    f = tmp_path / "lex.tsv"
    f.write_text("dict\tterm\tstandard\tgeneric\nproduct_name\t左氧氟沙星注射液\t\t\n", encoding="utf-8")
    said = []
    loader.load(mini_db, [f], log=said.append)        # init, benchmarks: no products=True
    assert links(mini_db, "左氧氟沙星注射液") == (None, None) and not said
