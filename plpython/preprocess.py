"""Patent step 2 (claim 3): one normalization for input strings and dictionary terms alike.

>>> normalize("Ｈ▲注射用鹽酸  伊立替康", {"鹽": "盐"}, frozenset("▲"))
('h注射用盐酸 伊立替康', [0, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12])

Unicode that looks like nothing or like something else: invisible format characters (zero-width space and
joiners U+200B–U+200D, word joiner U+2060, BOM U+FEFF, soft hyphen, direction marks: category Cf) are
dropped, so 阿\u200b莫西林 is 阿莫西林; a character with combining marks is composed (NFC: e + U+0301 is é)
and marks that compose with nothing (阿 + U+0301, variation selectors) are dropped; decimal digits of any
script are ASCII digits (٠١٢mg is 012mg). Offsets stay those of the raw characters: a composed character
points at its base.

>>> normalize("阿\u200b莫\u0301西林 ٢mg", {}, frozenset())
('阿莫西林 2mg', [0, 2, 4, 5, 6, 7, 8, 9])

A Roman numeral is its Latin letters, capital or small: 凝血因子Ⅸ, 凝血因子ⅸ and 凝血因子IX are one name.

>>> normalize("人凝血因子Ⅸ 18AA-ⅶ", {}, frozenset())[0]
'人凝血因子ix 18aa-vii'

A subscript is its plain character: K₁ and B₁₂ of vitamins, the counts of a formula, read as K1, B12,
C25H37NO4. A superscript is not: it is an exponent (10⁶ is not 106; cm² is a unit of the lexicon).

>>> normalize("维生素 K₁ 注射液 1ml:10mg", {}, frozenset())[0], normalize("5×10⁶IU", {}, frozenset())[0]
('维生素 k1 注射液 1ml:10mg', '5×10⁶iu')
"""
from __future__ import annotations

import unicodedata

# Compatibility forms that full-width folding does not cover but hospital strings use.
_COMPAT = {
    "∣": "|", "｜": "|", "︱": "|", "丨": "|",
    "㎎": "mg", "㎏": "kg", "㎖": "ml", "㎍": "μg", "µ": "μ", "㏄": "cc", "㎜": "mm", "㎝": "cm",
    "×": "×", "╳": "×", "＊": "*",
    "（": "(", "）": ")", "【": "[", "】": "]", "〔": "(", "〕": ")", "［": "[", "］": "]",
    "、": "、", "，": ",", "；": ";", "：": ":", "！": "!", "？": "?", "／": "/",
    "–": "-", "—": "-", "－": "-", "‐": "-", "∶": ":", "﹕": ":",
}


# The Roman numerals, capital and small (Ⅰ..Ⅻ, Ⅼ, Ⅽ, Ⅾ, Ⅿ, ⅰ..ⅿ): their Latin letters (Ⅷ is viii), as HIS
# strings write them either way (人凝血因子Ⅷ and 人凝血因子VIII); the letters still tell variants apart.
_ROMAN_LO, _ROMAN_HI = 0x2160, 0x217F


def is_mark(ch: str) -> bool:
    """A combining mark (accents, enclosing marks, variation selectors): part of the character before it."""
    return not ch.isascii() and unicodedata.category(ch)[0] == "M"


def _invisible(ch: str) -> bool:
    return not ch.isascii() and (unicodedata.category(ch) == "Cf" or is_mark(ch))


def fold(ch: str) -> str:
    """Full-width → half-width, compatibility forms, invisible characters and stray marks dropped, digits
    of every script and subscripts as ASCII; may return several characters or none."""
    o = ord(ch)
    if o < 0x80:
        return " " if ch.isspace() else ch
    if 0xFF01 <= o <= 0xFF5E:
        return chr(o - 0xFEE0)
    if ch.isspace():
        return " "
    if _invisible(ch):
        return ""
    if ch.isdecimal():
        return str(unicodedata.decimal(ch))
    if unicodedata.decomposition(ch).startswith("<sub>") or _ROMAN_LO <= o <= _ROMAN_HI:
        return unicodedata.normalize("NFKC", ch)
    return _COMPAT.get(ch, ch)


