"""The lexicon as the pipeline sees it: exact lookups by normalized key, units, character models.

Two forms with one interface. ``MemoryLexicon`` holds every entry (built from plain rows: tests, the
benchmarks' in-process floor). ``StoredLexicon`` is what a backend holds (server.py): the small tables,
the hashes of the keys of the dictionary set, and the entries of the keys it met, fetched from the
database when first looked up (one query per input string, for the keys the segmentation found in it);
a new backend starts in a few milliseconds and stays small at any lexicon size. Nothing here does I/O
itself: the fetching is a function passed in.
"""
from __future__ import annotations

from array import array
from bisect import bisect_left
from collections import OrderedDict
from sys import intern
from typing import NamedTuple

from chars import is_word_char
from dosage_forms import INJECTION_FORM, SUFFIX_FORMS

# Which dictionary wins when one key is in several (drugnorm.dictionary.priority).
DICT_ORDER = ("product_name", "generic_name", "trade_name", "manufacturer", "dosage_form", "route",
              "packaging_material")
DRUG_DICTS = frozenset(("product_name", "generic_name", "trade_name"))
# Infusions other drugs come dissolved in (dual-chamber bags, compound infusions): a product named after one
# of these right after another drug is that drug's vehicle, never the drug.
VEHICLE_GENERICS = frozenset(("氯化钠", "葡萄糖", "葡萄糖氯化钠", "复方氯化钠", "乳酸钠林格", "灭菌注射用水",
                              "注射用水"))
# The dictionaries of kind 'marker' (plpython/markers.py): found by rule, never segmented or fuzzy-matched.
MARKER_DICTS = ("insurance_class", "formulary_marker")
# Protected keys are indexed by this many first characters.
PROTECTED_PREFIX = 3
# A stored lexicon's key hashes are bucketed by this many top bits (StoredLexicon._known): a hash's bucket is
# (h >> _BUCKET_SHIFT) + _BUCKET_HALF.
HASH_BUCKET_BITS = 12
_BUCKET_SHIFT = 64 - HASH_BUCKET_BITS
_BUCKET_HALF = 1 << (HASH_BUCKET_BITS - 1)


class Entry(NamedTuple):
    dict: str
    term: str
    standard: str
    generic: str | None
    product: str | None
    dosage_form: str | None


class CharModel(NamedTuple):
    name: str
    kind: str          # bracket | bar | stop | slash
    symbols: str
    priority: int


def needs_protection(key: str) -> bool:
    """Keys holding symbols or digits are matched before spec splitting and symbol models cut them."""
    return any(not is_word_char(ch) or ch.isdigit() for ch in key)


