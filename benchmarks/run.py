"""drugnorm benchmarks: every figure of the README's table, beside the alternatives, in one run on one machine.

    .venv/bin/python benchmarks/run.py [--sizes bundled,100000] [--queries 300] [--dsn DSN] [--check]

For each lexicon size (the bundled lexicon, then topped up with synthetic product names to 100,000
entries of the dictionary set) it measures:

- ``drug_candidates(fragment, 10)`` on homophone typos of real product names (one hanzi replaced by another
  with the same single reading), p50 / p95 and top-1, beside pg_trgm's GiST KNN on the same terms,
  rapidfuzz's ``process.extract`` over them (client side) and the in-process floor: the same candidate
  stage and scoring in plain Python (``plpython/scoring.py``, no database);
- one new fragment inside ``drug_parse`` (the backend has not seen it; result and fragment caches off);
- ``CREATE TABLE AS SELECT drug_parse(raw)`` over 20,000 distinct strings of
  ``../shared/data/eval/messy_strings.tsv`` and over the distinct inputs of ``eval/dev_neusoft.tsv`` (a
  fresh backend, one core), and ``drugnorm-admin parse-table --jobs 2`` over the latter; beside the same
  pipeline in plain Python with the Python scoring (the floor without PL/Python and SQL);
- the first ``drug_parse`` in a new backend (PL/Python starts, the code and the lexicon load), median of 5;
- the memory of one backend (RssAnon, its private memory): the interpreter, what the first call adds, and
  what 20,000 cached results add.

Then a regression check says which rows meet the goals of issue 15 (``--check``: exit status 1 if one
does not). ``--rows N`` adds the old bulk workload (N generated hospital rows, SELECT / CREATE TABLE AS /
UPDATE / parse-table) at the bundled size. Without ``--dsn`` a private throwaway PostgreSQL is started (as
the ``postgres`` OS user when run as root) and removed afterwards. Figures are wall-clock from a client on
the same machine; on a shared machine compare the ratios of one run, not absolute times.
"""
from __future__ import annotations

import argparse
import csv
import json
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

SHARED = ROOT.parent / "shared" / "data"
MESSY = SHARED / "eval" / "messy_strings.tsv"
NEUSOFT = ROOT / "eval" / "dev_neusoft.tsv"
QUIET = dict(log=lambda *_: None)


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))] if xs else float("nan")


def p50(xs):
    return statistics.median(xs) if xs else float("nan")


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


class Report:
    """Rows of (size, work, system, figure, unit, note) and the goals they are checked against."""

    def __init__(self):
        self.rows: list[dict] = []

    def add(self, size, work, system, value, unit, note="", p95=None):
        self.rows.append(dict(size=size, work=work, system=system, value=value, unit=unit, note=note, p95=p95))
        extra = f" / p95 {p95:.2f}" if p95 is not None else ""
        print(f"  [{size}] {work} — {system}: {value:,.2f} {unit}{extra} {note}", flush=True)

    def get(self, size, work, system):
        for r in self.rows:
            if (r["size"], r["work"], r["system"]) == (size, work, system):
                return r
        return None


