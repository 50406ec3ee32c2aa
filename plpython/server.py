"""The glue between PostgreSQL and the pure modules: per-backend caches, settings, SQL calls.

With loadtime.py (what load-dict asks the database to compute) the only module that touches ``plpy``;
it is passed in, never imported, so the others stay testable.

Caches live in ``GD`` for the life of a backend and are rebuilt when ``drugnorm.state`` says the lexicon
or the settings changed, checked with one small query per call. Everything read for one call comes from
the calling statement's snapshot (the functions are STABLE), so a call sees the lexicon before a
concurrent load or after it, never a mix.

The caches hold committed data only: a backend outlives transactions, roles (SET ROLE) and pooled
clients (DISCARD ALL does not touch GD), so anything a rolled-back transaction saw would be served to
all of them. A statement that changes a table the caches read marks its transaction (statement triggers
set ``drugnorm.uncommitted`` to a value unique to the statement, transaction-local, undone by ROLLBACK,
see sql/schema.sql) and bumps ``state.settings_version`` (so a committed hand edit reloads every
backend). While the marker is on, calls use a lexicon read for that marker only and keep no results or
candidates; the committed caches are untouched. Both caches are bounded in bytes, whatever
``cache_entries`` says.
"""
from __future__ import annotations

import json
import sys
import time
import zlib
from collections import OrderedDict

import chars
import dimensions
import dictionary_set
import homophones
import inference
import pipeline
import preprocess
import settings as config

SETTING_NAMES = config.NAMES
# The tables the caches are computed from (their statement triggers mark uncommitted changes).
_CACHED_TABLES = ("entry", "posting", "token_stat", "entry_weight", "setting", "hanzi", "char_model", "dictionary",
                  "state")
# What Backend.refresh reads on every call (built once: the string is the same for every call). Rows written
# to the cached tables are counted by PostgreSQL itself (not yet flushed counts, so they may include the
# session's last transactions; only a transaction that wrote, having an xid, heeds them): the marker's answer
# also when a session cleared it or read its writes before the statement ended. TRUNCATE resets these
# counts; the marker covers it.
_STATE_SQL = ("SELECT version, settings_version, "
              + ", ".join(f"current_setting('drugnorm.{n}', true) AS {n}" for n in SETTING_NAMES)
              + ", current_setting('drugnorm.uncommitted', true) AS uncommitted, "
              + " + ".join(f"pg_stat_get_xact_tuples_{w}('drugnorm.{t}'::regclass)"
                           for t in _CACHED_TABLES for w in ("inserted", "updated", "deleted"))
              + " AS written, pg_current_xact_id_if_assigned()::text AS xid FROM drugnorm.state")
# Hard caps on the memory of one backend's caches, whatever cache_entries says (README, Scaling): parse
# results (compressed JSON, ~450 bytes for a typical HIS string, up to ~20 KB for a 1,000-character one)
# and fuzzy candidates of fragments (compressed JSON, ~400 bytes each).
RESULT_CACHE_BYTES = 24 << 20
FRAGMENT_CACHE_BYTES = 8 << 20
_COMPACT = (",", ":")     # JSON without spaces: a tenth smaller, a quarter faster to write
# json.dumps(x, ensure_ascii=False, separators=_COMPACT), the same text: one encoder for every call, and no
# check for cycles (the documents are trees; the check cost a fifth of the encoding)
_to_json = json.JSONEncoder(ensure_ascii=False, separators=_COMPACT, check_circular=False).encode


class _Cache:
    """Least recently used bytes values, at most ``max_entries`` of them (given per put: the setting may
    change) and at most ``max_bytes`` counted with their keys and the bookkeeping of each entry."""

    OVERHEAD = 120     # an OrderedDict slot and its link node

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.bytes = 0
        self.data: OrderedDict = OrderedDict()

    @staticmethod
    def size(key, value: bytes) -> int:
        n = sys.getsizeof(key) + sys.getsizeof(value) + _Cache.OVERHEAD
        if type(key) is tuple:
            n += sum(sys.getsizeof(x) for x in key)
        return n

    def get(self, key):
        v = self.data.get(key)
        if v is not None:
            self.data.move_to_end(key)
        return v

    def put(self, key, value: bytes, max_entries: int) -> None:
        n = self.size(key, value)
        if max_entries <= 0 or n > self.max_bytes:
            return
        old = self.data.pop(key, None)
        if old is not None:
            self.bytes -= self.size(key, old)
        self.data[key] = value
        self.bytes += n
        while len(self.data) > max_entries or self.bytes > self.max_bytes:
            k, v = self.data.popitem(last=False)
            self.bytes -= self.size(k, v)

    def clear(self) -> None:
        self.data.clear()
        self.bytes = 0

    def items(self):
        return self.data.items()

    def __len__(self):
        return len(self.data)


