"""The curation loop of a hospital: typos are queued, a pharmacist decides, the lexicon learns, and only
the affected rows are redone."""
import psycopg
import pytest

from drugnorm_admin import bulk, review, stats
from drugnorm_admin.db import AdminError

QUIET = dict(log=lambda *_: None)


def test_typo_to_queue_to_synonym_to_exact_match(mini_db, tmp_path):
    with psycopg.connect(mini_db, autocommit=True) as conn:
        conn.execute("UPDATE drugnorm.setting SET value = 'on' WHERE name = 'review_queue'")
        conn.execute("CREATE TABLE rx (id serial PRIMARY KEY, raw text)")
        conn.execute("INSERT INTO rx (raw) SELECT '阿莫西临胶囊 0.25g' FROM generate_series(1, 3)")
        conn.execute("INSERT INTO rx (raw) VALUES ('立普妥20mg'), ('立普妥20mg')")
    assert bulk.normalize(mini_db, "rx", "raw", "norm", **QUIET)["written"] == 5

    out = tmp_path / "todo.tsv"
    assert review.export(mini_db, out, min_count=2) >= 1
    lines = out.read_text(encoding="utf-8").splitlines()
    header, first = lines[0].split("\t"), dict(zip(lines[0].split("\t"), lines[1].split("\t")))
    assert header[-2:] == ["dict", "standard"]
    assert first["fragment"] == "阿莫西临胶囊" and first["count"] == "3"
    assert first["candidate_1"].startswith("阿莫西林胶囊|product_name|")

    first["standard"], first["dict"] = "阿莫西林胶囊", "product_name"
    out.write_text("\t".join(header) + "\n" + "\t".join(first[h] for h in header) + "\n", encoding="utf-8")
    summary = review.import_decisions(mini_db, out, **QUIET)
    assert summary.per_dict["product_name"]["added"] == 1

    with psycopg.connect(mini_db, autocommit=True) as conn:
        doc = conn.execute("SELECT drug_parse('阿莫西临胶囊 0.25g')").fetchone()[0]
        seg = next(s for s in doc["segments"] if s["text"] == "阿莫西临胶囊")
        assert (seg["match"], seg["standard"]) == ("exact", "阿莫西林胶囊")
        assert conn.execute("SELECT resolved_standard FROM drugnorm.review_item WHERE fragment = '阿莫西临胶囊'"
                            ).fetchone()[0] == "阿莫西林胶囊"
        before = dict(conn.execute("SELECT id, norm FROM rx"))
    assert bulk.renormalize(mini_db, "rx", "raw", "norm", **QUIET) == 3   # only the typo rows
    with psycopg.connect(mini_db) as conn:
        after = dict(conn.execute("SELECT id, norm FROM rx"))
    changed = {i for i in after if after[i] != before[i]}
    assert len(changed) == 3
    assert all(after[i]["product_name"] == "阿莫西林胶囊" for i in changed)


def test_a_single_character_is_not_queued_for_review(mini_db):
    """One character names nothing (the lexicon keeps no one-character drug): a pharmacist has nothing to decide."""
    with psycopg.connect(mini_db, autocommit=True) as conn:
        conn.execute("SET drugnorm.review_queue = 'on'")
        doc = conn.execute("SELECT drug_parse_review('阿莫西临胶囊 的')").fetchone()[0]
        assert any(s["text"] == "的" and s["match"] == "none" for s in doc["segments"])
        assert [r[0] for r in conn.execute("SELECT fragment FROM drugnorm.review_event")] == ["阿莫西临胶囊"]


