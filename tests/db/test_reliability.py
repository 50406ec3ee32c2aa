"""Reliability: hostile input, faults during loads, concurrency, and caches that follow the lexicon."""
import os
import signal
import subprocess
import sys
import time

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drugnorm_admin import loader

QUIET = dict(log=lambda *_: None)
KEYS = {"input", "normalized", "generic_name", "trade_name", "product_name", "dosage_form", "route",
        "manufacturer", "packaging_material", "strength", "package", "insurance_class", "self_pay_ratio",
        "markers", "status", "evidence", "segments", "lexicon_version"}
HOSTILE = [
    "", " ", "\t\n  \r", "()|/、，。", "□△○☆◢■▲●★◆*※", "a" * 100_000, "阿莫西林" * 25_000, "9" * 10_000,
    "\x00\x01\x07\x1b[31m阿莫西林\x7f", "😀💊阿莫西林胶囊🧪", "𠀀𠀁𪚥阿司匹林", "阿\u0301莫\u0308西林", "Ａｍｏｘｉｃｉｌｌｉｎ ａｍｏｘ",
    "'; DROP TABLE drugnorm.entry; --", '{"generic_name": "x"}', "\\x00\\\\", "%s %(x)s $1 :name",
    "阿莫西林胶囊 0.25g×24粒/盒 " * 200, "((((((((((((((((((((阿莫西林", "|||||||||", "1/2/3/4/5/6/7/8",
    "Ω≈ç√∫˜µ≤≥÷", "\u200b\u200d\ufeff阿莫西林\u2028\u2029",
]


def table_counts(conn):
    return conn.execute("""SELECT (SELECT count(*) FROM drugnorm.entry), (SELECT count(*) FROM drugnorm.posting),
                                  (SELECT count(*) FROM drugnorm.token_stat), (SELECT version FROM drugnorm.state),
                                  (SELECT count(*) FROM drugnorm.lexicon_version)""").fetchone()


def check_contract(doc, raw, conn):
    assert set(doc) == KEYS
    assert doc["input"] == raw
    for seg in doc["segments"]:
        assert 0 <= seg["start"] <= seg["end"] <= len(raw)
        assert raw[seg["start"]:seg["end"]] == seg["text"]
        for c in seg.get("candidates") or []:
            assert all(0 <= c[x] <= 1 for x in "mns")
    for field in ("generic_name", "trade_name", "product_name", "dosage_form", "route", "manufacturer",
                  "packaging_material"):
        if doc[field] is not None and not any(s.get("match") == "inferred" for s in doc["segments"]):
            assert conn.execute("SELECT EXISTS (SELECT 1 FROM drugnorm.entry WHERE term = %s)",
                                (doc[field],)).fetchone()[0], (field, doc[field])


@pytest.mark.parametrize("raw", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_input_gives_a_valid_result_and_writes_nothing(mini_db, raw):
    with psycopg.connect(mini_db) as conn:
        before = table_counts(conn)
        t = time.monotonic()
        doc = conn.execute("SELECT drug_parse(%s)", (raw.replace("\x00", ""),)).fetchone()[0]
        assert time.monotonic() - t < 30          # bounded: a generous ceiling, not a speed test
        check_contract(doc, raw.replace("\x00", ""), conn)
        conn.execute("SELECT * FROM drug_candidates(%s)", (raw.replace("\x00", "")[:2000],)).fetchall()
        assert table_counts(conn) == before


def test_nul_byte_is_rejected_with_a_clear_error(mini_db):
    # PostgreSQL text cannot hold NUL; the driver refuses it before anything reaches the server.
    with psycopg.connect(mini_db) as conn:
        with pytest.raises(psycopg.DataError, match="NUL"):
            conn.execute("SELECT drug_parse(%s)", ("阿莫西林\x00胶囊",))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=60))
