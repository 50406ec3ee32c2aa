"""What to conclude from a second-type fragment: accept its fuzzy top candidate, infer an unknown product,
or leave it unresolved. A wrong drug is worse than no drug.

- Product shape: an optional 注射用, a stem of two characters or more, and a known dosage-form suffix
  (the longest that fits). ``shape("注射用盐酸伊立替康")`` → stem 盐酸伊立替康, form 注射用无菌粉末.
- A fuzzy top candidate is accepted when its S reaches the ``accept`` setting, it is not ambiguous (the
  runner-up, a different drug, within ``ambiguous_margin``), and it is not a near miss:
  for drug names, when one stem contains the other but they differ (丁苯那嗪 / 氘丁苯那嗪, 奥美拉唑 /
  艾司奥美拉唑), the extra characters name a different molecule, not a typo; for every dictionary, when
  the stems differ by more than a typo (homophones are free, other edits one per four characters:
  硝酸钙 is not 硝酸甘油, 阿莫西临 is 阿莫西林); for manufacturers, unless the core names agree
  (诺华制药(北京)有限公司 / 北京诺华制药有限公司). When the fragment has a product shape whose stem is a
  known generic name, a candidate of another generic is not accepted either.
- Otherwise a product-shaped fragment is reported as ``inferred``: the stem as the generic name (the
  lexicon's standard when the stem is a known generic) and the suffix's dosage form.
"""
from __future__ import annotations

from typing import NamedTuple

from lexicon import DRUG_DICTS, INJECTION_PREFIX, is_hanzi  # noqa: F401  (INJECTION_PREFIX re-exported)


# How manufacturer names end, and the region words they start with or put in brackets.
CORPORATE_SUFFIXES = ("股份有限公司", "有限责任公司", "集团有限公司", "有限公司", "集团公司", "总公司", "分公司",
                      "公司", "株式会社", "集团", "总厂", "药厂", "制药厂", "厂", "gmbh", "ltd.", "ltd", "inc.",
                      "inc", "co.", "corporation", "s.a.", "s.p.a.", "a/s", "ag", "n.v.", "limited")
COMPANY_WORDS = ("有限公司", "公司", "株式会社", "药厂", "制药厂", "gmbh", "ltd", "inc", "corporation",
                 "limited", "s.a.", "s.p.a.", "n.v.", " ag")
REGIONS = ("北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江", "安徽",
           "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州", "云南", "陕西",
           "甘肃", "青海", "台湾", "内蒙古", "广西", "西藏", "宁夏", "新疆", "香港", "澳门", "中国")
_REGION_TAILS = ("省", "市", "自治区")


class Shape(NamedTuple):
    stem: str
    dosage_form: str | None


class Verdict(NamedTuple):
    accepted: bool
    ambiguous: bool
    near_miss: bool


def shape(fragment: str, lex) -> Shape | None:
    injection = fragment.startswith(INJECTION_PREFIX)
    body = fragment[len(INJECTION_PREFIX):] if injection else fragment
    stem, form = body, None
    for n in range(min(len(body) - 2, 8), 0, -1):
        form = lex.dosage_form_suffixes.get(body[-n:])
        if form:
            stem = body[:-n]
            break
    if injection and lex.injection_form:
        form = lex.injection_form
    if form is None or sum(1 for ch in stem if is_hanzi(ch)) < 2:
        return None
    return Shape(stem, form)


def is_company(fragment: str) -> bool:
    """A manufacturer's name by its shape: 江阴天江药业有限公司, 诺华制药(北京)有限公司, Baxter S.A."""
    f = fragment.rstrip(" .")
    return len(f) >= 4 and any(f.endswith(w.strip()) or w in f for w in COMPANY_WORDS)


