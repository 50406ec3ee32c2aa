"""Patent step 4 (claims 5-6, 实施例一): cut what spec splitting left into first-type pieces (exact
dictionary matches) and second-type pieces (for the fuzzy step).

Order of work on the normalized string:

1. dictionary terms that hold symbols or digits (``(成都)江苏恒瑞``, ``dr.reddy`s laboratories ltd.``,
   ``维生素b1``) are found first, so that neither spec splitting nor the symbol models cut them;
2. (spec splitting runs here, in spec_split.py, on what is left);
3. S21: the text between adjacent symbols is matched whole;
4. S22: a pending string without symbols is cut by mechanical segmentation, *fewest segments*, and only
   when every character is covered and no two generic names, nor a herb and a word but its dispensing form,
   touch (天麻钩藤颗粒 and 牛黄上清丸 are formulas, not 天麻 or 牛黄);
   otherwise it is one second-type piece;
5. S23: a pending string with symbols is cut by the character models in priority order (char_models.py),
   then by spaces, and the pieces are matched again (whole, then mechanical segmentation).

A second-type piece that mixes a Latin/digit run with hanzi (``h注射用盐酸伊立替康``) is cut at the script
boundary, so a stray code letter does not blur the fuzzy match of the name.
"""
from __future__ import annotations

import re
from typing import NamedTuple

import char_models
import companies
import inference
import spec_split
from chars import is_hanzi, is_word_char
from dictionary_set import DRUG_DICTS, PROTECTED_PREFIX
from dosage_forms import HERB_DISPENSING_FORMS

# Pending strings longer than this are not names; they are reported unmatched rather than searched.
MAX_PIECE = 256
# Cap on the length of dictionary keys tried by mechanical segmentation.
MAX_WORD = 40


class Piece(NamedTuple):
    start: int
    end: int
    exact: bool          # first-type: s[start:end] is a dictionary key (or ``key`` is)
    key: str | None = None   # the key, when the lexicon writes it with a space the text lacks (诺和灵 r)


def protected_matches(s: str, lo: int, hi: int, protected: dict, checkpoint=None) -> list[tuple[int, int]]:
    """Leftmost-longest occurrences of keys with symbols or digits, not glued to letters or digits.

    ``protected`` maps the first PROTECTED_PREFIX characters of each key (the whole key when shorter) to
    its keys, longest first; a position is tried against the keys that start like it, and not at all
    inside a Latin word or a number (a key there would be glued): linear in the input."""
    out = []
    i = lo
    n = PROTECTED_PREFIX
    pairs, ones = _starts(protected)
    while i < hi:
        if checkpoint is not None and not i & 4095:
            checkpoint()
        hit = None
        if (s[i:i + 2] in pairs or s[i] in ones) and (i == 0 or not _glue(s[i - 1], s[i])):
            for m in range(min(n, hi - i), 0, -1):
                for key in protected.get(s[i:i + m], ()):
                    j = i + len(key)
                    if j <= hi and s.startswith(key, i) and _bounded(s, i, j, key):
                        hit = j
                        break
                if hit:
                    break
        if hit:
            out.append((i, hit))
            i = hit
        else:
            i += 1
    return out


_starts_of = [None, -1, (frozenset(), frozenset())]     # (index, its size, _starts) of the last call


def _starts(protected: dict) -> tuple[frozenset, frozenset]:
    """The first two characters of the protected keys, and the keys of one character: most positions of an
    input start none, and a set lookup or two rule them out instead of three sliced prefix lookups
    (protected_matches took a tenth of a parse without its fuzzy step; most hanzi start some key, so the first
    character alone ruled out few). Kept for the index last asked about: a backend asks about one input after
    input."""
    if _starts_of[0] is not protected or _starts_of[1] != len(protected):
        _starts_of[:] = [protected, len(protected), (frozenset(k[:2] for k in protected if len(k) > 1),
                                                     frozenset(k for k in protected if len(k) == 1))]
    return _starts_of[2]


def _glue(a: str, b: str) -> bool:
    """Whether a and b side by side belong to one token (a number, a Latin word)."""
    return (a.isdigit() or a == ".") and (b.isdigit() or b == ".") or \
        (a.isascii() and a.isalnum() and b.isascii() and b.isalnum())


def _bounded(s: str, i: int, j: int, key: str) -> bool:
    if i > 0 and _glue(s[i - 1], key[0]):
        return False
    if j < len(s) and _glue(key[-1], s[j]):
        return False
    return True