def _pack(text: str) -> bytes:
    # Compressed UTF-8 is a quarter of the str (2 bytes a character once it holds hanzi). Level 1 with a 4 KB
    # window and a 4 KB hash table (memLevel 4) compresses a 3 KB result in ~15 µs; zlib's default hash
    # table (memLevel 8, 128 KB to set up) took ~35 µs for the same bytes, and the default 32 KB window ~100 µs.
    z = zlib.compressobj(1, zlib.DEFLATED, 12, 4)
    return z.compress(text.encode()) + z.flush()


def _unpack(data: bytes) -> str:
    return zlib.decompress(data).decode()


class _SeenOnce:
    """Which raw strings a backend has parsed once, approximately: a bitmap indexed by the string's hash
    (256 KB, whatever the strings). A result is cached the second time its string is parsed, so a
    statement over distinct strings (CREATE TABLE AS over DISTINCT values, parse-table) does not pay for
    compressing results that will never be asked again (~3 % of a new string's cost), and a column of
    repeated values pays one parse more per repeated value. A false "seen" only caches a result early.
    Cleared after 2^18 strings, when about one bit in nine is set."""

    BITS = 1 << 21
    LIMIT = 1 << 18

    def __init__(self):
        self.clear()

    def clear(self) -> None:
        self.bits = bytearray(self.BITS >> 3)
        self.added = 0

    def check_and_add(self, text: str) -> bool:
        """Whether ``text`` was seen before; marks it seen."""
        h = hash(text) & (self.BITS - 1)
        byte, bit = h >> 3, 1 << (h & 7)
        if self.bits[byte] & bit:
            return True
        if self.added >= self.LIMIT:
            self.clear()
        self.bits[byte] |= bit
        self.added += 1
        return False


