"""drugnorm benchmarks: one run, one machine, drugnorm beside the alternatives; prints figures and ratios.

    .venv/bin/python benchmarks/run.py [--sizes 100000] [--queries 300] [--dsn DSN] [--data DIR]

Without --dsn a private throwaway PostgreSQL is started in a temporary directory (as the ``postgres`` OS
user when run as root) and removed afterwards. Figures are wall-clock from a client on the same machine.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "plpython"), str(ROOT / "benchmarks")]

import workload  # noqa: E402
from drugnorm_admin import loader, migrate  # noqa: E402
from drugnorm_admin.pgserver import EmbeddedCluster  # noqa: E402


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def timed(fn, items):
    times, results = [], []
    for it in items:
        t = time.perf_counter()
        results.append(fn(it))
        times.append((time.perf_counter() - t) * 1000)
    return times, results


def machine() -> str:
    cpu = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GB RAM, {platform.system()} {platform.release()}"


def bench_fuzzy(dsn: str, data: Path, size: int, nq: int, rows: list) -> None:
    terms = workload.synthetic_lexicon(data, size)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "lex.tsv"
        workload.write_lexicon_tsv(terms, path)
        with psycopg.connect(dsn, autocommit=True) as conn:
            have = conn.execute("SELECT count(*) FROM drugnorm.entry e JOIN drugnorm.dictionary d "
                                "ON d.name = e.dict AND d.kind = 'set'").fetchone()[0]
        # top the lexicon up to `size` entries of the dictionary set with synthetic product names
        terms = terms[:max(0, size - have)]
        workload.write_lexicon_tsv(terms, path)
        t = time.perf_counter()
        loader.load(dsn, [path], log=lambda *_: None)
        load_s = time.perf_counter() - t
    bench_memory(dsn, rows)
    with psycopg.connect(dsn, autocommit=True) as conn:
        homophones = {}
        for ch, rs in conn.execute("SELECT ch, readings FROM drugnorm.hanzi WHERE cardinality(readings) = 1 "
                                   "AND simplified IS NULL AND ch BETWEEN '一' AND '龥'"):
            homophones.setdefault(rs[0], []).append(ch)
        by_char = {}
        for chars in homophones.values():
            for c in chars:
                by_char[c] = chars
        size = conn.execute("SELECT n_entries FROM drugnorm.state").fetchone()[0]
        keys = [r[0] for r in conn.execute("SELECT key FROM drugnorm.entry WHERE dict = 'product_name'")]
        queries = workload.typo_queries(keys, by_char, nq)
        keys = [r[0] for r in conn.execute("SELECT e.key FROM drugnorm.entry e JOIN drugnorm.dictionary d "
                                           "ON d.name = e.dict AND d.kind = 'set'")]
        conn.execute("DROP TABLE IF EXISTS bench_trgm")
        conn.execute("CREATE TABLE bench_trgm AS SELECT e.key AS term FROM drugnorm.entry e "
                     "JOIN drugnorm.dictionary d ON d.name = e.dict AND d.kind = 'set'")
        conn.execute("SET search_path = public, drugnorm")
        conn.execute("CREATE INDEX ON bench_trgm USING gist (term gist_trgm_ops)")
        conn.execute("ANALYZE bench_trgm")
        size_mb = conn.execute("SELECT (pg_total_relation_size('drugnorm.entry') + "
                               "pg_total_relation_size('drugnorm.posting') + "
                               "pg_total_relation_size('drugnorm.token_stat')) / 1048576.0").fetchone()[0]
        # warm both paths (caches, plans) before timing
        for q, _ in queries[:20]:
            conn.execute("SELECT * FROM drug_candidates(%s, 10)", (q,)).fetchall()
            conn.execute("SELECT term FROM bench_trgm ORDER BY term <-> %s LIMIT 10", (q,)).fetchall()
        dn_t, dn_r = timed(lambda q: [r[0] for r in conn.execute(
            "SELECT term FROM drug_candidates(%s, 10)", (q[0],)).fetchall()], queries)
        tg_t, tg_r = timed(lambda q: [r[0] for r in conn.execute(
            "SELECT term FROM bench_trgm ORDER BY term <-> %s LIMIT 10", (q[0],)).fetchall()], queries)
    dn_top1 = sum(1 for (q, truth), r in zip(queries, dn_r) if r and r[0].lower() == truth)
    tg_top1 = sum(1 for (q, truth), r in zip(queries, tg_r) if r and r[0] == truth)
    rows.append((f"drug_candidates top-10, {size:,} entries", statistics.median(dn_t), pct(dn_t, 95),
                 f"top-1 {dn_top1}/{len(queries)}"))
    rows.append((f"pg_trgm GiST KNN top-10, {size:,} entries", statistics.median(tg_t), pct(tg_t, 95),
                 f"top-1 {tg_top1}/{len(queries)}"))
    try:
        from rapidfuzz import fuzz, process
        sample = queries[: max(20, nq // 5)]
        rf_t, rf_r = timed(lambda q: [m[0] for m in process.extract(q[0], keys, scorer=fuzz.ratio, limit=10)],
                           sample)
        rf_top1 = sum(1 for (q, truth), r in zip(sample, rf_r) if r and r[0] == truth)
        rows.append((f"rapidfuzz extract ratio top-10, {size:,} entries", statistics.median(rf_t),
                     pct(rf_t, 95), f"top-1 {rf_top1}/{len(sample)}"))
    except ImportError:
        rows.append(("rapidfuzz", float("nan"), float("nan"), "not installed (pip install .[bench])"))
    rows.append((f"load-dict of {len(terms):,} new entries (ms)", load_s * 1000, float("nan"),
                 f"lexicon tables+indexes {size_mb:.0f} MB"))
    rows.append(("__ratio__", f"drug_candidates p50 is {statistics.median(tg_t) / statistics.median(dn_t):.1f}x "
                 f"faster than pg_trgm KNN at {size:,} entries", None, None))
    if len(rows) >= 5 and "rapidfuzz extract" in rows[-4][0]:
        rows.append(("__ratio__", f"drug_candidates p50 is {rows[-4][1] / statistics.median(dn_t):.1f}x "
                     f"faster than rapidfuzz at {size:,} entries", None, None))
    _recall(dsn, queries[:30], rows, size)


def backend_anon_mb(conn) -> float:
    """Private memory of the connection's backend (RssAnon): VmRSS would also count the shared buffers
    the backend touched, which belong to the server, not to its caches."""
    pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def bench_memory(dsn: str, rows: list) -> None:
    """Per-backend memory of a fresh backend: the Python interpreter, then the lexicon cache plus one
    fuzzy fragment, then 20,000 cached results (the default cache_entries)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        n = conn.execute("SELECT n_entries FROM drugnorm.state").fetchone()[0]
        terms = [r[0] for r in conn.execute("SELECT term FROM drugnorm.entry WHERE dict IN "
                                            "('product_name', 'generic_name') ORDER BY id LIMIT 20000")]
    with psycopg.connect(dsn, autocommit=True) as fresh:
        fresh.execute("SELECT 1")
        base = backend_anon_mb(fresh)
        fresh.execute("DO $$ import json $$ LANGUAGE plpython3u")
        interp = backend_anon_mb(fresh)
        fresh.execute("SELECT drug_parse('阿莫西林胶囊'), drug_parse('阿莫西林交囊')")
        loaded = backend_anon_mb(fresh)
        i = 0
        while i < 20000:
            for t in terms:
                fresh.execute("SELECT drug_parse(%s)", (f"{t}{i % 97 + 1}mg",))
                i += 1
                if i == 20000:
                    break
        full = backend_anon_mb(fresh)
    rows.append((f"per-backend cache memory (MB), {n:,} entries: lexicon / + 20k results", loaded - interp,
                 full - interp, f"RssAnon; PL/Python interpreter itself {interp - base:.1f} MB"))


