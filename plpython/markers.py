"""Formulary markers: what hospital catalogues write into a drug name about the drug's status, not about
the drug — the insurance class and self-pay ratio (``(甲)``, ``(乙10%)``, ``(自费)``, ``(100%)``), list
flags (``[国基]``, ``[国基、上增]``, ``(集)``, ``[NR]``) and symbol flags (``※``, ``▲``).

Markers are data: the dictionaries of kind ``marker`` (``insurance_class``, ``formulary_marker``), which a
hospital extends with load-dict. They are found before specs and names, on the normalized string, so a
ratio inside a marker is never read as a strength, and they never reach the fuzzy matcher.

Where a marker may stand:
- a symbol marker (one character that is neither a letter, a digit nor a hanzi) anywhere;
- other markers only inside a bracket group whose every part is a marker, optionally followed by a
  ratio (``乙10%``, ``▲100%``); parts are separated by ``、 , ; /`` or spaces. 甲 alone in 甲硝唑 is a name;
- a bracket group holding only a ratio (``(100%)``) only before any name: after the name it is a
  concentration (``乙醇(75%)``);
- without brackets, whole space-separated words at either end of the string, each a marker of two
  characters or more, not one or two Latin letters (``国基 OTC 维生素B6片``, ``…片 国谈``; not ``诺和灵 R``,
  ``乙 肝免疫球蛋白``); at least one word is left for the name.

>>> lex = {"乙": ("insurance_class", "乙", "乙类"), "国基": ("formulary_marker", "国基", "国家基本药物"),
...        "▲": ("formulary_marker", "▲", "▲")}
>>> [(m.term, m.standard, m.ratio) for m in find("▲(乙10%)美阿沙坦钾片[国基]", lex)]
[('▲', '▲', None), ('乙', '乙类', '10%'), ('国基', '国家基本药物', None)]
>>> find("甲硝唑片(乙)", {"甲": ("insurance_class", "甲", "甲类")})
[]
>>> [m.term for m in find("国基 维生素b6片 10mg", lex)], find("乙 维生素b6片", lex), find("国基 国基", lex)[0].term
(['国基'], [], '国基')
"""
from __future__ import annotations

import re
from typing import NamedTuple

from chars import is_hanzi, is_word_char

_BRACKETS = {"(": ")", "[": "]"}
_PART_SEPARATORS = re.compile(r"[、,;/ ]+")
_RATIO = re.compile(r"\d{1,3}(?:\.\d+)?%$")
_WORD = re.compile(r"[^ ]+")
# A group longer than this is a note or a qualifier, not a list of markers.
_MAX_GROUP = 24


class Marker(NamedTuple):
    start: int               # span of the part in the normalized string
    end: int
    attribute: str | None    # the marker dictionary; None for a ratio alone
    term: str
    standard: str | None
    ratio: str | None        # the self-pay ratio written with it ("10%")


def is_symbol(key: str) -> bool:
    return len(key) == 1 and not is_word_char(key) and not key.isspace()


def find(s: str, lexicon: dict) -> list[Marker]:
    """The markers of normalized string ``s``, in order. ``lexicon`` maps a marker key to
    (dictionary, term, standard)."""
    return [m for _, _, group in groups(s, lexicon) for m in group]


def groups(s: str, lexicon: dict) -> list[tuple[int, int, list[Marker]]]:
    """(start, end, markers) of each place holding markers: a bracket group with its brackets, or a
    symbol; the pipeline cuts these spans out before specs and names."""
    out = []
    name_seen = False   # a ratio alone counts as a marker only before any name
    n = len(s)
    # where a bracket or a symbol marker stands: groups acts there only, and the characters between tell only
    # whether a name was seen (testing every character took ~4 % of a parse)
    stops = []
    for c in _stops(lexicon):
        k = s.find(c)
        while k >= 0:
            stops.append(k)
            k = s.find(c, k + 1)
    stops.sort()
    stops.append(n)
    i = 0
    for stop in stops:
        if stop < i:        # inside a group already taken
            continue
        if not name_seen and (_ALNUM.search(s, i, stop) is not None or any(map(is_hanzi, s[i:stop]))):
            name_seen = True     # a word character (is_word_char) before the stop
        if stop == n:
            break
        i = stop
        ch = s[i]
        if ch in _BRACKETS:
            j = s.find(_BRACKETS[ch], i + 1, i + 2 + _MAX_GROUP)
            group = _group(s, i + 1, j, lexicon, name_seen) if j > 0 and not s.startswith("-", j + 1) else None
            if group:
                out.append((i, j + 1, group))
                i = j + 1
                continue
        if ch in lexicon and is_symbol(ch):      # (a bracket or a symbol is no word character: no name)
            d, term, standard = lexicon[ch]
            out.append((i, i + 1, [Marker(i, i + 1, d, term, standard, None)]))
        i += 1
    return sorted(out + _loose_ends(s, lexicon, out))


