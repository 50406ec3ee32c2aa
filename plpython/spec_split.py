"""Patent step 3 (claim 4): cut strength (规格) and package (包装规格) strings out of a normalized string.

For every number, the characters right after it are matched against the unit dictionaries, longest
unit first. A number that no unit follows stays in the text. Joined forms stay one segment:
a compound strength ``0.25g:5ml`` / ``5ml:0.1g`` / ``20mg/ml``, a strength per unit ``10g/袋``, and a
package ``12片/盒`` or ``10支×5盒``.

>>> units = {"mg": ("strength", "mg"), "g": ("strength", "g"), "ml": ("strength", "ml"),
...          "只": ("package", "支"), "片": ("package", "片"), "盒": ("package", "盒")}
>>> [(s.kind, s.text(x), s.display) for x in ["艾力40mg1只"] for s in find(x, 0, len(x), units)]
[('strength', '40mg', '40mg'), ('package', '1只', '1支')]
>>> [(s.kind, s.display) for x in ["0.25g:5ml*12片/盒"] for s in find(x, 0, len(x), units)]
[('strength', '0.25g:5ml'), ('package', '12片/盒')]
>>> find("维生素b1片", 0, 6, units)
[]

A range of strengths and a size are one segment too, whole in the strength (``first``):

>>> units.update({"mbq": ("strength", "MBq"), "cm": ("strength", "cm")})
>>> [(s.display, s.first) for x in ["3.7-222mbq*1只", "8cm*13cm*10片", "11×15cm", "20mg*2cm"] for s in find(x, 0, len(x), units)]
[('3.7-222MBq', '3.7-222MBq'), ('1支', '1支'), ('8cm×13cm', '8cm×13cm'), ('10片', '10片'), ('11×15cm', '11×15cm'), ('20mg', '20mg'), ('2cm', '2cm')]
"""
from __future__ import annotations

import re
from typing import NamedTuple

from chars import is_east_asian

_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_TIMES = "x×*"
_JOIN = ":/"
_RANGE = "-~"
# Standards of the length units (lexicon/curated/units.tsv): 8cm×13cm is a plaster's size, one spec
_LENGTHS = frozenset({"cm", "mm"})


class Part(NamedTuple):
    value: str        # canonical number: 50.000 -> 50, .50 -> 0.5
    unit: str         # as written (normalized)
    unit_standard: str


class Spec(NamedTuple):
    kind: str         # 'strength' | 'package'
    start: int
    end: int
    parts: tuple      # of Part; more than one for compound strengths and joined packages
    joins: tuple      # the characters between parts

    @property
    def display(self) -> str:
        out = self.parts[0].value + self.parts[0].unit_standard
        for j, p in zip(self.joins, self.parts[1:]):
            out += j + (p.value if p.value else "") + p.unit_standard
        return out

    @property
    def is_size(self) -> bool:
        """8cm×13cm, 1cm: a length, which is a strength only when the text writes no other."""
        return self.parts[-1].unit_standard in _LENGTHS

    @property
    def first(self) -> str:
        """The strength: the first quantity, or a range or a size whole (3.7-222MBq, 8cm×13cm)."""
        if self.joins and self.joins[0] in ("-", "×"):
            return self.parts[0].value + self.parts[0].unit_standard + "-×"[self.joins[0] == "×"] \
                + self.parts[1].value + self.parts[1].unit_standard
        return self.parts[0].value + self.parts[0].unit_standard

    def text(self, s: str) -> str:
        return s[self.start:self.end]


def canonical_number(num: str) -> str:
    if "." in num:
        num = num.rstrip("0").rstrip(".")
    num = num.lstrip("0") or "0"
    return "0" + num if num.startswith(".") else num