class View:
    """A lexicon read in one snapshot, the settings typed against it, and what was computed with them.

    ``keep``: the backend's committed view caches results and candidates; a view of data this transaction
    changed (kept for one marker only, see Backend) caches nothing."""

    def __init__(self, plans: dict, keep: bool = True):
        self.plans = plans
        self.keep = keep
        self.version = None          # (lexicon version, settings version)
        self.lex = None
        self.readings = {}           # hanzi -> readings, fetched on first sight
        self.in_lexicon = {}         # hanzi -> whether an entry of the lexicon has it, fetched with them
        self.table_settings = {}
        self.settings = {}
        self.settings_sig = None
        self.results = _Cache(RESULT_CACHE_BYTES)
        self.seen_once = _SeenOnce() if keep else None     # results are cached on second sight
        # fuzzy candidates per fragment: fragments (manufacturers, products) repeat across many strings
        self.fragments = _Cache(FRAGMENT_CACHE_BYTES)

    # -- plans -------------------------------------------------------------------------------------
    def plan(self, plpy, name, sql, types=()):
        p = self.plans.get(name)
        if p is None:
            p = self.plans[name] = plpy.prepare(sql, list(types))
        return p

    # -- freshness -----------------------------------------------------------------------------------
    def update(self, plpy, row):
        """Follow the versions and the session's settings of ``row`` (Backend.refresh's query)."""
        version = (row["version"], row["settings_version"])
        if version != self.version:
            if self.keep and self.version is None:   # a backend's first call: misspelled drugnorm.* names
                for w in config.misspelled(plpy.execute(config.PERSISTENT_SQL)):   # set per database or role
                    plpy.warning(w)
            self._load(plpy)
            self.version = version
            self.settings_sig = None      # the table's values may have changed
            self.results.clear()
            self.fragments.clear()
        overrides = tuple(row[n] for n in SETTING_NAMES)
        if overrides != self.settings_sig:
            # invalid values never fail a call (the attach trigger would lose the INSERT): each is
            # reported once per change, and the table's value or the built-in default is used
            self.settings, problems = config.typed(self.table_settings, dict(zip(SETTING_NAMES, overrides)))
            for p in problems:
                plpy.warning(p)
            self.settings_sig = overrides
            self.results.clear()
            self.fragments.clear()
        if self.lex.readings is None:
            self.lex.readings = _LazyReadings(plpy, self)

    def _load(self, plpy):
        """The small tables in full, the hashes of the dictionary set's keys, nothing of the entries yet:
        a new backend's first call costs a few milliseconds at any lexicon size (README, Scaling)."""
        row = plpy.execute(self.plan(plpy, "load", _LOAD_SQL))[0]
        self.table_settings = json.loads(row["settings"] or "{}")
        pairs = row["t2s"] or ""
        t2s = dict(zip(pairs[0::2], pairs[1::2]))
        units = [tuple(u) for u in json.loads(row["units"] or "[]")]
        models = json.loads(row["models"] or "[]")
        markers = [tuple(m) for m in json.loads(row["markers"] or "[]")]
        self.lex = dictionary_set.StoredLexicon.build(
            json.loads(row["forms"] or "[]"), units, row["irrelevant"] or [], t2s, models, markers,
            fetch=lambda keys: plpy.execute(self.plan(plpy, "entries", _ENTRIES_SQL, ["text[]"]), [keys]),
            fetch_keys=lambda: _lines(plpy.execute(self.plan(plpy, "keys", _KEYS_SQL))),
            fetch_protected=lambda: _protected(plpy.execute(self.plan(plpy, "protected", _PROTECTED_SQL))),
            fetch_manufacturers=lambda: _lines(plpy.execute(self.plan(plpy, "makers", _MAKERS_SQL))))
        self.readings = {}
        self.in_lexicon = {}

    def readings_of(self, plpy, text=""):
        """A function hanzi -> readings. Readings are fetched per character on first sight, the
        characters of ``text`` in one query: a backend meets a few thousand hanzi, not the table's 30,000."""
        known = self.readings
        missing = [ch for ch in set(text) if ch not in known and chars.is_hanzi(ch)]
        if missing:
            self._fetch_readings(plpy, missing)

        def of(ch):
            rs = known.get(ch)
            if rs is None:
                if not chars.is_hanzi(ch):
                    return ()
                self._fetch_readings(plpy, [ch])
                rs = known[ch]
            return rs
        return of

    def _fetch_readings(self, plpy, chars):
        plan = self.plan(plpy, "readings", _READINGS_SQL, ["text[]"])
        for ch in chars:
            self.readings[ch] = ()
        for r in plpy.execute(plan, [chars]):
            self.readings[r["ch"]] = tuple(r["readings"] or ())
            self.in_lexicon[r["ch"]] = r["in_lexicon"]


class Backend(View):
    """What one backend keeps between calls: the committed view (itself), and the view of the
    transaction that changed lexicon tables, if the current call is in one."""

    def __init__(self):
        super().__init__({}, keep=True)
        self.transient = None        # (marker, View)

    def refresh(self, plpy):
        """One query per call: versions, the session's settings and the uncommitted-changes marker.
        Returns the view this call uses and the lexicon version."""
        rows = plpy.execute(self.plan(plpy, "state", _STATE_SQL))
        if not rows:   # the seed rows are data: a restore of a schema-only dump lacks them
            raise ValueError("drugnorm is not initialised in this database (drugnorm.state is empty, as "
                             "after restoring a schema-only dump): run drugnorm-admin init")
        row = rows[0]
        if row["uncommitted"] or (row["written"] and row["xid"]):
            # This transaction changed what the caches read: its data may yet be rolled back
            marker = (row["uncommitted"], row["xid"], row["written"])
            if self.transient is None or self.transient[0] != marker:
                self.transient = (marker, View(self.plans, keep=False))
            view = self.transient[1]
        else:
            self.transient = None
            view = self
        view.update(plpy, row)
        return view, row["version"]


class _Interrupts:
    """The pipeline's checkpoint: lets a pending cancel or statement_timeout fire during pure-Python work.
    PostgreSQL acts on them only where the backend checks for interrupts, which every SPI call does; so
    at most every EVERY seconds this runs a trivial prepared query (a few tens of microseconds)."""

    EVERY = 0.05

    def __init__(self, plpy, b):
        self.plpy, self.b = plpy, b
        self.last = time.monotonic()

    def __call__(self):
        now = time.monotonic()
        if now - self.last >= self.EVERY:
            self.plpy.execute(self.b.plan(self.plpy, "interrupts", "SELECT 1"))
            self.last = time.monotonic()