# str.isalnum(): \w without "_". With is_hanzi, chars.is_word_char; a class of the hanzi ranges would take 1 ms
# to compile in every new backend, and a hanzi is a letter but for a few unassigned code points.
_ALNUM = re.compile(r"[^\W_]")
_stops_of = [None, -1, ()]     # (marker lexicon, its size, _stops) of the last call


def _stops(lexicon: dict) -> tuple[str, ...]:
    """The characters groups() acts on: the opening brackets and the symbol markers; kept for the lexicon
    last asked about. (A regex class of them took 0.7 ms to compile in a new backend.)"""
    if _stops_of[0] is not lexicon or _stops_of[1] != len(lexicon):
        _stops_of[:] = [lexicon, len(lexicon), tuple(sorted(set(_BRACKETS) | {k for k in lexicon if is_symbol(k)}))]
    return _stops_of[2]


def _loose_ends(s: str, lexicon: dict, taken: list) -> list[tuple[int, int, list[Marker]]]:
    """The markers written as whole words at either end of ``s``, outside the groups ``taken``."""
    words = [(m.start(), m.end()) for m in _WORD.finditer(s)]

    def marker(a, b):    # a symbol is in ``taken`` already
        if any(lo < b and a < hi for lo, hi, _ in taken) or not _loose_word(s[a:b]):
            return None
        return _entry(s, a, b, lexicon)

    out = []
    i, j = 0, len(words) - 1
    while i < j and (m := marker(*words[i])):
        out.append((m.start, m.end, [m]))
        i += 1
    while j > i and (m := marker(*words[j])):
        out.append((m.start, m.end, [m]))
        j -= 1
    return out


def _group(s: str, lo: int, hi: int, lexicon: dict, name_seen: bool) -> list[Marker] | None:
    """The markers of the bracket group s[lo:hi] when every part is one, else None."""
    if any(ch in "()[]" for ch in s[lo:hi]):
        return None
    parts = []
    pos = lo
    for m in _PART_SEPARATORS.finditer(s, lo, hi):
        parts.append((pos, m.start()))
        pos = m.end()
    parts.append((pos, hi))
    out = []
    for a, b in parts:
        if a == b:
            continue
        m = _entry(s, a, b, lexicon)
        if m is None:
            ratio = _RATIO.fullmatch(s, a, b)
            if ratio is None or name_seen:
                return None
            m = Marker(a, b, None, s[a:b], None, ratio.group(0))
        out.append(m)
    return out or None


def _loose_word(word: str) -> bool:
    """Whether a word outside brackets may be a marker: not one hanzi (乙 肝免疫球蛋白, 甲 钴胺片 are names
    typed with a space) and not one or two Latin letters (诺和灵 R, Novolin N are insulins, not antibiotic
    grades); 国基, 国谈, OTC may."""
    key = _RATIO.sub("", word)
    return len(key) >= 2 and not (key.isascii() and len(key) <= 2)


def _entry(s: str, a: int, b: int, lexicon: dict) -> Marker | None:
    """s[a:b] as a marker of the dictionaries, with the ratio written after it (乙10%), or None."""
    text = s[a:b]
    ratio = _RATIO.search(text)
    key = text[:ratio.start()] if ratio else text
    if not key or key not in lexicon:
        return None
    d, term, standard = lexicon[key]
    return Marker(a, b, d, term, standard, ratio.group(0) if ratio else None)


def segment_fields(m: Marker) -> dict:
    """What the segment of a marker says (the JSON contract): a ratio alone is a self-pay ratio."""
    fields = {"match": "marker", "attribute": m.attribute or "self_pay_ratio", "term": m.term,
              "standard": m.standard or m.ratio}
    if m.ratio:
        fields["ratio"] = m.ratio
    return fields


def summary(markers: list[Marker]) -> tuple[str | None, str | None, list[str]]:
    """(insurance class, self-pay ratio, the standards of every marker in order, each once)."""
    insurance = next((m.standard for m in markers if m.attribute == "insurance_class"), None)
    ratio = next((m.ratio for m in markers if m.ratio), None)
    standards: list[str] = []
    for m in markers:
        if m.standard and m.standard not in standards:
            standards.append(m.standard)
    return insurance, ratio, standards
