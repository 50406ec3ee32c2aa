"""normalize in small batches over every job, with progress, a prompt and truthful Ctrl-C, and resume
(issue 16, item 4: `--jobs 2` over 2,000 values was one batch on one connection, silent for 52 s, and Ctrl-C
took 38 s and said "rolled back" of a batch that had committed)."""
import hashlib
import os
import signal
import subprocess
import sys
import time

import psycopg
import pytest

from drugnorm_admin import bulk

QUIET = dict(log=lambda *_: None)
NAMES = ["阿托伐他汀钙片", "阿莫西林胶囊", "布洛芬缓释胶囊", "尼莫地平片", "辛伐他汀片", "瑞格列奈片"]


def run(dsn, query, params=None):
    with psycopg.connect(dsn, autocommit=True) as conn:
        cur = conn.execute(query, params)
        return cur.fetchall() if cur.description else None


def make_table(dsn, distinct, repeat=3, pad=0):
    """`distinct` different strings, each `repeat` times; `pad` characters of filler make more pages."""
    run(dsn, "CREATE TABLE big (id serial PRIMARY KEY, raw text, filler text)")
    run(dsn, """INSERT INTO big (raw, filler)
                SELECT (%s::text[])[1 + i %% %s] || ' ' || i || 'mg', repeat('x', %s)
                FROM generate_series(1, %s) i, generate_series(1, %s) r""",
        (NAMES, len(NAMES), pad, distinct, repeat))
    run(dsn, "ANALYZE big")


def work_table(dsn, table="public.big"):
    oid = run(dsn, f"SELECT '{table}'::regclass::oid::bigint")[0][0]
    return "drugnorm_work_" + hashlib.sha1(f"{oid}.raw.norm".encode()).hexdigest()[:12]


def test_values_go_in_small_batches_to_every_job(mini_db):
    make_table(mini_db, 120)
    seen = []
    result = bulk.normalize(mini_db, "big", "raw", "norm", jobs=3, max_batch=10, report=seen.append, **QUIET)
    assert result == {"distinct": 120, "written": 360, "pending": 0}
    parse = [b for b in seen if b.phase == "parse"]
    assert all(1 <= b.size <= 10 for b in parse)
    assert len({b.pid for b in parse}) == 3                       # every job parsed
    assert sum(b.size for b in parse) == 120 and sum(b.rows for b in parse) == 360
    assert [b.done for b in parse] == sorted(b.done for b in parse) and parse[-1].done == parse[-1].total == 120
    write = [b for b in seen if b.phase == "write"]
    assert write and sum(b.size for b in write) == 360 and write[-1].done == 360
    # counts are integers, as the progress line's rate and ETA need (a SQL sum() is numeric: it was a
    # Decimal that broke the ETA of the writing stage on a table of a million rows)
    assert all(type(v) is int for b in seen for v in (b.size, b.rows, b.done, b.total))
    assert run(mini_db, "SELECT count(*) FROM big WHERE norm->>'input' = raw")[0][0] == 360