class _LazyReadings:
    """Readings of a hanzi for the typo test of fuzzy acceptance, fetched when first asked for."""

    def __init__(self, plpy, b):
        self.plpy, self.b, self.fn = plpy, b, None

    def __call__(self, ch):
        if self.fn is None:
            self.fn = self.b.readings_of(self.plpy)
        return self.fn(ch)


def _protected(rows):
    row = rows[0]
    return json.loads(row["surely"] or "{}"), row["maybe"] or []


def _lines(rows):
    text = rows[0]["keys"] if rows else None
    return text.split("\n") if text else []


_SET_DICTS = "ARRAY(SELECT d.name FROM drugnorm.dictionary d WHERE d.kind = 'set')"
# Everything a backend holds of the lexicon from its first call on, in one row.
_LOAD_SQL = f"""
SELECT (SELECT json_object_agg(name, value) FROM drugnorm.setting) AS settings,
       (SELECT string_agg(ch || simplified, '') FROM drugnorm.hanzi
        WHERE simplified IS NOT NULL AND simplified <> ch) AS t2s,
       (SELECT array_agg(key) FROM drugnorm.entry WHERE dict = 'irrelevant_char') AS irrelevant,
       (SELECT json_agg(json_build_array(e.key, e.dict, coalesce(s.term, e.term)))
        FROM drugnorm.entry e LEFT JOIN drugnorm.entry s ON s.id = e.standard_id
        WHERE e.dict IN ('strength_unit', 'package_unit')) AS units,
       (SELECT json_agg(json_build_object('name', name, 'kind', kind, 'symbols', symbols, 'priority', priority)
                        ORDER BY priority) FROM drugnorm.char_model) AS models,
       (SELECT json_agg(json_build_array(e.key, e.dict, e.term, coalesce(s.term, e.term)) ORDER BY e.id)
        FROM drugnorm.entry e LEFT JOIN drugnorm.entry s ON s.id = e.standard_id
        WHERE e.dict IN ('insurance_class', 'formulary_marker')) AS markers,
       (SELECT json_agg(json_build_array(e.key, coalesce(s.term, e.term)) ORDER BY e.id)
        FROM drugnorm.entry e LEFT JOIN drugnorm.entry s ON s.id = e.standard_id
        WHERE e.dict = 'dosage_form') AS forms
"""
_KEYS_SQL = f"SELECT string_agg(key, E'\\n') AS keys FROM drugnorm.entry WHERE dict = ANY ({_SET_DICTS})"
# The readings of some hanzi, and whether an entry has each (homophones.read_as).
_READINGS_SQL = ("SELECT h.ch, h.readings, EXISTS (SELECT 1 FROM drugnorm.token_stat t WHERE t.token = 'h' || h.ch) "
                 "AS in_lexicon FROM drugnorm.hanzi h WHERE h.ch = ANY ($1)")
# How the lexicon reads a word: the phrase-aware readings of an entry of that key (homophones.read_as).
_SPOKEN_SQL = "SELECT readings FROM drugnorm.entry WHERE key = $1 AND readings IS NOT NULL LIMIT 1"
# The entries of some keys, with the display strings of their standard and links (dictionary_set.entries_by_key).
_ENTRIES_SQL = """
SELECT e.key, e.dict, e.term, coalesce(s.term, e.term) AS standard, g.term AS generic, p.term AS product,
       f.term AS dosage_form
FROM drugnorm.entry e
LEFT JOIN drugnorm.entry s ON s.id = e.standard_id
LEFT JOIN drugnorm.entry g ON g.id = coalesce(s.generic_id, e.generic_id)
LEFT JOIN drugnorm.entry p ON p.id = coalesce(s.product_id, e.product_id)
LEFT JOIN drugnorm.entry f ON f.id = coalesce(s.dosage_form_id, e.dosage_form_id)
WHERE e.key = ANY ($1)
ORDER BY e.id
"""
# Keys holding symbols or digits (dictionary_set.protected_index): those with an ASCII character other than a
# letter surely do, by their first 3 characters (dictionary_set.PROTECTED_PREFIX), longest first; those with other
# characters than Latin letters and hanzi may (dictionary_set.needs_protection decides).
_PROTECTED_SQL = f"""
WITH k AS (SELECT key, key ~ '[\\x20-\\x40\\x5b-\\x60\\x7b-\\x7e]' AS surely FROM drugnorm.entry
           WHERE dict = ANY ({_SET_DICTS}) AND key ~ '[^a-z\u4e00-\u9fff]')
SELECT (SELECT json_object_agg(p.prefix, p.keys) FROM (
            SELECT left(key, 3) AS prefix, json_agg(key ORDER BY length(key) DESC, key COLLATE "C") AS keys
            FROM k WHERE surely GROUP BY 1) p) AS surely,
       (SELECT array_agg(key) FROM k WHERE NOT surely) AS maybe
"""
_MAKERS_SQL = "SELECT string_agg(key, E'\\n') AS keys FROM drugnorm.entry WHERE dict = 'manufacturer'"