def _unit_at(s: str, i: int, hi: int, units: dict, max_len: int):
    """The longest unit starting at s[i] (one space allowed before it), or None."""
    j = i + 1 if i < hi and s[i] == " " else i
    for n in range(min(max_len, hi - j), 0, -1):
        u = s[j:j + n]
        hit = units.get(u)
        if hit is None:
            continue
        end = j + n
        # a Latin unit must not run into a word: 5mgabc is not 5 mg (x is "times": 20mgx7片)
        if u[-1].isascii() and u[-1].isalpha() and end < hi and s[end].isascii() and s[end].isalpha() \
                and s[end] not in _TIMES:
            continue
        return u, hit, end
    return None


def _quantity(s: str, i: int, hi: int, units: dict, max_len: int, prev_end: int, name_before=None):
    """A number at s[i] with a unit after it: (Part, kind, end), or None."""
    m = _NUMBER.match(s, i, hi)
    if not m:
        return None
    glued = False
    if i > 0:
        before = s[i - 1]
        # b1, d3, α1b: a digit glued to a letter is part of a name, unless a spec just ended there
        if (before.isalpha() and not is_east_asian(before) and i != prev_end
                and not (before in _TIMES and i - 1 == prev_end)):
            glued = True
        elif before.isdigit() or before == ".":
            return None
    u = _unit_at(s, m.end(), hi, units, max_len)
    if u is None:
        return None
    unit, (kind, std), end = u
    # 两性霉素b5mg: a strength glued to a name that ends in a letter, when the text up to it is a name
    if glued and not (kind == "strength" and name_before is not None and name_before(i)):
        return None
    return Part(canonical_number(m.group()), unit, std), kind, end


def find(s: str, lo: int, hi: int, units: dict, name_before=None) -> list[Spec]:
    """Spec segments inside s[lo:hi], in order. ``name_before(i)`` tells whether a name of the lexicon
    ends right before position i (so that a number glued to its last letter may start a strength)."""
    if not units:
        return []
    max_len = _max_len(units)
    out: list[Spec] = []
    prev_end = -1
    i = lo
    while i < hi:
        if not s[i].isdigit():
            i += 1
            continue
        q = _quantity(s, i, hi, units, max_len, prev_end, name_before)
        parts, joins = [], []
        if q is None:
            q = _range_or_size(s, i, hi, units, max_len, prev_end, name_before)
            if q is None:
                while i < hi and (s[i].isdigit() or s[i] == "."):
                    i += 1
                continue
            parts, joins = [q[0]], [q[1]]
            q = q[2:]
        part, kind, end = q
        parts.append(part)
        while end < hi:
            nxt = _extend(s, end, hi, units, max_len, kind, parts[-1])
            if nxt is None:
                break
            j, p, end = nxt
            parts.append(p)
            joins.append(j)
        out.append(Spec(kind, i, end, tuple(parts), tuple(joins)))
        prev_end = i = end
    return out


_max_len_of = [None, -1, 0]     # (units, their number, the longest unit's length) of the last call


def _max_len(units: dict) -> int:
    """The longest unit's length, kept for the units last asked about: a backend asks about its lexicon's
    units span after span (taking the max of ~150 units each time was a tenth of find)."""
    if _max_len_of[0] is not units or _max_len_of[1] != len(units):
        _max_len_of[:] = [units, len(units), max(map(len, units))]
    return _max_len_of[2]


def _range_or_size(s, i, hi, units, max_len, prev_end, name_before):
    """A number without a unit that a strength's number follows: a range (3.7-222MBq, 0.1~6mCi) or the
    first side of a size (11×15cm). (Part, join, Part, kind, end), or None."""
    m = _NUMBER.match(s, i, hi)
    if not m:            # ² is a digit to str.isdigit, not to \d
        return None
    j = m.end()
    if j + 1 >= hi or not (s[j] in _RANGE or s[j] in _TIMES) or not s[j + 1].isdigit():
        return None
    if i > 0 and (s[i - 1].isdigit() or s[i - 1] == "." or s[i - 1] in _RANGE):
        return None
    if i > 0 and s[i - 1].isalpha() and not is_east_asian(s[i - 1]) and i != prev_end:
        return None      # b1-2, α2-…: a digit glued to a letter is part of a name
    q = _quantity(s, j + 1, hi, units, max_len, j + 1, name_before)
    if q is None or q[1] != "strength" or (s[j] in _TIMES and q[0].unit_standard not in _LENGTHS):
        return None
    # a range rises (80-12.5mg is a combination's two strengths; 批号230512-0.125g a lot number before one)
    if s[j] in _RANGE and not float(m.group()) < float(q[0].value):
        return None
    return Part(canonical_number(m.group()), "", ""), "-" if s[j] in _RANGE else "×", q[0], q[1], q[2]


