"""Product names and their dosage forms, as the official-list importers read them.

``FormRule``: the suffixes and prefixes come from the dosage-form dictionary of the database (every
standard and synonym, longest first) and the forms the imported files register, never from a list of our
own. A form ending in 剂 also names the bare suffix (片剂 → 片, 栓剂 → 栓); a form ending in 用 is a prefix
(注射用, 吸入用), 注射用 always. (The bundled-lexicon build has a fixed rule of its own, lexicon/rules.py
``product_form``, over plpython/dosage_forms.py.)

>>> rule = FormRule(["片剂", "阴道泡腾片", "泡腾片", "凝胶", "凝胶剂", "吸入用", "混悬液", "口服混悬液"])
>>> rule.stem("两性霉素B阴道泡腾片"), rule.stem("吸入用布地奈德混悬液"), rule.stem("利鲁唑口服混悬液")
('两性霉素B', '布地奈德', '利鲁唑')
>>> rule.stem("阿托伐他汀钙片"), rule.stem("注射用盐酸伊立替康"), rule.stem("布洛芬")
('阿托伐他汀钙', '盐酸伊立替康', None)
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from .facts import dosage_forms

# A stem shorter than this is no drug name (散 of 散剂 must not make 胃散 a product of 胃).
MIN_STEM = 2


class Split(NamedTuple):
    prefix: str      # '' or a form ending in 用 (注射用, 吸入用)
    stem: str
    suffix: str      # '' or a form (片, 阴道泡腾片, 口服溶液)


class FormRule:
    """Stem of a product name: the name without a dosage-form prefix and suffix.

    Every split the forms allow is a candidate. By evidence:

    1. the split whose stem is a known generic name (``known``), the longest such stem;

    then, of the splits whose stem does not end in a form qualifier (the head of a longer form before a
    shorter one: 阴道 of 阴道泡腾片, 口服 of 口服混悬液, 肠溶 of 肠溶胶囊; such a stem would be a junk
    generic name, 两性霉素B阴道, 利鲁唑口服):

    2. the longest suffix (or prefix) with evidence: the form the list registers for the row (片 or 片剂
       for 片剂), or one the lexicon attests (``attested``: a product of the lexicon is a generic name of
       the lexicon with that suffix or prefix: 阿莫西林胶囊, 注射用头孢曲松钠), or a longer form ending in
       it (胶丸 where 丸剂 is registered);
    3. the longest suffix, unless it is a synonym made of one character before a shorter suffix (素片,
       糖片, 喉片 of the dictionary would cut 克拉霉素片, 参芪降糖片, 健民咽喉片; a standard such as
       软胶囊剂 or 含片 is kept).

    None when no candidate is left: the product is imported without a generic name.
    """

    def __init__(self, forms: Iterable[str], attested: Iterable[str] = (), standards: Iterable[str] | None = None):
        """forms: every name of a dosage form (standards and synonyms); standards: those that are standard
        entries (default: all); attested: affixes the lexicon's products show (``attested_affixes``)."""
        names = {"".join(f.split()) for f in forms if f}
        std = names if standards is None else {"".join(f.split()) for f in standards if f}
        std = std | {f[:-1] for f in std if f.endswith("剂") and len(f) >= 2}
        suffixes = set()
        for f in names:
            if len(f) >= 2 and f.endswith("用"):
                continue                       # 注射用, 吸入用: prefixes, never the end of a name
            suffixes.add(f)
            if f.endswith("剂") and len(f) >= 2:
                suffixes.add(f[:-1])           # 片剂 → 片, 胶囊剂 → 胶囊, 颗粒剂 → 颗粒
        self.suffixes = sorted(suffixes, key=lambda s: (-len(s), s))
        prefixes = {f for f in names if len(f) >= 3 and f.endswith("用")} | {dosage_forms.INJECTION_PREFIX}
        self.prefixes = sorted(prefixes, key=lambda s: (-len(s), s))
        heads = {(f[:-len(s)], s) for f in suffixes for s in suffixes if len(f) > len(s) and f.endswith(s)}
        self.qualifiers = frozenset(h for h, _ in heads if len(h) >= 2 and not h.endswith("剂"))
        self.weak = frozenset(h + s for h, s in heads if len(h) == 1 and h + s not in std)
        self.attested = frozenset(attested)

    def candidates(self, product: str, qualified: bool = False) -> list[Split]:
        """Every split the forms allow; ``qualified`` keeps those whose stem ends in a form qualifier."""
        name = "".join(product.split())
        out = []
        for prefix in [p for p in self.prefixes if name.startswith(p)] + [""]:
            body = name[len(prefix):]
            for suffix in [s for s in self.suffixes if body.endswith(s)] + [""]:
                stem = body[:len(body) - len(suffix)]
                if (prefix or suffix) and len(stem) >= MIN_STEM \
                        and (qualified or not any(stem.endswith(q) for q in self.qualifiers)):
                    out.append(Split(prefix, stem, suffix))
        return out

    def split(self, product: str, registered: str | None = None, known: Iterable[str] = ()) -> Split | None:
        known = set(known)
        hit = [c for c in self.candidates(product, qualified=True) if c.stem in known]
        if hit:
            return max(hit, key=lambda c: len(c.stem))
        cands = self.candidates(product)
        reg = "".join((registered or "").split())
        reg = {reg, reg[:-1]} if reg.endswith("剂") else {reg}
        hit = [c for c in cands if (c.suffix and (c.suffix in reg or c.suffix in self.attested))
               or (not c.suffix and c.prefix in self.attested)]
        strong = [c for c in cands if c.suffix not in self.weak]
        if hit:
            best = min(hit, key=lambda c: len(c.stem))
            # a more specific form than the evidence names: 胶丸 for 丸剂, 鼻喷雾剂 for 喷雾剂
            hit = [c for c in strong if c.prefix == best.prefix and c.suffix.endswith(best.suffix)] or [best]
        else:
            hit = strong
        return min(hit, key=lambda c: len(c.stem)) if hit else None

    def stem(self, product: str, registered: str | None = None, known: Iterable[str] = ()) -> str | None:
        parts = self.split(product, registered, known)
        return parts.stem if parts else None


def attested_affixes(pairs: Iterable[tuple[str, str]]) -> set[str]:
    """The prefixes and suffixes around a generic name in (product, generic) pairs of the lexicon:
    (阿莫西林胶囊, 阿莫西林) attests 胶囊, (注射用头孢曲松钠, 头孢曲松钠) attests 注射用."""
    out = set()
    for product, generic in pairs:
        product, generic = "".join(product.split()), "".join(generic.split())
        i = product.find(generic) if generic else -1
        if i < 0:
            continue
        if i:
            out.add(product[:i])
        if i + len(generic) < len(product):
            out.add(product[i + len(generic):])
    return out