def backend(GD) -> Backend:
    b = GD.get("drugnorm_backend")
    if b is None:
        b = GD["drugnorm_backend"] = Backend()
    return b


# -- the SQL API ---------------------------------------------------------------------------------------
def candidates(plpy, GD, fragment, k=None, threshold=None):
    """Rows (term, standard, attribute, generic, m, n, s) best first, for drug_candidates() (and the
    hanzi branch of drug_lookup). A fragment longer than pipeline.MAX_FUZZY (64) characters once
    preprocessed has no candidates, as drug_parse looks none of those up: scoring one costs time in
    proportion to its length (10 KB of hanzi took 1-2 s) and no name is that long."""
    b, _ = backend(GD).refresh(plpy)
    if len(fragment) > b.settings["max_input"]:
        return []
    key = preprocess.normalize_key(fragment, b.lex.t2s, b.lex.irrelevant)
    if len(key) > pipeline.MAX_FUZZY:
        return []
    return _score(plpy, b, key, k, threshold)


def _score(plpy, b, key, k=None, threshold=None):
    """Candidates of one normalized fragment, best first."""
    return _score_many(plpy, b, [key], k, threshold)[key]


def _score_many(plpy, b, keys, k=None, threshold=None) -> dict:
    """{key: candidates} for normalized fragments: the ones the fragment cache lacks in one query."""
    st = b.settings
    k = st["k"] if k is None else k
    threshold = st["threshold"] if threshold is None else threshold
    out, todo = {}, []
    for key in keys:
        if k is None or k <= 0 or not key:
            out[key] = []
            continue
        hit = b.fragments.get((key, k, threshold))
        if hit is not None:
            out[key] = json.loads(_unpack(hit))
        elif key not in out:
            out[key] = None
            todo.append(key)
    if todo:
        got = _score_sql(plpy, b, todo, k, threshold)
        _read_typos_as_meant(plpy, b, got, k, threshold)
        for key in todo:
            found = out[key] = got.get(key, [])
            if b.keep and len(key) <= pipeline.MAX_FUZZY:
                b.fragments.put((key, k, threshold),
                                _pack(_to_json(found)),
                                st["cache_entries"])
    return out


def _read_typos_as_meant(plpy, b, got: dict, k, threshold) -> None:
    """A fragment with one hanzi no entry has gets the candidates of the fragment as its candidates write it
    (homophones.read_as), scored in one more query for all such fragments."""
    lex = b.lex
    known = b.in_lexicon.get
    meant = {}
    for key, cands in got.items():
        if cands and sum(1 for ch in key if known(ch) is False) == 1:
            top = preprocess.normalize_key(cands[0]["term"], lex.t2s, lex.irrelevant)
            if cands[0]["s"] >= b.settings["accept"] and len(top) == len(key) and \
                    sum(1 for x, y in zip(top, key) if x != y) == 1:
                continue    # the name meant, one character apart, ranks first and is accepted as it is
            keys = [preprocess.normalize_key(c["term"], lex.t2s, lex.irrelevant) for c in cands]
            shape = inference.shape(key, lex)     # the name ends before its form suffix (添丁|片)
            name_end = len(key) - len(pipeline._suffix(key, shape)) if shape else None
            alt = homophones.read_as(key, lambda ch: known(ch) is not False, b.readings_of(plpy, "".join(keys)),
                                     keys, lambda name: _spoken(plpy, b, name), name_end)
            # the name meant ranks first already, and is accepted as it is: nothing to score again
            if alt is not None and not (keys[0] in (alt, alt[:name_end]) and cands[0]["s"] >= b.settings["accept"]):
                meant[key] = alt
    if meant:
        again = _score_sql(plpy, b, sorted(set(meant.values())), k, threshold)
        for key, alt in meant.items():
            got[key] = again.get(alt) or got[key]