def test_the_queue_is_off_by_default_and_recording_never_fails_the_caller(mini_db):
    with psycopg.connect(mini_db, autocommit=True) as conn:
        conn.execute("SELECT drug_parse_review('阿莫西临胶囊')")
        assert conn.execute("SELECT count(*) FROM drugnorm.review_event").fetchone()[0] == 0
        conn.execute("SET drugnorm.review_queue = 'on'")
        conn.execute("SELECT drug_parse_review('阿莫西临胶囊')")
        assert conn.execute("SELECT count(*) FROM drugnorm.review_event").fetchone()[0] == 1
        conn.execute("REVOKE INSERT ON drugnorm.review_event FROM drugnorm_reader")
        conn.execute("CREATE ROLE curation_probe LOGIN IN ROLE drugnorm_reader")
    try:
        with psycopg.connect(psycopg.conninfo.make_conninfo(mini_db, user="curation_probe")) as conn:
            conn.execute("SET drugnorm.review_queue = 'on'")
            doc = conn.execute("SELECT drug_parse_review('阿莫西临胶囊')").fetchone()[0]
            assert doc["segments"]                  # the caller got its result despite the failed insert
    finally:
        with psycopg.connect(mini_db, autocommit=True) as conn:
            conn.execute("DROP OWNED BY curation_probe")
            conn.execute("DROP ROLE curation_probe")


def test_attach_fills_new_rows_and_detach_stops(mini_db):
    from drugnorm_admin import bulk
    with psycopg.connect(mini_db, autocommit=True) as conn:
        conn.execute("CREATE TABLE rx2 (id serial PRIMARY KEY, raw text)")
    bulk.attach(mini_db, "rx2", "raw", "norm", **QUIET)
    with psycopg.connect(mini_db, autocommit=True) as conn:
        conn.execute("INSERT INTO rx2 (raw) VALUES ('(立普妥)阿托伐他汀钙片20mg*7片')")
        assert conn.execute("SELECT norm->>'trade_name' FROM rx2").fetchone()[0] == "立普妥"
        conn.execute("UPDATE rx2 SET raw = '艾力'")
        assert conn.execute("SELECT norm->>'trade_name' FROM rx2").fetchone()[0] == "艾力"
    bulk.detach(mini_db, "rx2", "raw", "norm", **QUIET)
    with psycopg.connect(mini_db, autocommit=True) as conn:
        conn.execute("INSERT INTO rx2 (raw) VALUES ('立普妥')")
        assert conn.execute("SELECT norm FROM rx2 WHERE raw = '立普妥'").fetchone()[0] is None


def test_stats_counts_entries_and_those_no_stored_result_matched(mini_db):
    with psycopg.connect(mini_db, autocommit=True) as conn:
        conn.execute("CREATE TABLE rx (id serial PRIMARY KEY, raw text)")
        conn.execute("INSERT INTO rx (raw) VALUES ('立普妥20mg'), ('阿莫西林胶囊 0.25g'), ('阿莫西林胶囊 0.5g')")
        total = dict(conn.execute("SELECT dict, count(*) FROM drugnorm.entry GROUP BY dict").fetchall())
    bulk.normalize(mini_db, "rx", "raw", "norm", **QUIET)

    plain = {r[0]: r[1:] for r in stats.stats(mini_db)}
    assert plain["product_name"][0] == total["product_name"]
    assert plain["product_name"][5] is None          # no results given: no "never matched" figure
    used = {r[0]: r[1:] for r in stats.stats(mini_db, ("rx", "norm"))}
    assert used["product_name"][5] == total["product_name"] - 1     # 阿莫西林胶囊
    assert used["trade_name"][5] == total["trade_name"] - 1         # 立普妥
    assert used["strength_unit"][5] == total["strength_unit"] - 2   # mg, g
    assert used["irrelevant_char"][5] is None
    assert all(r[4] == 0 for r in used.values())      # orphan synonyms: load-dict never makes one


def test_stats_refuses_a_column_that_holds_no_results(mini_db):
    with psycopg.connect(mini_db, autocommit=True) as conn:
        conn.execute("CREATE TABLE rx (id serial PRIMARY KEY, raw text)")
    with pytest.raises(AdminError, match="expected jsonb"):
        stats.stats(mini_db, ("rx", "raw"))
    with pytest.raises(AdminError, match="does not exist"):
        stats.stats(mini_db, ("nope", "norm"))