def bench_parse(dsn: str, data: Path, n_rows: int, rows: list) -> None:
    """drug_parse over a table: SELECT, CTAS (serial: drug_parse is PARALLEL UNSAFE), UPDATE; exact-heavy and typo-heavy."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        terms = [r[0] for r in conn.execute(
            "SELECT term FROM drugnorm.entry WHERE dict = 'product_name' AND standard_id IS NULL ORDER BY id")]
        makers = [r[0] for r in conn.execute("SELECT term FROM drugnorm.entry WHERE dict = 'manufacturer' "
                                             "ORDER BY id LIMIT 2000")]
        homophones = {}
        for ch, rs in conn.execute("SELECT ch, readings FROM drugnorm.hanzi WHERE cardinality(readings) = 1 "
                                   "AND simplified IS NULL AND ch BETWEEN '一' AND '龥'"):
            homophones.setdefault(rs[0], []).append(ch)
        by_char = {c: chars for chars in homophones.values() for c in chars}
        for label, typo in (("exact-heavy", 0.02), ("typo-heavy", 0.3)):
            raws = workload.hospital_rows(terms, makers, n_rows, typo, homophones=by_char)
            conn.execute("DROP TABLE IF EXISTS bench_rx, bench_rx_norm")
            conn.execute("CREATE TABLE bench_rx (id bigint PRIMARY KEY, raw text)")
            with conn.cursor().copy("COPY bench_rx (id, raw) FROM STDIN") as cp:
                for i, r in enumerate(raws):
                    cp.write_row((i, r))
            conn.execute("VACUUM ANALYZE bench_rx")
            distinct = conn.execute("SELECT count(DISTINCT raw) FROM bench_rx").fetchone()[0]
            for what, stmt in (
                    ("SELECT", "SELECT count(drug_parse(raw)) FROM bench_rx"),
                    ("CREATE TABLE AS", "CREATE TABLE bench_rx_norm AS SELECT id, drug_parse(raw) AS norm "
                                                  "FROM bench_rx"),
                    ("UPDATE", "UPDATE bench_rx SET raw = raw, id = id")):
                if what == "UPDATE":
                    conn.execute("ALTER TABLE bench_rx ADD COLUMN norm jsonb")
                    stmt = "UPDATE bench_rx SET norm = drug_parse(raw)"
                with psycopg.connect(dsn, autocommit=True) as c2:   # fresh backends: caches start empty
                    t = time.perf_counter()
                    c2.execute(stmt)
                    dt = time.perf_counter() - t
                rows.append((f"drug_parse {what}, {n_rows:,} {label} rows ({distinct:,} distinct)", dt * 1000,
                             float("nan"), f"{n_rows / dt:,.0f} rows/s"))
            from drugnorm_admin import bulk
            conn.execute("ALTER TABLE bench_rx DROP COLUMN norm")
            t = time.perf_counter()
            bulk.normalize(dsn, "bench_rx", "raw", "norm", jobs=2, log=lambda *_: None)
            dt = time.perf_counter() - t
            rows.append((f"drugnorm-admin normalize --jobs 2, {label}", dt * 1000, float("nan"),
                         f"{n_rows / dt:,.0f} rows/s"))
        sample = list(dict.fromkeys(raws))[:300]
        for q in sample[:20]:
            conn.execute("SELECT drug_parse(%s)", (q,))
        conn.execute("SET drugnorm.cache_entries = 0")   # latency of real work, not of the result cache
        lat, _ = timed(lambda q: conn.execute("SELECT drug_parse(%s)", (q,)).fetchone(), sample)
        rows.append(("drug_parse one call (result cache off)", statistics.median(lat), pct(lat, 95),
                     f"{len(sample)} distinct strings"))
        conn.execute("RESET drugnorm.cache_entries")
    _inprocess_floor(dsn, sample, rows, statistics.median(lat))


def _inprocess_floor(dsn, sample, rows, db_p50) -> None:
    """The same pipeline in plain Python, no database: the floor for the PL/Python overhead."""
    try:
        import lexicon
        import pipeline
        import preprocess
    except ImportError:
        return
    with psycopg.connect(dsn) as conn:
        t2s = dict(conn.execute("SELECT ch, simplified FROM drugnorm.hanzi WHERE simplified IS NOT NULL "
                                "AND simplified <> ch"))
        irrelevant = [r[0] for r in conn.execute("SELECT key FROM drugnorm.entry WHERE dict = 'irrelevant_char'")]
        units = [tuple(r) for r in conn.execute(
            "SELECT e.key, e.dict, coalesce(s.term, e.term) FROM drugnorm.entry e LEFT JOIN drugnorm.entry s "
            "ON s.id = e.standard_id WHERE e.dict IN ('strength_unit', 'package_unit')")]
        models = [dict(zip(("name", "kind", "symbols", "priority"), r)) for r in
                  conn.execute("SELECT name, kind, symbols, priority FROM drugnorm.char_model ORDER BY priority")]
        cur = conn.execute(
            "SELECT e.id, e.dict, e.key, e.term, coalesce(s.term, e.term) AS standard, g.term AS generic, "
            "p.term AS product, f.term AS dosage_form FROM drugnorm.entry e "
            "JOIN drugnorm.dictionary d ON d.name = e.dict AND d.kind = 'set' "
            "LEFT JOIN drugnorm.entry s ON s.id = e.standard_id "
            "LEFT JOIN drugnorm.entry g ON g.id = coalesce(s.generic_id, e.generic_id) "
            "LEFT JOIN drugnorm.entry p ON p.id = coalesce(s.product_id, e.product_id) "
            "LEFT JOIN drugnorm.entry f ON f.id = coalesce(s.dosage_form_id, e.dosage_form_id)")
        cols = [c.name for c in cur.description]
        entries = [dict(zip(cols, r)) for r in cur]
    lex = lexicon.MemoryLexicon.from_rows(entries, units, irrelevant, t2s, models)
    times, _ = timed(lambda q: pipeline.parse(q, lex, lambda frag: [], {}), sample)
    rows.append(("same pipeline in-process, plain Python, no fuzzy step", statistics.median(times), pct(times, 95),
                 "floor without PL/Python and SQL"))


def _recall(dsn, queries, rows, size) -> None:
    """How often the SQL candidate stage returns the exhaustive top-1 (pure-Python reference)."""
    import dimensions
    import scoring
    with psycopg.connect(dsn) as conn:
        entries = dict(conn.execute("SELECT e.id, e.tokens FROM drugnorm.entry e "
                                    "JOIN drugnorm.dictionary d ON d.name = e.dict AND d.kind = 'set'"))
        key_of = dict(conn.execute("SELECT id, key FROM drugnorm.entry"))
        readings = dict(conn.execute("SELECT ch, readings FROM drugnorm.hanzi"))
        index = scoring.Index(entries)
        same = 0
        for q, _ in queries:
            ref = index.search(dimensions.query_slots(q, lambda ch: readings.get(ch, [])), 1,
                               boosts=[1.0, 0.5, 0.5, 1.0, 0.5, 1.0], exhaustive=True)
            got = conn.execute("SELECT term FROM drug_candidates(%s, 1)", (q,)).fetchone()
            same += bool(got and ref and key_of[ref[0][3]] == got[0].lower())
    rows.append((f"candidate-stage recall of the exhaustive top-1, {size:,}", float("nan"), float("nan"),
                 f"{same}/{len(queries)}"))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dsn")
    ap.add_argument("--sizes", default="100000", help="comma-separated lexicon sizes")
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--rows", type=int, default=1_000_000, help="rows of the bulk workloads (0 skips them)")
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "lexicon")
    args = ap.parse_args(argv)
    tmp = None
    cluster = None
    dsn = args.dsn
    if not dsn:
        tmp = tempfile.mkdtemp(prefix="drugnorm-bench-")
        cluster = EmbeddedCluster(Path(tmp))
        cluster.ensure_started()
        dsn = cluster.dsn
    try:
        migrate.upgrade(dsn, log=lambda *_: None)
        with psycopg.connect(dsn) as conn:
            server = conn.execute("SHOW server_version").fetchone()[0]
        rows = []
        if args.rows:
            from drugnorm_admin import embedded
            t = time.perf_counter()
            embedded.init(dsn, log=lambda *_: None)
            n = psycopg.connect(dsn).execute("SELECT count(*) FROM drugnorm.entry").fetchone()[0]
            rows.append((f"init: migrate + load the bundled lexicon ({n:,} entries)",
                         (time.perf_counter() - t) * 1000, float("nan"), ""))
            bench_memory(dsn, rows)
            bench_parse(dsn, args.data, args.rows, rows)
        for size in (int(s) for s in args.sizes.split(",")):
            bench_fuzzy(dsn, args.data, size, args.queries, rows)
        print(f"machine: {machine()}; PostgreSQL {server}")
        print(f"{'work':<58} {'p50 ms':>9} {'p95 ms':>9}  note")
        for name, p50, p95, note in rows:
            if name == "__ratio__":
                print(f"  -> {p50}")
            else:
                print(f"{name:<58} {p50:>9.2f} {p95:>9.2f}  {note}")
    finally:
        if cluster:
            cluster.stop()
            import shutil
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