class MemoryLexicon:
    def __init__(self):
        self.t2s: dict[str, str] = {}
        self.irrelevant: frozenset[str] = frozenset()
        self.units: dict[str, tuple[str, str]] = {}
        self.by_key: dict[str, Entry | tuple[Entry, ...]] = {}   # use lookup()
        self.max_key_len = 0
        # protected keys by their first PROTECTED_PREFIX characters (the whole key when shorter), longest
        # first: a position of the input is tried against the few keys that start like it (segmentation.py)
        self.protected: dict[str, list[str]] = {}
        self.char_models: list[CharModel] = []
        self.dosage_form_suffixes: dict[str, str] = {}   # normalized suffix -> dosage form standard
        self.injection_form: str | None = None
        self.readings = None     # hanzi -> its pinyin readings, set by server.py for the typo test
        self.markers: dict[str, tuple[str, str, str]] = {}   # key -> (marker dictionary, term, standard)

    @classmethod
    def from_rows(cls, entries, units, irrelevant, t2s, char_models):
        """entries: dicts with id, dict, key, term, standard, generic, product, dosage_form, in id order;
        units: (key, dict, standard display); char_models: dicts with name, kind, symbols, priority."""
        lex = cls()
        lex.t2s = dict(t2s)
        lex.irrelevant = frozenset(irrelevant)
        for key, d, std in units:
            if key:
                lex.units[key] = ("strength" if d == "strength_unit" else "package", std)
        rank = {d: i for i, d in enumerate(DICT_ORDER)}
        # One object per distinct string: standards, generics and forms repeat across thousands of entries,
        # and at 100,000 entries the copies would be most of a backend's memory.
        pool = {}

        def share(x):
            return x if x is None else pool.setdefault(x, x)
        by_key = {}
        for r in entries:
            key = r["key"]
            if key and r["dict"] in MARKER_DICTS:
                lex.markers[key] = (r["dict"], r["term"], r["standard"] or r["term"])
            if not key or r["dict"] not in rank:
                continue
            key = share(key)
            term = share(r["term"])
            e = Entry(share(r["dict"]), term, share(r["standard"]) or term, share(r.get("generic")),
                      share(r.get("product")), share(r.get("dosage_form")))
            # a key's single entry is stored bare: most keys have one, and a container costs 56+ bytes
            old = by_key.get(key)
            if old is None:
                by_key[key] = e
            elif type(old) is Entry:
                by_key[key] = [old, e]
            else:
                old.append(e)
        for key, v in by_key.items():
            if type(v) is list:
                v.sort(key=lambda e: rank[e.dict])     # stable: equal dictionaries stay in id order
                by_key[key] = tuple(v)
            if len(key) > lex.max_key_len:
                lex.max_key_len = len(key)
            if needs_protection(key):
                lex.protected.setdefault(key[:PROTECTED_PREFIX], []).append(key)
        lex.by_key = by_key
        for lst in lex.protected.values():
            lst.sort(key=lambda k: (-len(k), k))
        lex.char_models = sorted((CharModel(m["name"], m["kind"], m["symbols"], m["priority"])
                                  for m in char_models), key=lambda m: m.priority)
        lex._learn_suffixes()
        return lex

    def lookup(self, key: str) -> tuple[Entry, ...]:
        """The entries of a key, best dictionary first."""
        v = self.by_key.get(key)
        if v is None:
            return ()
        return (v,) if type(v) is Entry else v

    def has(self, key: str) -> bool:
        return key in self.by_key

    def first(self, key: str, dicts=None) -> Entry | None:
        for e in self.lookup(key):
            if dicts is None or e.dict in dicts:
                return e
        return None

    def form_standard(self, name: str) -> str | None:
        e = self.first(name, ("dosage_form",))
        return e.standard if e else None

    def _learn_suffixes(self) -> None:
        self.dosage_form_suffixes, self.injection_form = learn_suffixes(
            self.form_standard, ((key, e.standard) for key in self.by_key for e in self.lookup(key)
                                 if e.dict == "dosage_form"))


def learn_suffixes(form_standard, forms) -> tuple[dict[str, str], str | None]:
    """Suffix → dosage form: dosage_forms.SUFFIX_FORMS where the lexicon has the form, and the dosage-form
    names of two characters or more themselves (…注射液, …滴眼剂); and the form 注射用 tells. ``forms``: (key,
    standard) of the entries of the dosage_form dictionary; ``form_standard(name)`` the standard of a form."""
    suffixes = {}
    for suffix, form in SUFFIX_FORMS.items():
        std = form_standard(form)
        if std:
            suffixes[suffix] = std
    for key, standard in forms:
        if len(key) >= 2:
            suffixes.setdefault(key, standard)
    return suffixes, form_standard(INJECTION_FORM)


def entries_by_key(rows) -> dict[str, Entry | tuple[Entry, ...]]:
    """Rows (dicts with key, dict, term, standard, generic, product, dosage_form; in id order) as the
    entries of each key, best dictionary first; a key's single entry stored bare."""
    rank = {d: i for i, d in enumerate(DICT_ORDER)}
    by_key: dict = {}
    for r in rows:
        key = r["key"]
        if not key or r["dict"] not in rank:
            continue
        # standards, generics and forms repeat across entries: one object each (interned strings are freed
        # with their last entry)
        e = Entry(intern(r["dict"]), r["term"], intern(r["standard"] or r["term"]), _intern(r.get("generic")),
                  _intern(r.get("product")), _intern(r.get("dosage_form")))
        old = by_key.get(key)
        if old is None:
            by_key[key] = e
        elif type(old) is Entry:
            by_key[key] = [old, e]
        else:
            old.append(e)
    for key, v in by_key.items():
        if type(v) is list:
            v.sort(key=lambda e: rank[e.dict])     # stable: equal dictionaries stay in id order
            by_key[key] = tuple(v)
    return by_key