# -- data ----------------------------------------------------------------------------------------------
def read_column(path: Path, column: str, limit: int | None = None) -> list[str]:
    out = []
    with open(path, encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            v = row.get(column)
            if v:
                out.append(v)
    out = list(dict.fromkeys(out))
    return out[:limit] if limit else out


def homophones(conn) -> dict[str, list[str]]:
    """Characters with one reading (simplified, common range) by reading: the typos a pinyin IME makes."""
    by_reading: dict[str, list[str]] = {}
    for ch, rs in conn.execute("SELECT ch, readings FROM drugnorm.hanzi WHERE cardinality(readings) = 1 "
                               "AND simplified IS NULL AND ch BETWEEN '一' AND '龥'"):
        by_reading.setdefault(rs[0], []).append(ch)
    return {c: chars for chars in by_reading.values() for c in chars}


def set_entries(conn) -> int:
    return conn.execute("SELECT count(*) FROM drugnorm.entry e JOIN drugnorm.dictionary d "
                        "ON d.name = e.dict AND d.kind = 'set'").fetchone()[0]


def top_up(dsn: str, data: Path, size: int) -> float:
    """Add synthetic product names until the dictionary set has ``size`` entries; seconds taken."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        have = set_entries(conn)
    if have >= size:
        return 0.0
    terms = workload.synthetic_lexicon(data, size + size // 5)
    with psycopg.connect(dsn, autocommit=True) as conn:
        known = {r[0] for r in conn.execute("SELECT key FROM drugnorm.entry WHERE dict = 'product_name'")}
    terms = [t for t in terms if t.lower() not in known][:size - have]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "lex.tsv"
        workload.write_lexicon_tsv(terms, path)
        t = time.perf_counter()
        loader.load(dsn, [path], **QUIET)
        return time.perf_counter() - t


# -- the in-process floor ------------------------------------------------------------------------------
class Floor:
    """The pipeline and the scoring in plain Python with everything in memory: what the work costs without
    PL/Python, SQL and per-backend caches. Uses the database's settings (k, a, boosts, candidate stage)."""

    def __init__(self, dsn):
        import dimensions
        import dictionary_set
        import scoring
        import settings as config
        self.dimensions = dimensions
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
                "JOIN drugnorm.dictionary d ON d.name = e.dict AND d.kind IN ('set', 'marker') "
                "LEFT JOIN drugnorm.entry s ON s.id = e.standard_id "
                "LEFT JOIN drugnorm.entry g ON g.id = coalesce(s.generic_id, e.generic_id) "
                "LEFT JOIN drugnorm.entry p ON p.id = coalesce(s.product_id, e.product_id) "
                "LEFT JOIN drugnorm.entry f ON f.id = coalesce(s.dosage_form_id, e.dosage_form_id) ORDER BY e.id")
            cols = [c.name for c in cur.description]
            rows = [dict(zip(cols, r)) for r in cur]
            self.display = {r["id"]: r for r in rows}
            tokens = dict(conn.execute("SELECT e.id, e.tokens FROM drugnorm.entry e JOIN drugnorm.dictionary d "
                                       "ON d.name = e.dict AND d.kind = 'set' WHERE e.tokens IS NOT NULL"))
            self.readings = {ch: tuple(rs) for ch, rs in conn.execute("SELECT ch, readings FROM drugnorm.hanzi")}
            table = dict(conn.execute("SELECT name, value FROM drugnorm.setting"))
        self.settings, _ = config.typed(table, {})
        self.lex = dictionary_set.MemoryLexicon.from_rows(rows, units, irrelevant, t2s, models)
        self.lex.readings = lambda ch: self.readings.get(ch, ())
        self.index = scoring.Index(tokens)
        self.boosts = [self.settings["boost_" + d] for d in dimensions.SCORING_DIMS]

    def key_of(self, term):
        import preprocess
        return preprocess.normalize_key(term, self.lex.t2s, self.lex.irrelevant)

    def candidates(self, key, k=None):
        st = self.settings
        slots = self.dimensions.query_slots(key, lambda ch: self.readings.get(ch, ()))
        if not slots:
            return []
        found = self.index.search(slots, k or st["k"], a=st["a"], boosts=self.boosts,
                                  limit=st["candidate_limit"], budget=st["posting_budget"])
        out = []
        for s, m, n, eid in found:
            r = self.display[eid]
            out.append({"term": r["term"], "standard": r["standard"], "attribute": r["dict"],
                        "generic": r["generic"], "m": m, "n": n, "s": s})
        return out

    def parse(self, raw, fuzzy=True):
        import pipeline
        return pipeline.parse(raw, self.lex, self.candidates if fuzzy else lambda f: [], self.settings)


# -- measurements --------------------------------------------------------------------------------------
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


