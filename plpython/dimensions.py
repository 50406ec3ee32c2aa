"""The six analysis dimensions of patent claim 8 (实施例二, 表22), plus recall-only syllable tokens.

Tokens are strings whose first character names the dimension:

=====  ======================================================  =========
code   dimension                                               example
=====  ======================================================  =========
``h``  each hanzi                                              ``h尼``
``i``  each hanzi's pinyin initial (声母)                      ``in``
``f``  each hanzi's pinyin final (韵母)                        ``fi``
``c``  the first character                                     ``c尼``
``p``  the pinyin of the first character                       ``pni``
``o``  each non-hanzi letter or digit (Latin, Greek, digits)   ``o1``
``s``  each hanzi's full syllable, and each pair of            ``sni``,
       neighbouring units (a hanzi's syllable, or a letter     ``sni-mo``
       or digit): candidate recall only
=====  ======================================================  =========

The pairs make the candidate stage (sql/scoring.sql) both cheap and sure of a homophone typo: 尼莫地平 and
its typo 尼莫第平 share every pair of syllables, and a pair is rare where a syllable is common, so a few
short posting lists hold the entry meant.

Conventions (the lexicon side and the query side share them, so a homophone typo such as 林/临
lands on the same initial and final):

- pinyin is toneless, ``ü`` is written ``v``;
- ``y`` and ``w`` count as initials (as they are typed), so 药 is ``y`` + ``ao`` and 维 ``w`` + ``ei``;
  a syllable that starts with a vowel has the zero initial ``_`` (安 is ``_`` + ``an``);
- polyphonic characters (多音字): a lexicon entry carries one phrase-aware reading per character,
  computed with pypinyin's phrase dictionary at load time (长春新碱 reads chang, 重组 chong); a query
  character carries every reading it has, as alternatives of one slot, and the scorer takes, per
  entry, the alternative that entry contains.

>>> split_syllable('zhang'), split_syllable('an'), split_syllable('yao')
(('zh', 'ang'), ('_', 'an'), ('y', 'ao'))
>>> entry_tokens('尼莫地平', ['ni', 'mo', 'di', 'ping'])[:4]
['h尼', 'in', 'fi', 'sni']
>>> entry_tokens('尼莫地平', ['ni', 'mo', 'di', 'ping'])[-3:]
['sni-mo', 'smo-di', 'sdi-ping']
"""
from __future__ import annotations

from chars import is_hanzi, is_other

SCORING_DIMS = "hifcpo"
RECALL_DIM = "s"
_INITIALS = ("zh", "ch", "sh", "b", "p", "m", "f", "d", "t", "n", "l", "g", "k", "h", "j", "q", "x",
             "r", "z", "c", "s", "y", "w")


def split_syllable(syllable: str) -> tuple[str, str]:
    for ini in _INITIALS:
        if syllable.startswith(ini) and len(syllable) > len(ini):
            return ini, syllable[len(ini):]
    return "_", syllable


def entry_tokens(key: str, readings: list[str | None]) -> list[str]:
    """Tokens of a lexicon entry; ``readings[i]`` is the reading of ``key[i]`` (None/'' when unknown)."""
    toks: list[str] = []
    units: list[str] = []
    for ch, py in zip(key, readings):
        if is_hanzi(ch):
            toks.append("h" + ch)
            if py:
                ini, fin = split_syllable(py)
                toks.append("i" + ini)
                toks.append("f" + fin)
                toks.append("s" + py)
                units.append(py)
        elif is_other(ch):
            toks.append("o" + ch)
            units.append(ch)
    first = _first_index(key)
    if first is not None:
        toks.append("c" + key[first])
        py = readings[first] if is_hanzi(key[first]) else key[first]
        if py:
            toks.append("p" + py)
    toks.extend(pair_token(a, b) for a, b in zip(units, units[1:]))
    return toks


def pair_token(a: str, b: str) -> str:
    """The recall token of two neighbouring units (syllables, letters or digits).

    The database derives the same tokens from the order of an entry's ``s`` and ``o`` tokens (the upgrade
    of revision 0003 does), so both must stay in step."""
    return RECALL_DIM + a + "-" + b


def query_slots(key: str, readings_of) -> list[tuple[str, int, bool, str]]:
    """Tokens of a query fragment as (token, slot, is_default, owner); alternatives share a slot.

    ``readings_of(ch)`` returns the readings of a hanzi, most common first (empty when unknown). ``owner``
    is the hanzi token a pinyin token belongs to (the scorer reads a polyphonic character as the
    candidates that contain that character read it); other tokens own themselves.
    """
    out: list[tuple[str, int, bool, str]] = []
    slot = 0

    def add(alternatives, owner):
        nonlocal slot
        for n, t in enumerate(dict.fromkeys(alternatives)):
            out.append((t, slot, n == 0, owner or t))
        slot += 1

    units: list[list[str]] = []
    for ch in key:
        if is_hanzi(ch):
            h = "h" + ch
            rs = readings_of(ch)
            if rs and len(rs) == 1:
                # one reading (most hanzi): add()'s four slots of one alternative each, written out
                i_tok, f_tok, s_tok = _reading_tokens(rs[0])
                out += ((h, slot, True, h), (i_tok, slot + 1, True, h), (f_tok, slot + 2, True, h),
                        (s_tok, slot + 3, True, h))
                slot += 4
                units.append([rs[0]])
                continue
            add([h], None)
            if rs:
                tokens = [_reading_tokens(r) for r in rs]
                add([t[0] for t in tokens], h)
                add([t[1] for t in tokens], h)
                add([t[2] for t in tokens], h)
                units.append(list(dict.fromkeys(rs)))
        elif is_other(ch):
            add(["o" + ch], None)
            units.append([ch])
    first = _first_index(key)
    if first is not None:
        ch = key[first]
        add(["c" + ch], None)
        add(["p" + r for r in (readings_of(ch) if is_hanzi(ch) else [ch])], "h" + ch if is_hanzi(ch) else None)
    for a, b in zip(units, units[1:]):      # recall only: every reading of a polyphonic character pairs
        if len(a) == 1 and len(b) == 1:
            t = pair_token(a[0], b[0])
            out.append((t, slot, True, t))
            slot += 1
        else:
            add([pair_token(x, y) for x in a for y in b], None)
    return out


_TOKENS_OF_READING: dict[str, tuple[str, str, str]] = {}     # a few hundred syllables


def _reading_tokens(reading: str) -> tuple[str, str, str]:
    """The initial, final and syllable tokens of a reading (query_slots), computed once per syllable."""
    got = _TOKENS_OF_READING.get(reading)
    if got is None:
        ini, fin = split_syllable(reading)
        got = ("i" + ini, "f" + fin, "s" + reading)
        if len(_TOKENS_OF_READING) < 10_000:
            _TOKENS_OF_READING[reading] = got
    return got


def _first_index(key: str) -> int | None:
    for i, ch in enumerate(key):
        if is_hanzi(ch) or is_other(ch):
            return i
    return None


def lookup_codes(key: str, readings: list[str | None]) -> tuple[str, str]:
    """Full pinyin and initials of an entry, as typed in a HIS search box ('amoxilin', 'amxl')."""
    full, ini = [], []
    for ch, py in zip(key, readings):
        if is_hanzi(ch):
            if py:
                full.append(py)
                ini.append(py[0])
        elif ch.isalnum():
            full.append(ch)
            ini.append(ch)
    return "".join(full), "".join(ini)
