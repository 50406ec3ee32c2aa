"""Patent step 2 (claim 3): one normalization for input strings and dictionary terms alike.

>>> normalize("Ｈ▲注射用鹽酸  伊立替康", {"鹽": "盐"}, frozenset("▲"))
('h注射用盐酸 伊立替康', [0, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12])
"""
from __future__ import annotations

# Compatibility forms that full-width folding does not cover but hospital strings use.
_COMPAT = {
    "∣": "|", "｜": "|", "︱": "|", "丨": "|",
    "㎎": "mg", "㎏": "kg", "㎖": "ml", "㎍": "μg", "µ": "μ", "㏄": "cc", "㎜": "mm", "㎝": "cm",
    "×": "×", "╳": "×", "＊": "*",
    "（": "(", "）": ")", "【": "[", "】": "]", "〔": "(", "〕": ")", "［": "[", "］": "]",
    "、": "、", "，": ",", "；": ";", "：": ":", "！": "!", "？": "?", "／": "/",
    "–": "-", "—": "-", "－": "-", "‐": "-", "∶": ":", "﹕": ":",
    "Ⅰ": "i", "Ⅱ": "ii", "Ⅲ": "iii", "Ⅳ": "iv", "Ⅴ": "v",
}


def _is_space(ch: str) -> bool:
    return ch.isspace() or ch in "\u200b\ufeff"


def fold(ch: str) -> str:
    """Full-width → half-width and compatibility forms; may return several characters or none."""
    o = ord(ch)
    if 0xFF01 <= o <= 0xFF5E:
        return chr(o - 0xFEE0)
    if _is_space(ch):
        return " "
    return _COMPAT.get(ch, ch)


def normalize(text: str, t2s: dict, irrelevant) -> tuple[str, list[int]]:
    """The normalized string and, per output character, the index of the raw character it came from."""
    out: list[str] = []
    offsets: list[int] = []
    for i, raw_ch in enumerate(text):
        for ch in fold(raw_ch).lower():
            ch = t2s.get(ch, ch)
            if ch in irrelevant:
                continue
            if ch == " ":
                if not out or out[-1] == " ":
                    continue
            out.append(ch)
            offsets.append(i)
    while out and out[-1] == " ":
        out.pop()
        offsets.pop()
    return "".join(out), offsets


def normalize_key(text: str, t2s: dict, irrelevant) -> str:
    return normalize(text, t2s, irrelevant)[0]