HOSTILE_EVENTS = [   # (fragment, match, candidates, n, seen_at): what any reader may append to the queue
    ("坏候选甲", "fuzzy", "{}", 1, None),                                   # candidates not a list
    ("坏候选乙", "fuzzy", '"x"', 1, None),
    ("坏候选丙", "fuzzy", "[1, 2]", 1, None),
    ("坏候选丁", "fuzzy", '[{"standard": 1, "attribute": [], "s": "x"}]', 1, None),
    ("长" * 3000, "none", None, 1, None),                                   # too long for review_item's index
    ("负数", "none", None, -5, None),
    ("无穷", "none", None, 1, "infinity"),
    ("怪匹配", "<script>", None, 1, None),
]
TRICKY_FRAGMENTS = ["阿莫西\r临胶囊", "阿莫\t西临\n胶囊", "=HYPERLINK(\"http://x\",\"阿莫西林\")", "+阿莫西临",
                    "-阿莫西临", "@阿莫西临", "'阿莫西临", "阿莫\\t西临"]


def _queue(dsn, events):
    with psycopg.connect(dsn, autocommit=True) as conn:
        for frag, match, cands, n, seen in events:
            conn.execute("INSERT INTO drugnorm.review_event (fragment, match, candidates, n, seen_at) "
                         "VALUES (%s, %s, %s::jsonb, %s, coalesce(%s::timestamptz, now()))",
                         (frag, match, cands, n, seen))


def test_review_export_and_import_survive_hostile_queue_rows(mini_db, tmp_path):
    good = '[{"term": "阿莫西林胶囊", "standard": "阿莫西林胶囊", "attribute": "product_name", "s": 0.9}]'
    _queue(mini_db, HOSTILE_EVENTS + [(f, "fuzzy", good, 1, None) for f in TRICKY_FRAGMENTS])
    with psycopg.connect(mini_db, autocommit=True) as conn:   # rows an editor wrote straight into review_item
        conn.execute("INSERT INTO drugnorm.review_item (fragment, match, count, first_seen, last_seen, candidates) "
                     "VALUES ('编辑写的', 'fuzzy', 2, '-infinity', 'infinity', '{\"a\": 1}')")
    warnings = []
    out = tmp_path / "todo.tsv"
    n = review.export(mini_db, out, log=warnings.append)
    assert n == len(TRICKY_FRAGMENTS) + 1
    text = out.read_text(encoding="utf-8")
    assert "\r" not in text
    lines = text.split("\n")
    assert lines[-1] == "" and len(lines) == n + 2                        # one line per fragment, no more
    header = lines[0].split("\t")
    rows = [dict(zip(header, line.split("\t"))) for line in lines[1:-1]]
    assert all(len(line.split("\t")) == len(header) for line in lines[1:-1])
    for r in rows:                                                        # nothing a spreadsheet would run
        assert all(not v.startswith(("=", "+", "-", "@")) for v in r.values()), r
    by_fragment = {review.cell_in(r["fragment"]): r for r in rows}
    assert set(by_fragment) == set(TRICKY_FRAGMENTS) | {"编辑写的"}
    assert by_fragment["=HYPERLINK(\"http://x\",\"阿莫西林\")"]["fragment"].startswith("'=")
    assert by_fragment["编辑写的"]["first_seen"] == "" and by_fragment["编辑写的"]["candidate_1"] == ""
    # the warnings name what was left out and why
    quarantine = next(w for w in warnings if "left in drugnorm.review_event" in w)
    for frag in ("坏候选甲", "坏候选乙", "坏候选丙", "坏候选丁", "长长长", "负数", "无穷", "怪匹配"):
        assert frag in quarantine
    assert "8 queued event(s)" in quarantine
    assert any("编辑写的" in w and "malformed" in w for w in warnings)
    with psycopg.connect(mini_db) as conn:                               # quarantined, not lost
        assert conn.execute("SELECT count(*) FROM drugnorm.review_event").fetchone()[0] == len(HOSTILE_EVENTS)

    # a pharmacist decides every tricky fragment; the file goes back as it came (with CRLF line ends)
    decided = [dict(r, dict="product_name", standard="阿莫西林胶囊") for r in rows if r["fragment"] != "编辑写的"]
    out.write_text("\r\n".join(["\t".join(header)] + ["\t".join(r[h] for h in header) for r in decided]) + "\r\n",
                   encoding="utf-8")
    summary = review.import_decisions(mini_db, out, **QUIET)
    assert summary.version is not None
    with psycopg.connect(mini_db) as conn:
        resolved = dict(conn.execute("SELECT fragment, resolved_standard FROM drugnorm.review_item "
                                     "WHERE resolved_version IS NOT NULL").fetchall())
        terms = {t for (t,) in conn.execute("SELECT term FROM drugnorm.entry WHERE dict = 'product_name'")}
    assert resolved == {f: "阿莫西林胶囊" for f in TRICKY_FRAGMENTS}
    assert {"=HYPERLINK(\"http://x\",\"阿莫西林\")", "'阿莫西临", "阿莫\\t西临", "+阿莫西临"} <= terms
    assert {"阿莫西 临胶囊", "阿莫 西临 胶囊"} <= terms            # raw tabs and line breaks become spaces (same key)
    from drugnorm_admin import export
    with open(tmp_path / "lex.tsv", "w", encoding="utf-8") as f:   # so the lexicon still exports as TSV
        assert export.export(mini_db, f) > len(terms)

    # a second export still works and still warns (the quarantined events stay until an editor deletes them)
    warnings.clear()
    assert review.export(mini_db, out, log=warnings.append) == 1
    assert any("8 queued event(s)" in w for w in warnings)