def _spoken(plpy, b, key):
    """How the lexicon reads the word ``key``, a reading per character (entry.readings), or None. Asked only
    for the few names a typo is about to be read as."""
    rows = plpy.execute(b.plan(plpy, "spoken", _SPOKEN_SQL, ["text"]), [key])
    return rows[0]["readings"] if rows else None


_SCORE_SQL = """
SELECT r.frag, e.term, coalesce(s.term, e.term) AS standard, e.dict AS attribute, g.term AS generic, r.m, r.n, r.s
FROM drugnorm.score_fragment($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) r
JOIN drugnorm.entry e ON e.id = r.entry_id
LEFT JOIN drugnorm.entry s ON s.id = e.standard_id
LEFT JOIN drugnorm.entry g ON g.id = coalesce(s.generic_id, e.generic_id)
ORDER BY r.frag, r.s DESC, r.entry_id
"""


def _score_sql(plpy, b, keys, k, threshold) -> dict:
    """One execution of drugnorm.score_fragment for all ``keys``: their query tokens side by side."""
    st = b.settings
    readings = b.readings_of(plpy, "".join(keys))
    # the query's four arrays, side by side: one comprehension and a transposition, not four appends a token
    tokens = [(i, tok, slot, owner) for i, key in enumerate(keys)
              for tok, slot, _, owner in dimensions.query_slots(key, readings)]
    out = {key: [] for key in keys}
    if not tokens:
        return out
    frag, toks, slots, owners = map(list, zip(*tokens))
    boosts = [st["boost_" + d] for d in dimensions.SCORING_DIMS]
    plan = b.plan(plpy, "score", _SCORE_SQL,
                  ["int[]", "text[]", "int[]", "text[]", "int", "float8", "float8", "float8[]", "int", "int"])
    rows = plpy.execute(plan, [frag, toks, slots, owners, int(k), float(threshold), st["a"], boosts,
                               int(st["candidate_limit"]), int(st["posting_budget"])])
    for r in rows:
        out[keys[r["frag"]]].append({"term": r["term"], "standard": r["standard"], "attribute": r["attribute"],
                                     "generic": r["generic"], "m": round(r["m"], 6), "n": round(r["n"], 6),
                                     "s": round(r["s"], 6)})
    return out


class _Matcher:
    """The fuzzy matcher of one drug_parse call: pipeline.parse hands it the input's fragments ahead
    (``prefetch``), which are scored in one query; a fragment it did not announce is scored alone."""

    def __init__(self, plpy, b):
        self.plpy, self.b, self.ahead = plpy, b, {}

    def prefetch(self, fragments):
        self.ahead = _score_many(self.plpy, self.b, fragments)

    def __call__(self, fragment):
        got = self.ahead.get(fragment)
        return got if got is not None else _score(self.plpy, self.b, fragment)


def parse(plpy, GD, raw):
    """drug_parse(raw) as a JSON string; results are cached per backend, keyed by the raw string."""
    b, version = backend(GD).refresh(plpy)
    hit = b.results.get(raw)
    if hit is not None:
        return _unpack(hit)
    lex, st = b.lex, b.settings
    if type(lex) is dictionary_set.StoredLexicon and lex.hashes is None:    # what the pipeline will normalize
        head = raw[:st["max_input"]]
        lex.prepare(preprocess.normalize(head, lex.t2s, lex.irrelevant)[0] if len(head) <= 100 else None)
    result = pipeline.parse(raw, lex, _Matcher(plpy, b), st, _Interrupts(plpy, b))
    result["lexicon_version"] = version
    out = _to_json(result)   # jsonb keeps no spacing anyway
    # long strings are rarely repeated; don't let them fill the cache
    if b.keep and len(raw) <= 1000 and b.seen_once.check_and_add(raw):
        b.results.put(raw, _pack(out), b.settings["cache_entries"])
    return out


def normalize(plpy, GD, text):
    b, _ = backend(GD).refresh(plpy)
    return preprocess.normalize(text, b.lex.t2s, b.lex.irrelevant, _Interrupts(plpy, b))[0]