def cluster_end(text: str, i: int, hi: int | None = None) -> int:
    """The end of the character at text[i] with the combining marks that follow it (before ``hi``)."""
    hi = len(text) if hi is None else hi
    j = i + 1
    while j < hi and is_mark(text[j]):
        j += 1
    return j


def normalize(text: str, t2s: dict, irrelevant, checkpoint=None) -> tuple[str, list[int]]:
    """The normalized string and, per output character, the index of the raw character it came from.
    ``checkpoint()``, if given, is called every few thousand characters (long inputs, see server.py)."""
    memo = _memo(t2s, irrelevant)
    n = len(text)
    if n <= _CHECK_EVERY:
        # No checkpoint falls due and, without combining marks, each character normalizes alone: its
        # memoized piece, looked up in C (the loop below, character by character, took a tenth of a parse)
        pieces = list(map(memo.__getitem__, text))
        if "" not in pieces:    # nothing dropped, so no combining mark either (one alone normalizes to "")
            out = "".join(pieces)
            if len(out) == n and "  " not in out and out[:1] != " " and out[-1:] != " ":
                return out, list(range(n))      # one character each, no spaces to collapse or trim
            return _joined(pieces)
        if memo.marks.isdisjoint(text):
            return _joined(pieces)
    out: list[str] = []
    offsets: list[int] = []
    i = 0
    next_check = _CHECK_EVERY
    while i < n:
        if checkpoint is not None and i >= next_check:
            checkpoint()
            next_check = i + _CHECK_EVERY
        ch = text[i]
        j = i + 1
        if j < n and is_mark(text[j]) and not is_mark(ch):
            j = cluster_end(text, i)
        if j > i + 1:      # a character with combining marks: composed, leftover marks dropped by fold
            piece = "".join(memo.chars(c) for c in unicodedata.normalize("NFC", text[i:j]))
        else:
            piece = memo[ch]
        for c in piece:
            if c == " " and (not out or out[-1] == " "):
                continue
            out.append(c)
            offsets.append(i)
        i = j
    while out and out[-1] == " ":
        out.pop()
        offsets.pop()
    return "".join(out), offsets


_CHECK_EVERY = 4096     # characters between checkpoints


def _joined(pieces: list[str]) -> tuple[str, list[int]]:
    """normalize's output from the pieces of characters that normalize alone: runs of spaces collapsed,
    spaces at the ends dropped."""
    out: list[str] = []
    offsets: list[int] = []
    for i, piece in enumerate(pieces):
        for c in piece:
            if c == " " and (not out or out[-1] == " "):
                continue
            out.append(c)
            offsets.append(i)
    while out and out[-1] == " ":
        out.pop()
        offsets.pop()
    return "".join(out), offsets


class _Memo(dict):
    """Character -> what it normalizes to alone (computed on first sight), for one pair of tables; ``marks``:
    the combining marks among the characters it has seen (each normalizes to "" alone: fold drops it)."""

    def __init__(self, t2s, irrelevant):
        super().__init__()
        self.t2s, self.irrelevant = t2s, irrelevant
        self.marks: set[str] = set()

    def __missing__(self, ch):
        if is_mark(ch):
            self.marks.add(ch)
        piece = self[ch] = self.chars(ch)
        return piece

    def chars(self, ch):
        got = []
        t2s, irrelevant = self.t2s, self.irrelevant
        for c in fold(ch).lower():
            if c.isascii() or not _invisible(c):       # lower() may make marks: İ → i + U+0307
                c = t2s.get(c, c)
                if c not in irrelevant:
                    got.append(c)
        return "".join(got)


_memo_of = [None, None, None]     # (t2s, irrelevant, _Memo) of the last call
_MEMO_SIZE = 20000             # characters: a backend meets a few thousand


def _memo(t2s, irrelevant) -> _Memo:
    """What each character normalizes to, kept across calls for the same tables: a backend normalizes
    string after string with one lexicon's tables, mostly of the same few thousand characters."""
    if _memo_of[0] is not t2s or _memo_of[1] is not irrelevant or len(_memo_of[2]) > _MEMO_SIZE:
        _memo_of[:] = [t2s, irrelevant, _Memo(t2s, irrelevant)]
    return _memo_of[2]


def normalize_key(text: str, t2s: dict, irrelevant) -> str:
    return normalize(text, t2s, irrelevant)[0]