def test_a_reader_cannot_break_the_export_with_one_insert(mini_db, tmp_path):
    """The finding as reported: one event with non-array candidates made every export fail."""
    _queue(mini_db, [("阿莫西临胶囊", "fuzzy", '{"standard": "x"}', 1, None)])
    assert review.export(mini_db, tmp_path / "todo.tsv", log=lambda *_: None) == 0


@pytest.mark.parametrize("body, reason", [
    ("阿莫西临胶囊\t3\tfuzzy\t\t\t\t\t\tproduct_name\t阿莫西林\x00胶囊\n", "NUL character"),
    ("阿莫西临胶囊\t3\tfuzzy\tproduct_name\t阿莫西林胶囊\n", "5 fields, the header has 10"),
    ("阿莫西临胶囊\t3\tfuzzy\t\t\t\t\t\tproduct\rname\t阿莫西林胶囊\n", "carriage return"),
    ("\t3\tfuzzy\t\t\t\t\t\tproduct_name\t阿莫西林胶囊\n", "empty fragment"),
    ("阿莫西临胶囊\t3\tfuzzy\t\t\t\t\t\tproduct_nam\t阿莫西林胶囊\n", "unknown dict 'product_nam'"),
])
def test_review_import_of_a_malformed_line_is_one_clean_error(mini_db, tmp_path, capsys, body, reason):
    from drugnorm_admin import cli
    f = tmp_path / "todo.tsv"
    f.write_text("\t".join(review.EXPORT_COLUMNS) + "\n" + "阿莫西林\t1\tfuzzy\t\t\t\t\t\t\t\n" + body,
                 encoding="utf-8")
    with psycopg.connect(mini_db) as conn:
        before = conn.execute("SELECT count(*), (SELECT version FROM drugnorm.state) FROM drugnorm.entry").fetchone()
    assert cli.main(["--dsn", mini_db, "review", "import", str(f)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"drugnorm-admin: error: {f}:3: ") and reason in err, err
    assert err.count("\n") == 1 and "Traceback" not in err
    with psycopg.connect(mini_db) as conn:
        assert conn.execute("SELECT count(*), (SELECT version FROM drugnorm.state) FROM drugnorm.entry"
                            ).fetchone() == before