def cover(s: str, lo: int, hi: int, is_key, max_len: int) -> list[tuple[int, int]] | None:
    """Fewest dictionary words that cover s[lo:hi] exactly, or None. Ties prefer the longer first word."""
    n = hi - lo
    if n == 0 or n > MAX_PIECE:
        return None
    max_len = min(max_len, MAX_WORD)
    best = [None] * (n + 1)     # best[i]: (segments, next index) covering s[lo+i:hi]
    best[n] = (0, n)
    for i in range(n - 1, -1, -1):
        for j in range(min(n, i + max_len), i, -1):
            if best[j] is not None and is_key(lo + i, lo + j):
                cand = best[j][0] + 1
                if best[i] is None or cand < best[i][0]:
                    best[i] = (cand, j)
    if best[0] is None:
        return None
    out, i = [], 0
    while i < n:
        j = best[i][1]
        out.append((lo + i, lo + j))
        i = j
    return out


# A letter before one of these is part of the name: b型嗜血菌, a群脑膜炎球菌, α型干扰素.
_TYPE_WORDS = frozenset("型群族类组")


def script_runs(s: str, lo: int, hi: int) -> list[tuple[int, int]]:
    """s[lo:hi] cut where hanzi meet Latin letters or digits; spaces and symbols go with neither. A stray
    code comes before the name (bg维生素e, h注射用); a variant mark glued right after hanzi is part of the name
    and is not cut off: 人凝血因子ix, 注射用多粘菌素b, 青霉素g钠 (the hanzi glued after it go on the name),
    unless the hanzi are a company's name.

    >>> [[s[a:b] for a, b in script_runs(s, 0, len(s))] for s in ("bg注射用青霉素g钠", "人凝血因子ix", "阿莫西林amoxicillin")]
    [['bg', '注射用青霉素g钠'], ['人凝血因子ix'], ['阿莫西林', 'amoxicillin']]
    """
    out, name = [], False      # name: out[-1] is hanzi, perhaps with a variant mark glued after them
    for a, b in _runs(s, lo, hi):
        if out and out[-1][1] == a and name and (is_hanzi(s[a]) or _variant_mark(s[a:b])):
            out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
            # a name is two hanzi or more (按fe计 is a spec's note), and a company has no variants: the
            # letters after 有限公司 are a code (有限公司s)
            name = b - a > 1 and is_hanzi(s[b - 1]) and is_hanzi(s[b - 2]) and not companies.is_company(s[a:b])
    return out


# A variant mark after a name: a few Latin letters (Roman numerals, as preprocessing writes them: ix, viii),
# perhaps a number after them (q10). Longer runs are words or codes of their own.
_MARK_LETTERS = 4


def _variant_mark(run: str) -> bool:
    letters = run.rstrip("0123456789")
    return 0 < len(letters) <= _MARK_LETTERS and letters.isascii() and letters.isalpha() \
        and len(run) - len(letters) <= 2


def trailing_variant_mark(text: str) -> str:
    """The variant mark glued after the hanzi that end ``text`` ("" if none).

    >>> trailing_variant_mark("硝苯地平缓释片ii"), trailing_variant_mark("辅酶q10"), trailing_variant_mark("ii")
    ('ii', 'q10', '')
    """
    i = len(text)
    while i > 0 and text[i - 1].isascii() and text[i - 1].isalnum():
        i -= 1
    return text[i:] if 0 < i < len(text) and is_hanzi(text[i - 1]) and _variant_mark(text[i:]) else ""


def _runs(s: str, lo: int, hi: int) -> list[tuple[int, int]]:
    """s[lo:hi] cut wherever hanzi meet Latin letters or digits (but a letter before 型: b型嗜血菌)."""
    out, start, kind = [], lo, None
    for i in range(lo, hi + 1):
        k = None if i == hi else ("h" if is_hanzi(s[i]) else ("w" if is_word_char(s[i]) else "x"))
        if k == "h" and kind == "w" and s[i] in _TYPE_WORDS:
            kind = k
        if i == hi or (kind is not None and k != kind and {k, kind} == {"h", "w"}):
            a, b = char_models.strip(s, start, i)
            if a < b:
                out.append((a, b))
            start = i
        if k in ("h", "w"):
            kind = k
    return out


# A symbol (neither a word character, chars.is_word_char, nor a space), or a code point of the hanzi ranges that
# is no letter (unassigned): \w is str.isalnum() and "_". Symbols are found in C rather than by testing each
# character in Python (a tenth of the segmentation's time), the rare hanzi among the matches skipped after. A
# class of the hanzi ranges themselves would take 1 ms to compile, in every new backend.
_SYMBOL_OR_HANZI = re.compile(r"[^\w ]|_")