def test_one_job_with_a_temporary_work_table_still_works_in_batches(mini_db):
    make_table(mini_db, 30, repeat=1)
    run(mini_db, "CREATE ROLE batch_owner LOGIN IN ROLE drugnorm_reader")
    try:
        run(mini_db, "ALTER TABLE big OWNER TO batch_owner")
        run(mini_db, "REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        seen, logged = [], []
        dsn = psycopg.conninfo.make_conninfo(mini_db, user="batch_owner")
        assert bulk.normalize(dsn, "big", "raw", "norm", jobs=4, max_batch=4, report=seen.append,
                              log=logged.append) == {"distinct": 30, "written": 30, "pending": 0}
        assert any("work table is temporary" in line for line in logged)
        parse = [b for b in seen if b.phase == "parse"]
        assert len(parse) >= 8 and all(b.size <= 4 for b in parse) and len({b.pid for b in seen}) == 1
    finally:
        run(mini_db, "DROP OWNED BY batch_owner CASCADE")
        run(mini_db, "DROP ROLE batch_owner")


def test_ctrl_c_while_parsing_keeps_the_committed_batches_says_so_and_a_rerun_resumes(mini_db):
    make_table(mini_db, 100, repeat=2)
    seen = []

    def ctrl_c_after_three(batch):
        seen.append(batch)
        if len(seen) == 3:
            raise KeyboardInterrupt

    with pytest.raises(bulk.Interrupted) as info:
        bulk.normalize(mini_db, "big", "raw", "norm", jobs=2, max_batch=5, report=ctrl_c_after_three, **QUIET)
    msg = str(info.value)
    assert isinstance(info.value, KeyboardInterrupt)
    assert "interrupted while parsing" in msg and "run the same parse-table again to resume" in msg
    assert "no row of public.big was changed" in msg and "cancelled and rolled back" in msg
    kept = int(msg.split(": ", 1)[1].split(" of 100 distinct values are parsed and kept in work table ")[0]
               .replace(",", ""))
    work = work_table(mini_db)
    assert f"kept in work table public.{work}" in msg
    assert kept >= sum(b.size for b in seen) >= 3                  # every batch reported has committed
    assert run(mini_db, f"SELECT count(*) FROM {work} WHERE norm IS NOT NULL")[0][0] == kept   # exactly as said
    assert run(mini_db, "SELECT count(norm) FROM big")[0][0] == 0

    again = bulk.normalize(mini_db, "big", "raw", "norm", jobs=2, **QUIET)
    assert again == {"distinct": 100 - kept, "written": 200, "pending": 0}      # nothing parsed twice
    assert run(mini_db, "SELECT count(*) FROM big WHERE norm->>'input' = raw")[0][0] == 200


def test_ctrl_c_while_writing_keeps_the_written_rows_says_how_many_and_a_rerun_writes_the_rest(mini_db):
    make_table(mini_db, 40, repeat=25, pad=400)        # 1,000 rows over ~60 pages: several block ranges
    writes = []

    def ctrl_c_at_second_range(batch):
        if batch.phase == "write":
            writes.append(batch)
            if len(writes) == 2:
                raise KeyboardInterrupt

    with pytest.raises(bulk.Interrupted) as info:
        bulk.normalize(mini_db, "big", "raw", "norm", report=ctrl_c_at_second_range, **QUIET)
    msg = str(info.value)
    written = run(mini_db, "SELECT count(norm) FROM big")[0][0]
    assert 0 < written < 1000
    assert f"interrupted while writing: {written:,} rows of public.big written and committed, " \
           f"{1000 - written:,} not yet" in msg
    assert "writes the rest without parsing again" in msg
    again = bulk.normalize(mini_db, "big", "raw", "norm", **QUIET)
    assert again == {"distinct": 0, "written": 1000 - written, "pending": 0}


def test_ctrl_c_stops_the_command_line_at_once_and_says_what_was_kept(mini_db):
    """A real SIGINT to drugnorm-admin parse-table while it parses: exit status 130, the kept values named, no
    claim that everything was rolled back; the next run parses only the rest."""
    make_table(mini_db, 3000, repeat=1)
    work = work_table(mini_db)
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    # Ctrl-C as a terminal sends it: a shell that runs the suite in the background (`pytest &`) hands its
    # children SIGINT ignored, and Python then installs no KeyboardInterrupt handler
    proc = subprocess.Popen([sys.executable, "-m", "drugnorm_admin.cli", "--dsn", mini_db, "parse-table",
                             "--table", "big", "--column", "raw", "--into", "norm", "--jobs", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        parsed = 0
        deadline = time.monotonic() + 120
        while parsed == 0 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
            if run(mini_db, "SELECT to_regclass(%s) IS NOT NULL", (work,))[0][0]:
                parsed = run(mini_db, f"SELECT count(*) FROM {work} WHERE norm IS NOT NULL")[0][0]
        assert proc.poll() is None, "parse-table finished before it could be interrupted: make the table bigger"
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert "rolled back" not in err.replace("cancelled and rolled back", "")     # no false "rolled back"
    line = next(x for x in err.splitlines() if x.startswith("drugnorm-admin: interrupted while parsing: "))
    kept = int(line.split(": ")[2].split(" of ")[0].replace(",", ""))
    assert 0 < kept < 3000 and "run the same parse-table again to resume" in line
    assert run(mini_db, f"SELECT count(*) FROM {work} WHERE norm IS NOT NULL")[0][0] == kept
    assert bulk.normalize(mini_db, "big", "raw", "norm", jobs=2, **QUIET) == {
        "distinct": 3000 - kept, "written": 3000, "pending": 0}


def test_an_error_stops_every_job_and_leaves_no_statement_running(mini_db):
    make_table(mini_db, 200, repeat=1)

    def fail(batch):
        raise RuntimeError("the caller's progress display broke")

    with pytest.raises(RuntimeError, match="progress display"):
        bulk.normalize(mini_db, "big", "raw", "norm", jobs=3, max_batch=5, report=fail, **QUIET)
    others = None
    for _ in range(100):      # the jobs' connections are closed; their backends exit
        others = run(mini_db, "SELECT count(*) FILTER (WHERE state = 'active'), count(*) FROM pg_stat_activity "
                              "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                              "AND backend_type = 'client backend'")[0]
        if others[1] == 0:
            break
        time.sleep(0.1)
    assert others == (0, 0)
    assert bulk.normalize(mini_db, "big", "raw", "norm", jobs=3, **QUIET)["pending"] == 0
