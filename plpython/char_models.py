"""字符模型库 (patent claim 6): how a pending string with special symbols is cut.

The models are rows of ``drugnorm.char_model`` (name, kind, symbols, priority); this module holds the
rule of each kind. A piece is a span ``(lo, hi)`` of the normalized string.

- ``bracket`` (BCDE, e.g. ``(立普妥)阿托伐他汀钙片``): the bracketed text and the text around it become
  separate pieces; the bracket characters are dropped.
- ``bar`` (FGH, ``奥美拉唑镁肠溶片|洛赛克mups``) and ``stop`` (IJK, ``美沙拉秦缓释颗粒剂、艾迪莎``):
  the pieces between the symbols.
- ``slash`` (STU, ``b型嗜血菌/乙型肝炎疫苗``): cut only when a side matches the dictionary set exactly;
  otherwise the string is kept whole (a combination product is named with a slash).

>>> s = "(立普妥)阿托伐他汀钙片"
>>> [s[a:b] for a, b in split(s, 0, len(s), "bracket", "()", lambda a, b: False)]
['立普妥', '阿托伐他汀钙片']
>>> s = "b型嗜血菌/乙型肝炎疫苗"
>>> [s[a:b] for a, b in split(s, 0, len(s), "slash", "/", lambda a, b: False)]
['b型嗜血菌/乙型肝炎疫苗']
"""
from __future__ import annotations

KINDS = ("bracket", "bar", "stop", "slash")


def strip(s: str, lo: int, hi: int) -> tuple[int, int]:
    while lo < hi and s[lo] == " ":
        lo += 1
    while hi > lo and s[hi - 1] == " ":
        hi -= 1
    return lo, hi


def _cut(s: str, lo: int, hi: int, symbols: str) -> list[tuple[int, int]]:
    out = []
    start = lo
    for i in range(lo, hi + 1):
        if i == hi or s[i] in symbols:
            a, b = strip(s, start, i)
            if a < b:
                out.append((a, b))
            start = i + 1
    return out


def split(s: str, lo: int, hi: int, kind: str, symbols: str, matches) -> list[tuple[int, int]]:
    """Pieces of s[lo:hi] under one model; ``matches(a, b)`` tells whether s[a:b] is a dictionary key."""
    if not any(s[i] in symbols for i in range(lo, hi)):
        return [(lo, hi)]
    if kind == "slash":
        pieces = _cut(s, lo, hi, symbols)
        if any(matches(a, b) for a, b in pieces):
            return pieces
        return [(lo, hi)]
    if kind in ("bracket", "bar", "stop"):
        return _cut(s, lo, hi, symbols)
    raise ValueError(f"unknown character model kind {kind!r} (known: {', '.join(KINDS)})")