def bench_candidates(dsn, size, queries, rep: Report, floor: Floor):
    work = f"drug_candidates(fragment, 10), {len(queries)} homophone typos"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS public.bench_trgm")
        conn.execute("CREATE TABLE public.bench_trgm AS SELECT e.key AS term FROM drugnorm.entry e "
                     "JOIN drugnorm.dictionary d ON d.name = e.dict AND d.kind = 'set'")
        trgm = conn.execute("SELECT extnamespace::regnamespace::text FROM pg_extension "
                            "WHERE extname = 'pg_trgm'").fetchone()[0]
        conn.execute(f"CREATE INDEX ON public.bench_trgm USING gist (term {trgm}.gist_trgm_ops)")
        conn.execute("ANALYZE public.bench_trgm")
        keys = [r[0] for r in conn.execute("SELECT term FROM public.bench_trgm")]
        knn = f"SELECT term FROM public.bench_trgm ORDER BY term OPERATOR({trgm}.<->) %s LIMIT 10"
        for q, _ in queries[:20]:        # warm both: code, lexicon, plans, buffers
            conn.execute("SELECT * FROM drug_candidates(%s, 10)", (q,)).fetchall()
            conn.execute(knn, (q,)).fetchall()
        conn.execute("SET drugnorm.cache_entries = 0")     # every query is new to the backend
        dn_t, dn_r = timed(lambda q: [r[0] for r in conn.execute(
            "SELECT term FROM drug_candidates(%s, 10)", (q[0],)).fetchall()], queries)
        tg_t, tg_r = timed(lambda q: [r[0] for r in conn.execute(knn, (q[0],)).fetchall()], queries)
        # drug_candidates names terms as written; the typos were made of keys (normalized terms)
        terms = sorted({t for r in dn_r for t in r})
        key_of = dict(zip(terms, [k for (k,) in conn.execute(
            "SELECT drugnorm.normalize(t) FROM unnest(%s::text[]) WITH ORDINALITY AS u(t, i) ORDER BY i",
            (terms,))]))
    dn_r = [[key_of[t] for t in r] for r in dn_r]
    n = len(queries)

    def top1(results):
        hits = sum(1 for (_, truth), r in zip(queries, results) if r and r[0] == truth)
        return 100.0 * hits / n, f"top-1 {hits}/{n}"

    acc, note = top1(dn_r)
    rep.add(size, work, "drugnorm", p50(dn_t), "ms p50", note, pct(dn_t, 95))
    rep.add(size, work + " top-1", "drugnorm", acc, "%")
    acc, note = top1(tg_r)
    rep.add(size, work, "pg_trgm GiST KNN", p50(tg_t), "ms p50", note, pct(tg_t, 95))
    rep.add(size, work + " top-1", "pg_trgm GiST KNN", acc, "%")
    try:
        from rapidfuzz import fuzz, process
        sample = queries[: max(20, n // 3)]
        rf_t, rf_r = timed(lambda q: [m[0] for m in process.extract(q[0], keys, scorer=fuzz.ratio, limit=10)],
                           sample)
        hits = sum(1 for (_, truth), r in zip(sample, rf_r) if r and r[0] == truth)
        rep.add(size, work, "rapidfuzz extract (ratio), client", p50(rf_t), "ms p50",
                f"top-1 {hits}/{len(sample)}", pct(rf_t, 95))
    except ImportError:
        print("  rapidfuzz not installed (pip install .[bench])")
    sample = queries[: max(20, n // 3)]
    fl_t, fl_r = timed(lambda q: [floor.key_of(c["term"]) for c in floor.candidates(q[0], 10)[:1]], sample)
    hits = sum(1 for (_, truth), r in zip(sample, fl_r) if r and r[0] == truth)
    rep.add(size, work, "in-process floor (plpython/scoring.py)", p50(fl_t), "ms p50",
            f"top-1 {hits}/{len(sample)}", pct(fl_t, 95))


def bench_new_fragment(dsn, size, queries, rep: Report, floor: Floor):
    """drug_parse of a string whose one fuzzy fragment the backend has not seen (caches off)."""
    work = "one new fragment inside drug_parse"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SELECT drug_parse('阿莫西林胶囊'), drug_parse('阿莫西临胶囊')")
        conn.execute("SET drugnorm.cache_entries = 0")
        for q, _ in queries[:10]:
            conn.execute("SELECT drug_parse(%s)", (q + "片",))
        exact = read_column(NEUSOFT, "product")[:200]
        ex_t, _ = timed(lambda q: conn.execute("SELECT drug_parse(%s)", (q,)).fetchone(), exact)
        t, _ = timed(lambda q: conn.execute("SELECT drug_parse(%s)", (q[0],)).fetchone(), queries)
    rep.add(size, work, "drugnorm", p50(t), "ms p50", f"{len(queries)} typo strings", pct(t, 95))
    rep.add(size, "one drug_parse, exact names only (no fuzzy fragment)", "drugnorm", p50(ex_t), "ms p50",
            f"{len(exact)} product names of dev_neusoft", pct(ex_t, 95))
    sample = queries[: max(20, len(queries) // 3)]
    fl, _ = timed(lambda q: floor.parse(q[0]), sample)
    rep.add(size, work, "in-process floor", p50(fl), "ms p50", "pipeline + Python scoring", pct(fl, 95))


def bench_ctas(dsn, size, name, raws, rep: Report, floor: Floor | None, jobs: int = 0, repeats: int = 1):
    """``repeats``: runs of each measurement, the median reported (the best in the note): on a shared VM one
    run of a few seconds varies by ±10 %."""
    work = f"CREATE TABLE AS SELECT drug_parse(raw), {len(raws):,} distinct {name}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS public.bench_raw, public.bench_norm")
        conn.execute("CREATE TABLE public.bench_raw (id bigint PRIMARY KEY, raw text)")
        with conn.cursor().copy("COPY public.bench_raw (id, raw) FROM STDIN") as cp:
            for i, r in enumerate(raws):
                cp.write_row((i, r))
        conn.execute("VACUUM ANALYZE public.bench_raw")
    runs = []
    for _ in range(repeats):
        with psycopg.connect(dsn, autocommit=True) as c2:   # a fresh backend: caches start empty
            c2.execute("DROP TABLE IF EXISTS public.bench_norm")
            t = time.perf_counter()
            c2.execute("CREATE TABLE public.bench_norm AS SELECT id, drug_parse(raw) AS norm FROM public.bench_raw")
            runs.append(time.perf_counter() - t)
    rep.add(size, work, "drugnorm, one backend", len(raws) / statistics.median(runs), "rows/s", _runs_note(runs))
    if jobs:
        from drugnorm_admin import bulk
        runs = []
        for _ in range(repeats):
            with psycopg.connect(dsn, autocommit=True) as conn:   # parse-table skips values already parsed
                conn.execute("ALTER TABLE public.bench_raw DROP COLUMN IF EXISTS norm")
            t = time.perf_counter()
            bulk.normalize(dsn, "public.bench_raw", "raw", "norm", jobs=jobs, **QUIET)
            runs.append(time.perf_counter() - t)
        rep.add(size, f"drugnorm-admin parse-table --jobs {jobs}, {len(raws):,} distinct {name}", "drugnorm",
                len(raws) / statistics.median(runs), "rows/s", _runs_note(runs))
    if floor is not None:
        sample = raws[:3000]
        t = time.perf_counter()
        for r in sample:
            floor.parse(r)
        dt = time.perf_counter() - t
        rep.add(size, work, "in-process floor", len(sample) / dt, "rows/s",
                f"first {len(sample):,} strings, Python scoring")
        t = time.perf_counter()
        for r in sample:
            floor.parse(r, fuzzy=False)
        dt = time.perf_counter() - t
        rep.add(size, work, "in-process floor, no fuzzy step", len(sample) / dt, "rows/s",
                f"first {len(sample):,} strings")


def _runs_note(runs: list[float]) -> str:
    if len(runs) == 1:
        return f"{runs[0]:.1f} s"
    return f"median of {len(runs)} runs of {statistics.median(runs):.1f} s; best {min(runs):.1f} s"


def bench_first_call(dsn, size, rep: Report, n: int = 5):
    """The first drug_parse of a new backend: PL/Python starts, the code compiles, the lexicon loads."""
    times, interp = [], []
    for _ in range(n):
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("SELECT 1")
            t = time.perf_counter()
            conn.execute("SELECT drug_parse('(立普妥)阿托伐他汀钙片20mg*7片')").fetchone()
            times.append((time.perf_counter() - t) * 1000)
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("SELECT 1")
            t = time.perf_counter()
            conn.execute("DO $$ pass $$ LANGUAGE plpython3u")
            interp.append((time.perf_counter() - t) * 1000)
    rep.add(size, "first drug_parse in a new backend", "drugnorm", p50(times), "ms p50",
            f"median of {n}; PL/Python's own start {p50(interp):.0f} ms of it", max(times))


def bench_memory(dsn, size, rep: Report, n_results: int = 20000):
    with psycopg.connect(dsn, autocommit=True) as conn:
        terms = [r[0] for r in conn.execute("SELECT term FROM drugnorm.entry WHERE dict IN "
                                            "('product_name', 'generic_name') ORDER BY id LIMIT 20000")]
    with psycopg.connect(dsn, autocommit=True) as fresh:
        fresh.execute("SELECT 1")
        base = backend_anon_mb(fresh)
        fresh.execute("DO $$ import json $$ LANGUAGE plpython3u")
        interp = backend_anon_mb(fresh)
        fresh.execute("SELECT drug_parse('阿莫西林胶囊'), drug_parse('阿莫西临胶囊')")
        loaded = backend_anon_mb(fresh)
        i = 0
        while i < n_results:
            for t in terms:
                for _ in range(2):      # a result is cached the second time its string is parsed
                    fresh.execute("SELECT drug_parse(%s)", (f"{t}{i % 97 + 1}mg",))
                i += 1
                if i == n_results:
                    break
        full = backend_anon_mb(fresh)
    rep.add(size, "per-backend memory: code + lexicon (RssAnon after the first calls)", "drugnorm",
            loaded - interp, "MB", f"PL/Python interpreter itself {interp - base:.1f} MB")
    rep.add(size, f"per-backend memory: + {n_results:,} cached results", "drugnorm", full - loaded, "MB")


def bench_bulk(dsn, data, n_rows, rep: Report):
    """The old workload: generated hospital rows with repeats; SELECT, CREATE TABLE AS, UPDATE, parse-table."""
    from drugnorm_admin import bulk
    with psycopg.connect(dsn, autocommit=True) as conn:
        terms = [r[0] for r in conn.execute(
            "SELECT term FROM drugnorm.entry WHERE dict = 'product_name' AND standard_id IS NULL ORDER BY id")]
        makers = [r[0] for r in conn.execute("SELECT term FROM drugnorm.entry WHERE dict = 'manufacturer' "
                                             "ORDER BY id LIMIT 2000")]
        by_char = homophones(conn)
        for label, typo in (("exact-heavy", 0.02), ("typo-heavy", 0.3)):
            raws = workload.hospital_rows(terms, makers, n_rows, typo, homophones=by_char)
            conn.execute("DROP TABLE IF EXISTS public.bench_rx, public.bench_rx_norm")
            conn.execute("CREATE TABLE public.bench_rx (id bigint PRIMARY KEY, raw text)")
            with conn.cursor().copy("COPY public.bench_rx (id, raw) FROM STDIN") as cp:
                for i, r in enumerate(raws):
                    cp.write_row((i, r))
            conn.execute("VACUUM ANALYZE public.bench_rx")
            distinct = conn.execute("SELECT count(DISTINCT raw) FROM public.bench_rx").fetchone()[0]
            for what, stmt in (
                    ("SELECT", "SELECT count(drug_parse(raw)) FROM public.bench_rx"),
                    ("CREATE TABLE AS", "CREATE TABLE public.bench_rx_norm AS SELECT id, drug_parse(raw) AS norm "
                                        "FROM public.bench_rx"),
                    ("UPDATE", "UPDATE public.bench_rx SET norm = drug_parse(raw)")):
                if what == "UPDATE":
                    conn.execute("ALTER TABLE public.bench_rx ADD COLUMN norm jsonb")
                with psycopg.connect(dsn, autocommit=True) as c2:
                    t = time.perf_counter()
                    c2.execute(stmt)
                    dt = time.perf_counter() - t
                rep.add("bundled", f"drug_parse {what}, {n_rows:,} {label} rows ({distinct:,} distinct)",
                        "drugnorm", n_rows / dt, "rows/s", f"{dt:.1f} s")
            conn.execute("ALTER TABLE public.bench_rx DROP COLUMN norm")
            t = time.perf_counter()
            bulk.normalize(dsn, "public.bench_rx", "raw", "norm", jobs=2, **QUIET)
            dt = time.perf_counter() - t
            rep.add("bundled", f"drugnorm-admin parse-table --jobs 2, {n_rows:,} {label} rows", "drugnorm",
                    n_rows / dt, "rows/s", f"{dt:.1f} s")


def bench_scaling(dsn, raws, n_rows, jobs_list, rep: Report, size="bundled"):
    """What parse-table costs per table row and per distinct string, to extrapolate to 10 million rows with
    200,000 distinct strings: the same distinct strings once as a table of their own (parse cost) and
    repeated to ``n_rows`` rows (plus the cost of collecting and writing back rows), for each job count."""
    from drugnorm_admin import bulk
    n_distinct = len(raws)
    out = {}
    for jobs in jobs_list:
        times = {}
        for label, rows in (("distinct", n_distinct), ("repeated", n_rows)):
            with psycopg.connect(dsn, autocommit=True) as conn:
                conn.execute("DROP TABLE IF EXISTS public.bench_scale")
                conn.execute("CREATE TABLE public.bench_scale (id bigint PRIMARY KEY, raw text)")
                with conn.cursor().copy("COPY public.bench_scale (id, raw) FROM STDIN") as cp:
                    for i in range(rows):
                        cp.write_row((i, raws[i % n_distinct]))
                conn.execute("VACUUM ANALYZE public.bench_scale")
            t = time.perf_counter()
            bulk.normalize(dsn, "public.bench_scale", "raw", "norm", jobs=jobs, **QUIET)
            times[label] = time.perf_counter() - t
        per_distinct = times["distinct"] / n_distinct
        per_row = max(0.0, times["repeated"] - times["distinct"]) / (n_rows - n_distinct)
        est = 10_000_000 * per_row + 200_000 * per_distinct
        out[jobs] = est
        rep.add(size, f"parse-table --jobs {jobs}: {n_distinct:,} distinct strings as {n_distinct:,} rows / as "
                      f"{n_rows:,} rows", "drugnorm", times["distinct"], "s",
                f"{times['repeated']:.1f} s; {1000 * per_distinct:.2f} ms a distinct string, "
                f"{1e6 * per_row:.1f} us a row")
        rep.add(size, f"parse-table --jobs {jobs}: 10,000,000 rows with 200,000 distinct strings (extrapolated)",
                "drugnorm", est / 60, "min", "10M x per row + 200k x per distinct string")
    return out


# -- the goals of issue 15 -----------------------------------------------------------------------------
def check(rep: Report, sizes: list[str]) -> list[tuple[str, bool, str]]:
    """(row, met, why) for every goal that the run measured."""
    out = []

    def have(size, work, system):
        r = rep.get(size, work, system)
        return None if r is None else r["value"]

    bundled = sizes[0] if sizes else None
    for size in sizes:
        work = next((r["work"] for r in rep.rows if r["size"] == size and r["work"].startswith("drug_candidates(")
                     and not r["work"].endswith("top-1")), None)
        if work:
            ours, trgm = have(size, work, "drugnorm"), have(size, work, "pg_trgm GiST KNN")
            acc, tacc = have(size, work + " top-1", "drugnorm"), have(size, work + " top-1", "pg_trgm GiST KNN")
            out.append((f"[{size}] drug_candidates p50 ≤ pg_trgm's", ours <= trgm, f"{ours:.2f} vs {trgm:.2f} ms"))
            out.append((f"[{size}] drug_candidates top-1 ≥ pg_trgm's", acc >= tacc, f"{acc:.1f} vs {tacc:.1f} %"))
            if size == bundled:
                out.append((f"[{size}] drug_candidates top-1 ≥ 94.9 % (issue 15)", acc >= 94.9, f"{acc:.1f} %"))
        v = have(size, "one new fragment inside drug_parse", "drugnorm")
        if v is not None:
            out.append((f"[{size}] one new fragment inside drug_parse ≤ 3 ms p50", v <= 3, f"{v:.2f} ms"))
        for r in rep.rows:
            if r["size"] != size or r["system"] not in ("drugnorm", "drugnorm, one backend"):
                continue
            if r["work"].startswith("CREATE TABLE AS") and "messy" in r["work"]:
                out.append((f"[{size}] {r['work']} ≥ 600 rows/s", r["value"] >= 600, f"{r['value']:.0f} rows/s"))
            if r["work"].startswith("CREATE TABLE AS") and "dev_neusoft" in r["work"]:
                out.append((f"[{size}] {r['work']} ≥ 800 rows/s", r["value"] >= 800, f"{r['value']:.0f} rows/s"))
            if r["work"].startswith("drugnorm-admin parse-table --jobs 2") and "dev_neusoft" in r["work"]:
                out.append((f"[{size}] {r['work']} ≥ 1,500 rows/s", r["value"] >= 1500, f"{r['value']:.0f} rows/s"))
        v = have(size, "first drug_parse in a new backend", "drugnorm")
        if v is not None:
            limit = 50 if size == bundled else 200
            out.append((f"[{size}] first drug_parse in a new backend ≤ {limit} ms", v <= limit, f"{v:.0f} ms"))
        v = have(size, "per-backend memory: code + lexicon (RssAnon after the first calls)", "drugnorm")
        if v is not None and size == bundled:
            out.append((f"[{size}] per-backend memory ≤ 16 MB", v <= 16, f"{v:.1f} MB"))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dsn", help="an existing database (it gets the bundled lexicon, then the synthetic top-up)")
    ap.add_argument("--sizes", default="bundled,100000", help="'bundled' and/or entry counts, comma-separated")
    ap.add_argument("--queries", type=int, default=300, help="typo queries per size")
    ap.add_argument("--messy", type=int, default=20000, help="distinct messy strings (0 skips)")
    ap.add_argument("--rows", type=int, default=0, help="rows of the old bulk workload (0 skips it)")
    ap.add_argument("--scaling", type=int, default=0, metavar="ROWS",
                    help="normalize the messy strings as a table of their own and repeated to ROWS rows, with "
                         "--jobs 1 and 2, and extrapolate to 10M rows with 200k distinct strings (0 skips it)")
    ap.add_argument("--data", type=Path, default=SHARED / "lexicon")
    ap.add_argument("--lexicon", type=Path, default=ROOT / "lexicon" / "default", help="the bundled lexicon's files")
    ap.add_argument("--skip", default="", help="comma-separated parts to skip: candidates,fragment,messy,neusoft,"
                                               "first,memory")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    ap.add_argument("--check", action="store_true", help="exit 1 if a goal is not met")
    args = ap.parse_args(argv)
    if args.scaling and args.scaling <= args.messy:
        ap.error(f"--scaling {args.scaling}: must exceed the {args.messy:,} distinct strings it repeats (--messy)")
    skip = set(filter(None, args.skip.split(",")))
    tmp = cluster = None
    dsn = args.dsn
    if not dsn:
        tmp = tempfile.mkdtemp(prefix="drugnorm-bench-")
        cluster = EmbeddedCluster(Path(tmp))
        cluster.ensure_started()
        dsn = cluster.dsn
    rep = Report()
    try:
        migrate.upgrade(dsn, **QUIET)
        with psycopg.connect(dsn) as conn:
            server = conn.execute("SHOW server_version").fetchone()[0]
        print(f"machine: {machine()}; PostgreSQL {server}", flush=True)
        t = time.perf_counter()
        loader.load(dsn, sorted(args.lexicon.glob("*.tsv")), **QUIET)
        with psycopg.connect(dsn) as conn:
            n = set_entries(conn)
        rep.add("bundled", "load the bundled lexicon", "drugnorm", time.perf_counter() - t, "s", f"{n:,} entries")
        messy = read_column(MESSY, "term", args.messy) if args.messy and MESSY.exists() else []
        neusoft = read_column(NEUSOFT, "input")
        if args.rows:
            bench_bulk(dsn, args.data, args.rows, rep)
        sizes = []
        for spec in args.sizes.split(","):
            if spec != "bundled":
                took = top_up(dsn, args.data, int(spec))
                with psycopg.connect(dsn) as conn:
                    n = set_entries(conn)
                rep.add(f"{n:,}", "load-dict of the synthetic top-up", "drugnorm", took, "s")
            with psycopg.connect(dsn) as conn:
                n = set_entries(conn)
                label = "bundled" if spec == "bundled" else f"{n:,}"
                keys = [r[0] for r in conn.execute("SELECT key FROM drugnorm.entry WHERE dict = 'product_name'")]
                queries = workload.typo_queries(keys, homophones(conn), args.queries, homophone_only=True)
            sizes.append(label)
            print(f"== {label}: {n:,} entries of the dictionary set", flush=True)
            floor = Floor(dsn)
            if "first" not in skip:
                bench_first_call(dsn, label, rep)
            if "memory" not in skip:
                bench_memory(dsn, label, rep)
            if "candidates" not in skip:
                bench_candidates(dsn, label, queries, rep, floor)
            if "fragment" not in skip:
                bench_new_fragment(dsn, label, queries, rep, floor)
            if "neusoft" not in skip:
                bench_ctas(dsn, label, "inputs of eval/dev_neusoft.tsv", neusoft, rep, floor, jobs=2, repeats=3)
            if "messy" not in skip and messy:
                bench_ctas(dsn, label, "strings of messy_strings.tsv", messy, rep, floor)
            if args.scaling and messy and spec == "bundled":
                bench_scaling(dsn, messy, args.scaling, (1, 2), rep, label)
            del floor
        print()
        print(f"machine: {machine()}; PostgreSQL {server}")
        print(f"{'size':<9} {'work':<78} {'system':<40} {'figure':>12}  note")
        for r in rep.rows:
            fig = f"{r['value']:,.2f} {r['unit']}"
            if r["p95"] is not None:
                fig += f" (p95 {r['p95']:.2f})"
            print(f"{r['size']:<9} {r['work']:<78} {r['system']:<40} {fig:>12}  {r['note']}")
        print("\ngoals of issue 15:")
        results = check(rep, sizes)
        for what, met, why in results:
            print(f"  {'MET ' if met else 'MISS'}  {what}: {why}")
        if args.json:
            args.json.write_text(json.dumps({"machine": machine(), "postgres": server, "rows": rep.rows,
                                             "goals": results}, ensure_ascii=False, indent=1), encoding="utf-8")
    finally:
        if cluster:
            cluster.stop()
            import shutil
            shutil.rmtree(tmp, ignore_errors=True)
    return 1 if args.check and not all(met for _, met, _ in check(rep, sizes)) else 0


if __name__ == "__main__":
    sys.exit(main())