def _intern(x):
    return x if x is None else intern(x)


def protected_index(keys, surely=None) -> dict[str, list[str]]:
    """Keys with symbols or digits by their first PROTECTED_PREFIX characters, longest first: those of
    ``keys`` that need protection, added to ``surely`` (such an index already, of keys known to need it)."""
    out: dict[str, list[str]] = surely or {}
    touched = set()
    for key in keys:
        if needs_protection(key):
            out.setdefault(key[:PROTECTED_PREFIX], []).append(key)
            touched.add(key[:PROTECTED_PREFIX])
    for prefix in touched:
        out[prefix].sort(key=lambda k: (-len(k), k))
    return out


class StoredLexicon(MemoryLexicon):
    """The lexicon of the database as one backend holds it: the small tables in full, and the entries of
    the keys met so far (``lookup``; at most ``CACHE_KEYS`` keys, under 2 MB, least recently used go).

    Which keys exist (``has``, the segmentation's question) is answered two ways. At first, per input:
    ``prepare(s)`` fetches the entries of every substring of the normalized input in one query (what
    segmentation can ask of s is then known), so a new backend reads nothing else. After
    ``PREPARED_INPUTS`` inputs (a backend that keeps working) it reads the keys of the dictionary set once,
    keeping their hashes: ``has`` then answers from them and remembers the keys it said yes to, and the
    first ``lookup`` that misses fetches them all at once (one query per input, for the keys found in it).

    ``fetch(keys)`` returns the rows of those keys (as ``entries_by_key`` takes them), ``fetch_keys()``
    every key of the dictionary set (one per line), ``fetch_protected()`` the keys with symbols or digits
    (an index of the keys that surely need protection, and the keys that may), ``fetch_manufacturers()``
    the manufacturers' keys."""

    CACHE_KEYS = 4_000
    PENDING_MAX = 2_000
    PREPARED_INPUTS = 50      # inputs read substring by substring before the keys' hashes are read
    PREPARED_MAX = 2_000      # substrings one input may look up that way

    def __init__(self, fetch, fetch_keys, fetch_protected, fetch_manufacturers):
        super().__init__()
        self.fetch = fetch
        self.fetch_keys = fetch_keys
        self.fetch_protected = fetch_protected
        self.fetch_manufacturers = fetch_manufacturers
        self.hashes: array | None = None          # hash() of every key of the dictionary set, sorted, once read
        self.bucket_starts: array | None = None   # where each HASH_BUCKET_BITS-bit prefix of them starts in hashes
        self.cache: OrderedDict = OrderedDict()   # key -> Entry | tuple[Entry, ...] | () (no such key)
        self.pending: set = set()
        self.here: frozenset = frozenset()        # the prepared input's substrings, all of them fetched
        self.here_protected: dict = {}
        self.prepared = 0
        self._protected = None
        self._cores = None
        self.fetches = 0
        self.max_key_len = 1 << 20                # a bound only: segmentation asks about shorter keys

    @classmethod
    def build(cls, forms, units, irrelevant, t2s, char_models, markers, fetch, fetch_keys,
              fetch_protected, fetch_manufacturers):
        """``forms``: (key, standard) of the entries of the dosage_form dictionary; ``markers``: rows (key,
        dict, term, standard) of the marker dictionaries; the rest as the class says."""
        lex = cls(fetch, fetch_keys, fetch_protected, fetch_manufacturers)
        lex.t2s = dict(t2s)
        lex.irrelevant = frozenset(irrelevant)
        for key, d, std in units:
            if key:
                lex.units[key] = ("strength" if d == "strength_unit" else "package", std)
        for key, d, term, std in markers:
            if key:
                lex.markers[key] = (d, term, std or term)
        lex.char_models = sorted((CharModel(m["name"], m["kind"], m["symbols"], m["priority"])
                                  for m in char_models), key=lambda m: m.priority)
        forms = [(k, std) for k, std in forms if k]
        standard_of = dict(forms)     # a key is in the dosage_form dictionary once
        lex.dosage_form_suffixes, lex.injection_form = learn_suffixes(standard_of.get, forms)
        return lex

    # -- which keys exist ----------------------------------------------------------------------------
    def prepare(self, s: str | None) -> None:
        """Called with each normalized input before it is parsed (server.py); None for a long one."""
        self.here = frozenset()
        self.here_protected = {}
        if self.hashes is not None:
            return
        n = len(s) if s is not None else self.PREPARED_MAX
        if self.prepared >= self.PREPARED_INPUTS or n * (n + 1) // 2 > self.PREPARED_MAX:
            self._read_keys()
            return
        self.prepared += 1
        subs = {s[i:j] for i in range(n) for j in range(i + 1, n + 1)}
        self._fill(subs, absent_too=False)
        self.here = frozenset(subs)
        self.here_protected = protected_index(k for k in subs if self.cache.get(k))

    def _read_keys(self) -> None:
        keys = self.fetch_keys()
        self.max_key_len = max(map(len, keys), default=0)
        # 8 bytes a key in a sorted array (a set of them took 120): a few dozen bisections per input
        self.hashes = array("q", sorted(set(map(hash, keys))))
        # a bisection compares an int made from the array at each step: within its top bits' bucket (16 KB)
        # it takes ~5 steps instead of ~15 (has() is asked ~15 times a string)
        self.bucket_starts = array("I", [bisect_left(self.hashes, (b - _BUCKET_HALF) << _BUCKET_SHIFT)
                                         for b in range(1 << HASH_BUCKET_BITS)] + [len(self.hashes)])
        self.here = frozenset()
        self.here_protected = {}

    def has(self, key: str) -> bool:
        v = self.cache.get(key)
        if v is not None:
            return bool(v)
        if self.hashes is None:
            if key in self.here:
                return False
            return bool(self.lookup(key))
        if self._known(key):
            if len(self.pending) < self.PENDING_MAX:
                self.pending.add(key)
            return True
        return False

    def lookup(self, key: str) -> tuple[Entry, ...]:
        v = self.cache.get(key)
        if v is None:
            if self.hashes is None:
                if key in self.here:
                    return ()
            elif not self._known(key):
                return ()
            self._fill((key,))
            v = self.cache.get(key, ())
        else:
            self.cache.move_to_end(key)
        return (v,) if type(v) is Entry else v

    def _known(self, key: str) -> bool:
        """Whether a key of the dictionary set has this key's hash."""
        h = hash(key)
        hashes = self.hashes
        b = (h >> _BUCKET_SHIFT) + _BUCKET_HALF
        starts = self.bucket_starts
        i = bisect_left(hashes, h, starts[b], starts[b + 1])
        return i < len(hashes) and hashes[i] == h

    def _fill(self, keys, absent_too: bool = True) -> None:
        """Fetch the entries of ``keys`` and of the pending keys, in one query; a key without entries is
        remembered as such unless ``absent_too`` is false (an input's substrings: most are no key)."""
        cache = self.cache
        want = [k for k in self.pending.union(keys) if k not in cache]
        self.pending = set()
        if not want:
            return
        self.fetches += 1
        got = entries_by_key(self.fetch(want))
        if absent_too:
            for k in want:
                cache[k] = got.get(k, ())
        else:
            cache.update(got)
        while len(cache) > self.CACHE_KEYS:
            cache.popitem(last=False)

    @property
    def by_key(self):      # MemoryLexicon's attribute; a stored lexicon answers through lookup()
        return self.cache

    @by_key.setter
    def by_key(self, value):
        pass

    @property
    def protected(self) -> dict[str, list[str]]:
        if self.hashes is None:
            return self.here_protected
        if self._protected is None:
            surely, maybe = self.fetch_protected()
            self._protected = protected_index(maybe, surely)
        return self._protected

    @protected.setter
    def protected(self, value):
        self._protected = value or None

    @property
    def _company_cores(self):
        """The core names of the manufacturers (companies.company_may_match, inside_a_company_name), computed on first
        use."""
        if self._cores is None:
            import companies
            self._cores = sorted({companies.company_core(k) for k in self.fetch_manufacturers()} - {""})
        return self._cores