def _symbols_at(s: str, lo: int, hi: int) -> list[int]:
    """The positions of the symbols in s[lo:hi]: characters neither a word character nor a space."""
    return [m.start() for m in _SYMBOL_OR_HANZI.finditer(s, lo, hi) if not is_hanzi(m.group())]


class Segmenter:
    def __init__(self, s: str, lex):
        self.s = s
        self.lex = lex
        self.max_len = lex.max_key_len
        self.keys = {}     # substring -> whether it is a key: a third of the questions are asked again

    def is_key(self, a: int, b: int) -> bool:
        text = self.s[a:b]
        got = self.keys.get(text)
        if got is None:
            got = self.keys[text] = self.lex.has(text)
        return got

    def pieces(self, lo: int, hi: int) -> list[Piece]:
        """Step 4 on one span that holds no spec and no protected match."""
        lo, hi = char_models.strip(self.s, lo, hi)
        if lo >= hi:
            return []
        if hi - lo > MAX_PIECE:
            return [Piece(lo, hi, False)]
        out = []
        start = prev = lo
        i = lo - 1
        while i < hi:      # i: each space of s[lo:hi], then hi
            i = self.s.find(" ", i + 1, hi)
            if i < 0:
                i = hi
            end = start + companies.bracketed_company_end(self.s[start:i]) if start < i else start
            first = start
            if end == start and lo <= prev < start and companies.is_company(self.s[prev:start].strip()):
                # 通用电气药业 (上海)有限公司: a space before the region in brackets
                tail = companies.region_and_suffix_end(self.s[start:i])
                if tail:
                    first, end = prev, start + tail
            if end > first:
                out.extend(self._symbols(lo, first))
                out.append(Piece(first, end, self.is_key(first, end)))
                lo = end
            prev, start = start, i + 1
        return out + self._symbols(lo, hi)

    def _symbols(self, lo: int, hi: int) -> list[Piece]:
        lo, hi = char_models.strip(self.s, lo, hi)
        if lo >= hi:
            return []
        s = self.s
        # S21: the text between adjacent symbols, matched whole
        out: list[Piece] = []
        pending: list[tuple[int, int]] = []
        start = lo
        chunks = []
        for i in _symbols_at(s, lo, hi) + [hi]:
            a, b = char_models.strip(s, start, i)
            if a < b:
                chunks.append((a, b))
            start = i + 1
        if len(chunks) > 1 or (chunks and chunks[0] != (lo, hi)):
            matched = [c for c in chunks if self.is_key(*c)]
        else:
            matched = []
        # the remaining characters form pending strings between the matched chunks
        cursor = lo
        for a, b in matched:
            if cursor < a:
                pending.append((cursor, a))
            out.append(Piece(a, b, True))
            cursor = b
        if cursor < hi:
            pending.append((cursor, hi))
        for a, b in pending:
            out.extend(self._pending(a, b))
        out.sort()
        return out

    def _pending(self, lo: int, hi: int) -> list[Piece]:
        lo, hi = _trim_symbols(self.s, lo, hi)
        if lo >= hi:
            return []
        if self.is_key(lo, hi):
            return [Piece(lo, hi, True)]
        if not _symbols_at(self.s, lo, hi):
            return self._words(lo, hi)
        # S23: character models in priority order, then spaces; pieces are matched again
        spans = [(lo, hi)]
        for m in self.lex.char_models:
            nxt = []
            for a, b in spans:
                if self.is_key(a, b):
                    nxt.append((a, b))
                else:
                    nxt.extend(char_models.split(self.s, a, b, m.kind, m.symbols, self.is_key))
            spans = nxt
        out = []
        for a, b in spans:
            a, b = _trim_symbols(self.s, a, b)
            if a < b:
                out.extend(self._words(a, b))
        return out

    def _words(self, lo: int, hi: int) -> list[Piece]:
        """S22 (mechanical segmentation) on a string; spaces separate words first."""
        if self.is_key(lo, hi):
            return [Piece(lo, hi, True)]
        parts = char_models._cut(self.s, lo, hi, " ") if " " in self.s[lo:hi] else [(lo, hi)]
        out = []
        for a, b in parts:
            if self.is_key(a, b):
                out.append(Piece(a, b, True))
                continue
            words = cover(self.s, a, b, self.is_key, self.max_len)
            if words and not self._glued_names(words):
                out.extend(Piece(x, y, True) for x, y in words)
                continue
            lead = self._after_note_lead(a, b)
            if lead:
                out.extend((Piece(a, lead, False), Piece(lead, b, True)))
                continue
            mixed = self._mixed_key_at(a, b)
            if mixed:   # 维c|片: a key that crosses scripts is not cut at the script boundary
                j, key = mixed
                out.append(Piece(a, j, True, key))
                out.extend(self._words(j, b))
                continue
            for x, y in script_runs(self.s, a, b):
                x, y = _trim_symbols(self.s, x, y)
                if x >= y:
                    continue
                if (x, y) != (a, b):
                    words = self.is_key(x, y) and [(x, y)] or cover(self.s, x, y, self.is_key, self.max_len)
                    if words and not self._glued_names(words):
                        out.extend(Piece(p, q, True) for p, q in words)
                        continue
                    lead = self._after_note_lead(x, y)
                    if lead:
                        out.extend((Piece(x, lead, False), Piece(lead, y, True)))
                        continue
                out.append(Piece(x, y, False))
        return out

    def _after_note_lead(self, a: int, b: int) -> int | None:
        """Where a known drug name starts after the words of a spec note glued before it (每揿含丙酸氟替卡松,
        和富马酸福莫特罗): the rest must be one drug's name, so a name that merely starts with such a word
        (和血明目片, 含化上清片) is left whole, and so is a note about a form (含饮片)."""
        m = spec_split.NOTE_LEAD.match(self.s, a, b)
        if m is None or m.end() >= b:
            return None
        if m.group() in spec_split.NOTE_CONNECTORS and (a == 0 or not self.s[a - 1].isalnum()):
            return None     # 和血康: a connector joins ingredients after a quantity (…100μg和福莫特罗)
        if any(e.dict in DRUG_DICTS for e in self.lex.lookup(self.s[m.end():b])):
            return m.end()
        return None

    def _glued_names(self, words: list[tuple[int, int]]) -> bool:
        """Whether a cover glues drug names, hanzi to hanzi, into a name the dictionaries lack: two generic
        names (天麻钩藤颗粒, 桂枝茯苓丸: a formula named after its herbs, not two drugs), or a herb and any word
        but a form the herb is dispensed in, last (牛黄上清丸, 葛根芩连片, 黄芪生脉饮 are patent medicines;
        白术颗粒 is the herb's granules). Such a piece is left whole, a second-type piece, rather than
        reported as its first word's drug."""
        s, lex = self.s, self.lex

        def generic(x, y):
            return any(e.dict == "generic_name" for e in lex.lookup(s[x:y]))

        def dispensed(i):
            x, y = words[i]
            return i == len(words) - 1 and lex.dosage_form_suffixes.get(s[x:y]) in HERB_DISPENSING_FORMS
        for i, ((x, y), (u, v)) in enumerate(zip(words, words[1:])):
            if not (is_hanzi(s[y - 1]) and is_hanzi(s[u])):
                continue
            if generic(x, y) and generic(u, v):
                return True
            if inference.is_herb(s[x:y], lex) and not dispensed(i + 1) or inference.is_herb(s[u:v], lex):
                return True
        return False

    def _mixed_key_at(self, a: int, b: int) -> tuple[int, str | None] | None:
        """(end, None) of the longest key starting at ``a`` that holds hanzi and Latin letters alike, or (end,
        key) when the key spaces a variant mark from the name that the text glues (诺和灵r: 诺和灵 r)."""
        s = self.s
        # the words s[a:j] that hold both scripts are those that reach past the first of each
        hanzi = next((k for k in range(a, b) if is_hanzi(s[k])), None)
        latin = next((k for k in range(a, b) if s[k].isascii() and s[k].isalpha()), None)
        if hanzi is None or latin is None:
            return None
        for j in range(min(b, a + self.max_len), max(hanzi, latin), -1):
            word = s[a:j]
            if j < b and _glue(word[-1], s[j]):
                continue     # never inside a Latin word: 硝苯地平缓释片ii is not 硝苯地平缓释片i + i
            if self.is_key(a, j):
                return j, None
            mark = trailing_variant_mark(word)
            spaced = word[:-len(mark)] + " " + mark if mark else None
            if spaced and self.lex.has(spaced):
                return j, spaced
        return None


def _trim_symbols(s: str, lo: int, hi: int) -> tuple[int, int]:
    while lo < hi and not is_word_char(s[lo]):
        lo += 1
    while hi > lo and not is_word_char(s[hi - 1]):
        hi -= 1
    return lo, hi