def test_random_unicode_keeps_the_contract(mini_db, raw):
    with psycopg.connect(mini_db) as conn:
        doc = conn.execute("SELECT drug_parse(%s)", (raw,)).fetchone()[0]
        check_contract(doc, raw, conn)


def test_a_killed_loader_leaves_the_lexicon_as_it_was(mini_db, tmp_path):
    big = tmp_path / "big.tsv"
    with open(big, "w", encoding="utf-8") as f:
        f.write("dict\tterm\tstandard\tgeneric\n")
        for i in range(40_000):
            f.write(f"generic_name\t测试药{i:05d}号\t\t\n")
    with psycopg.connect(mini_db) as conn:
        before = table_counts(conn)
    proc = subprocess.Popen([sys.executable, "-m", "drugnorm_admin.cli", "--dsn", mini_db, "load-dict", str(big)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    with psycopg.connect(mini_db, autocommit=True) as watch:
        while time.monotonic() < deadline:       # kill it once it is writing inside its transaction
            if watch.execute("SELECT count(*) FROM pg_stat_activity WHERE query ILIKE '%%drugnorm.entry_dims%%' "
                             "OR query ILIKE '%%INSERT INTO dn_dims%%'").fetchone()[0]:
                break
            time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    time.sleep(0.5)
    with psycopg.connect(mini_db) as conn:
        assert table_counts(conn) == before


def test_concurrent_parse_sees_old_or_new_lexicon_never_a_mix(mini_db, tmp_path):
    f = tmp_path / "new.tsv"
    f.write_text("dict\tterm\tstandard\tgeneric\ngeneric_name\t新药甲\t\t\ntrade_name\t新商品\t\t新药甲\n",
                 encoding="utf-8")
    with psycopg.connect(mini_db, autocommit=True) as reader, psycopg.connect(mini_db) as writer:
        old = reader.execute("SELECT drug_parse('新商品')").fetchone()[0]
        rows = loader.read_file(f, known_dicts=None)
        writer.execute("SELECT 1")        # opens the writer's transaction: load_rows then runs inside it
        summary = loader.load_rows(writer, rows, [], **QUIET)
        during = reader.execute("SELECT drug_parse('新商品')").fetchone()[0]
        assert during == old and during["trade_name"] is None
        writer.commit()
        after = reader.execute("SELECT drug_parse('新商品')").fetchone()[0]   # same session: cache follows
        assert after["lexicon_version"] == summary.version > old["lexicon_version"]
        assert (after["trade_name"], after["generic_name"]) == ("新商品", "新药甲")


def test_a_statement_sees_one_lexicon_even_if_a_load_commits_meanwhile(mini_db, tmp_path):
    f = tmp_path / "new.tsv"
    f.write_text("dict\tterm\tstandard\tgeneric\ngeneric_name\t新药乙\t\t\n", encoding="utf-8")
    with psycopg.connect(mini_db) as reader:
        reader.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        first = reader.execute("SELECT drug_parse('新药乙')").fetchone()[0]
        loader.load(mini_db, [f], **QUIET)
        again = reader.execute("SELECT drug_parse('新药乙')").fetchone()[0]
        assert again == first
        reader.execute("COMMIT")
        assert reader.execute("SELECT drug_parse('新药乙')->>'generic_name'").fetchone()[0] == "新药乙"


def his_text(n):
    """n characters of real HIS drug strings (eval/dev_neusoft.tsv), one after another."""
    import csv
    from pathlib import Path
    path = Path(__file__).resolve().parents[2] / "eval" / "dev_neusoft.tsv"
    with open(path, encoding="utf-8") as f:
        rows = [r["input"] for r in csv.DictReader(f, delimiter="\t")]
    out, size, i = [], 0, 0
    while size < n:
        out.append(rows[i % len(rows)] + " ")
        size += len(out[-1])
        i += 1
    return "".join(out)[:n]


MEGABYTE = {"closing brackets": ")", "opening brackets": "(", "latin": "a", "hanzi": "阿莫西林", "digits": "9",
            "specs": "1mgx", "protected keys": "维生素b1 ", "symbols": "阿|莫/西、林(", "his": None}


@pytest.mark.parametrize("shape", MEGABYTE)
def test_a_megabyte_of_any_shape_returns_promptly_or_is_cancelled(mini_db, shape):
    """Issue 13, finding 3: 100,000 ')' took 8 s (quadratic) and 1,000,000 'a' 16 s, and neither a cancel nor
    statement_timeout could stop them. Now only max_input characters are parsed (the rest is one `none`
    segment) and a pending cancel fires between steps."""
    raw = his_text(1_000_000) if MEGABYTE[shape] is None else (MEGABYTE[shape] * 1_000_000)[:1_000_000]
    with psycopg.connect(mini_db) as conn:
        conn.execute("SET statement_timeout = '2s'")
        t = time.monotonic()
        try:
            doc = conn.execute("SELECT drug_parse(%s)", (raw,)).fetchone()[0]
        except psycopg.errors.QueryCanceled:
            doc = None
            conn.rollback()
        assert time.monotonic() - t < 10       # generous: a bound, not a speed test
        if doc is not None:
            check_contract(doc, raw, conn)
            assert doc["segments"][-1]["skipped"] == "max_input" and doc["segments"][-1]["end"] == len(raw)


def test_with_max_input_at_its_maximum_a_statement_timeout_still_stops_the_parse(mini_db):
    raw = his_text(100_000)
    with psycopg.connect(mini_db) as conn:
        conn.execute("SET drugnorm.max_input = 100000")
        conn.execute("SET drugnorm.fuzzy_budget = 1000")     # a thousand queries: seconds of work
        conn.execute("SET drugnorm.cache_entries = 0")
        conn.execute("SELECT drug_parse('warm-up: the lexicon is loaded')")
        conn.execute("SET statement_timeout = '300ms'")
        t = time.monotonic()
        with pytest.raises(psycopg.errors.QueryCanceled):
            conn.execute("SELECT drug_parse(%s)", (raw,)).fetchone()
        assert time.monotonic() - t < 10


def score_queries(conn):
    """score_fragment calls of this session's open transaction (the fuzzy matcher's one query per fragment);
    counts are only flushed between transactions, so call it in the transaction that did the work."""
    return conn.execute("SELECT coalesce(sum(calls), 0) FROM pg_stat_xact_user_functions "
                        "WHERE schemaname = 'drugnorm' AND funcname = 'score_fragment'").fetchone()[0]


def test_ten_kilobytes_of_his_text_send_at_most_fuzzy_budget_fragments_to_the_matcher(mini_db):
    """Issue 13, finding 4: every fragment cost one score_fragment query (10 KB: over 60 s). Now at most
    fuzzy_budget fragments (default 16) of one input are looked up; the others are `none`, marked."""
    raw = his_text(10_000)
    with psycopg.connect(mini_db) as conn:
        conn.execute("SET track_functions = 'pl'")
        conn.execute("SET drugnorm.max_input = 100000")      # the whole 10 KB is parsed
        doc = conn.execute("SELECT drug_parse(%s)", (raw,)).fetchone()[0]
        assert score_queries(conn) <= 16
        check_contract(doc, raw, conn)
        skipped = [s for s in doc["segments"] if s.get("skipped") == "fuzzy_budget"]
        assert len(skipped) > 100 and all(s["match"] == "none" for s in skipped)
        assert sum(1 for s in doc["segments"] if "candidates" in s) <= 16
    with psycopg.connect(mini_db) as conn:
        conn.execute("SET track_functions = 'pl'")
        conn.execute("SET drugnorm.max_input = 100000")
        conn.execute("SET drugnorm.fuzzy_budget = 3")
        conn.execute("SELECT drug_parse(%s)", (raw,)).fetchone()
        assert score_queries(conn) <= 3