def _extend(s, i, hi, units, max_len, kind, last):
    """What may follow a quantity in the same segment: ':5ml' or '/ml' after a strength, the other side of
    a size ('×13cm' after 8cm), '/盒' or '×5盒' after a package."""
    ch = s[i]
    if kind == "strength" and ch in _TIMES:
        q = _quantity(s, i + 1, hi, units, max_len, i + 1) if last.unit_standard in _LENGTHS else None
        return None if q is None or q[0].unit_standard not in _LENGTHS else ("×", q[0], q[2])
    if kind == "strength" and ch in _JOIN:
        q = _quantity(s, i + 1, hi, units, max_len, i + 1)
        if q and q[1] == "strength":
            return ch, q[0], q[2]
        if ch == "/":
            # 20mg/ml, and 10g/袋 (per bag): a unit without a number after the slash
            u = _unit_at(s, i + 1, hi, units, max_len)
            if u:
                return ch, Part("", u[0], u[1][1]), u[2]
    if kind == "package":
        if ch == "/":
            u = _unit_at(s, i + 1, hi, units, max_len)
            if u and u[1][0] == "package":
                return ch, Part("", u[0], u[1][1]), u[2]
        if ch in _TIMES:
            q = _quantity(s, i + 1, hi, units, max_len, i + 1)
            if q and q[1] == "package":
                return "×", q[0], q[2]
    return None


# The words of a spec's note that are left between its quantities (每片含 0.5g, 相当于饮片 10g, 以左甲状腺素钠计
# 50μg) and chemical formulas (C₂₅H₃₇NO₄, c25h37no4 once preprocessing folded its subscripts, with hydrates
# and salts after a dot: ·HCl·3H₂O): never a drug name, so they go to no fuzzy search. A formula counts two
# elements at least: K1 and B12 are vitamins.
_SPEC_NOTE = re.compile(r"每.{1,3}|每[^含]{1,7}含|递送剂量为|相当于.*|以.+计|计算|按.+计"
                        r"|[0-9]*(?:[()·•]*[0-9]*[a-z]+[0-9]+){2,}[a-z0-9()·•]*")
# The words a spec note writes right before the ingredient they introduce, glued to its name: 每片含|盐酸二甲双胍,
# 和|富马酸福莫特罗, 与|氯化钠, 递送剂量为|丙酸氟替卡松, 按|帕利哌酮 (segmentation cuts them off a known name).
# 相当于 is not one: 相当于饮片 is a note whole.
NOTE_LEAD = re.compile(r"每[^含]{1,7}含|递送剂量为|含|和|与|及|并|或|按|以")
NOTE_CONNECTORS = frozenset("和与及并或")


def is_spec_note(fragment: str) -> bool:
    """Whether a fragment left beside the quantities is a word of a spec's note or a chemical formula.

    >>> [is_spec_note(x) for x in ("每片含", "相当于饮片", "以左甲状腺素钠计", "c25h37no4", "c33h38n4o6·hcl·3h2o", "阿莫西林")]
    [True, True, True, True, True, False]
    >>> [is_spec_note(x) for x in ("k1", "b12", "维生素k1", "α2b")]
    [False, False, False, False]
    """
    return _SPEC_NOTE.fullmatch(fragment) is not None