def company_core(name: str) -> str:
    """A manufacturer's name without bracketed notes, region words and corporate suffixes:
    诺华制药(北京)有限公司 and 北京诺华制药有限公司 are both 诺华制药."""
    out, depth = [], 0
    for ch in name:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        elif depth == 0:
            out.append(ch)
    s = "".join(out).strip(" .,")
    changed = True
    while changed:
        changed = False
        for suf in CORPORATE_SUFFIXES:
            if s.endswith(suf) and len(s) > len(suf) + 1:
                s = s[:-len(suf)].strip(" .,")
                changed = True
    for r in REGIONS:
        if s.startswith(r) and len(s) > len(r) + 1:
            s = s[len(r):]
            for t in _REGION_TAILS:
                if s.startswith(t):
                    s = s[len(t):]
            break
    return s


def same_company(a: str, b: str) -> bool:
    ca, cb = company_core(a), company_core(b)
    if not ca or not cb:
        return False
    return ca == cb or (min(len(ca), len(cb)) >= 2 and (ca.startswith(cb) or cb.startswith(ca)))


def stem_of(key: str, dict_name: str, lex) -> str:
    """A generic name is its own stem; a product or trade name loses its form prefix and suffix."""
    if dict_name == "generic_name":
        return key
    sh = shape(key, lex)
    return sh.stem if sh else key


def known_generic(stem: str, lex) -> str | None:
    """The generic-name standard a stem names exactly, if any."""
    for e in lex.lookup(stem):
        if e.dict == "generic_name":
            return e.standard
    for e in lex.lookup(stem):
        if e.dict in DRUG_DICTS and e.generic:
            return e.generic
    return None


def candidate_generic(c: dict) -> str | None:
    return c["standard"] if c["attribute"] == "generic_name" else c.get("generic")


def judge(fragment: str, candidates: list, lex, settings: dict, normalize_key) -> Verdict:
    if not candidates:
        return Verdict(False, False, False)
    top = candidates[0]
    accept = settings.get("accept", 0.6)
    margin = settings.get("ambiguous_margin", 0.02)
    ambiguous = False
    for other in candidates[1:]:
        if top["s"] - other["s"] > margin:
            break
        if other["standard"] != top["standard"] and \
                (candidate_generic(other) is None or candidate_generic(other) != candidate_generic(top)):
            ambiguous = True
            break
    near = False
    if is_company(fragment) or top["attribute"] == "manufacturer":
        # company names share their suffixes and regions: only the same core name is the same company
        near = top["attribute"] != "manufacturer" or not same_company(fragment, normalize_key(top["term"]))
    else:
        fstem = stem_of(fragment, "", lex)
        cstem = stem_of(normalize_key(top["term"]), top["attribute"], lex)
        if top["attribute"] in DRUG_DICTS and fstem != cstem and (fstem in cstem or cstem in fstem):
            near = True
        # a typo changes little: homophones are free, other edits at most one per four characters, none
        # in a stem under six (亚硝酸钠/亚硒酸钠, 碳酸钠/碳酸氢钠, 硫酸铁/硫酸亚铁 are other compounds)
        if typo_distance(fstem, cstem, getattr(lex, "readings", None)) > (max(len(fstem), len(cstem)) - 2) // 4:
            near = True
        sh = shape(fragment, lex)
        if sh and top["attribute"] in DRUG_DICTS:
            g = known_generic(sh.stem, lex)
            if g is not None and candidate_generic(top) != g:
                near = True
    return Verdict(top["s"] >= accept and not ambiguous and not near, ambiguous, near)


def typo_distance(a: str, b: str, readings=None) -> int:
    """Edit distance where substituting a homophone (林/临: a reading in common) costs nothing.

    >>> typo_distance("阿莫西临", "阿莫西林", lambda ch: {"临": ("lin",), "林": ("lin",)}.get(ch, ()))
    0
    >>> typo_distance("硝酸钙", "硝酸甘油")
    2
    """
    def same(x, y):
        if x == y:
            return True
        if readings is None:
            return False
        rx = readings(x)
        return bool(rx) and any(r in rx for r in readings(y))

    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, y in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (0 if same(x, y) else 1))
        prev = cur
    return prev[-1]
