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

import bisect
from typing import NamedTuple

from chars import is_hanzi
from dosage_forms import INJECTION_PREFIX  # noqa: F401  (re-exported)
from lexicon import DRUG_DICTS
from settings import DEFAULTS


# How manufacturer names end, and the region words they start with or put in brackets.
CORPORATE_SUFFIXES = ("股份有限公司", "有限责任公司", "集团有限公司", "有限公司", "集团公司", "总公司", "分公司",
                      "公司", "株式会社", "集团", "总厂", "药厂", "制药厂", "厂", "gmbh", "ltd.", "ltd", "inc.",
                      "inc", "co.", "corporation", "s.a.", "s.p.a.", "a/s", "ag", "n.v.", "limited")
COMPANY_WORDS = ("有限公司", "公司", "株式会社", "药厂", "制药厂", "gmbh", "ltd", "inc", "corporation",
                 "limited", "s.a.", "s.p.a.", "n.v.", " ag")
# How the short names of HIS catalogues end (上海禾丰制药, 江苏恒瑞医药, 石药集团, 长春金赛生物): words of an
# industry, never the end of a drug name.
SHORT_NAME_TAILS = ("制药", "药业", "医药", "生物", "集团", "生化", "药厂", "制药厂", "股份", "实业", "医疗")
# Latin legal forms (Abbott B.V., Bayer AG): a company name's last word, however short the rest. The dotted
# and long ones say "company" alone; the bare short ones (AG, SA, AB) only after a name, else they are codes.
LEGAL_FORMS = frozenset(("gmbh", "ltd", "limited", "inc.", "co.,ltd", "corp.", "corporation", "s.a", "b.v",
                         "n.v", "s.p.a", "s.r.l", "a.g", "plc", "llc", "a/s", "pty", "株式会社"))
LEGAL_FORMS_AFTER_A_NAME = LEGAL_FORMS | {"ag", "sa", "bv", "nv", "kg", "ab", "oy", "spa", "srl", "sas", "inc",
                                          "co", "corp", "kk"}
REGIONS = ("北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江", "安徽",
           "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州", "云南", "陕西",
           "甘肃", "青海", "台湾", "内蒙古", "广西", "西藏", "宁夏", "新疆", "香港", "澳门", "中国")
_REGION_TAILS = ("省", "市", "自治区")
# Where a drug comes from, as catalogues note it next to the name: never a drug name itself.
ORIGINS = ("美国", "德国", "日本", "法国", "英国", "意大利", "瑞士", "瑞典", "丹麦", "比利时", "荷兰", "奥地利",
           "西班牙", "印度", "韩国", "爱尔兰", "加拿大", "澳大利亚", "以色列", "匈牙利", "波兰", "芬兰", "挪威",
           "新西兰", "新加坡", "泰国", "俄罗斯", "巴西", "阿根廷", "墨西哥", "葡萄牙", "捷克", "希腊", "土耳其",
           "进口", "国产", "合资", "原研")


def is_place(fragment: str) -> bool:
    """成都, 江苏省, 德国, 进口: a region or an origin noted beside a name."""
    f = fragment.strip(" ()[]")
    for tail in _REGION_TAILS:
        if f.endswith(tail) and len(f) > len(tail) + 1:
            f = f[:-len(tail)]
    return f in REGIONS or f in ORIGINS


class Shape(NamedTuple):
    stem: str
    dosage_form: str | None


class Verdict(NamedTuple):
    accepted: bool
    ambiguous: bool
    near_miss: bool


# A dosage-form name that starts with one of these (素片, 糖片) is rarely the suffix of a product: the
# character usually ends the stem (克拉霉素片, 葡萄糖片). Such a cut counts only when it leaves a known generic.
_STEM_ENDINGS = frozenset("素糖")


def shape(fragment: str, lex) -> Shape | None:
    injection = fragment.startswith(INJECTION_PREFIX)
    body = fragment[len(INJECTION_PREFIX):] if injection else fragment
    stem, form = body, None
    for n in range(min(len(body) - 2, 8), 0, -1):
        form = lex.dosage_form_suffixes.get(body[-n:])
        if form and (n == 1 or body[-n] not in _STEM_ENDINGS or known_generic(body[:-n], lex)):
            stem = body[:-n]
            break
        form = None
    if injection and lex.injection_form:
        form = lex.injection_form
    if form is None or sum(1 for ch in stem if is_hanzi(ch)) < 2:
        return None
    return Shape(stem, form)


def is_company(fragment: str) -> bool:
    """A manufacturer's name by its shape: 江阴天江药业有限公司, 诺华制药(北京)有限公司, Baxter S.A., and the
    short names of HIS catalogues: 上海禾丰制药, 国药集团宜宾制药; a Latin legal form alone (B.V., AG) is
    the last word of a company name that spaces cut up."""
    f = fragment.rstrip(" .")
    words = f.split()
    if is_legal_form(f) or (len(words) > 1 and is_legal_form(words[-1], after_a_name=True)):
        return True
    if len(f) >= 4 and any(f.endswith(w.strip()) or w in f for w in COMPANY_WORDS):
        return True
    return any(f.endswith(t) and sum(1 for ch in f[:-len(t)] if is_hanzi(ch)) >= 2 for t in SHORT_NAME_TAILS)


def is_legal_form(word: str, after_a_name: bool = False) -> bool:
    """Whether ``word`` is a Latin legal form (B.V., GmbH; with ``after_a_name`` also AG, SA)."""
    w = word.strip(" ,").lower().rstrip(".")
    return w in (LEGAL_FORMS_AFTER_A_NAME if after_a_name else LEGAL_FORMS)


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


def company_may_match(fragment: str, lex) -> bool:
    """Whether some manufacturer of the lexicon could be the same company as ``fragment`` (same_company:
    equal core names, or one a prefix of the other). When none can, the fuzzy matcher has nothing to find."""
    cores = getattr(lex, "_company_cores", None)
    if cores is None:
        cores = sorted({company_core(k) for k, es in ((k, lex.lookup(k)) for k in lex.by_key)
                        if any(e.dict == "manufacturer" for e in es)} - {""})
        lex._company_cores = cores
    core = company_core(fragment)
    if len(core) < 2:
        return _contains(cores, core)
    i = bisect.bisect_left(cores, core)
    if i < len(cores) and cores[i].startswith(core):
        return True
    return any(_contains(cores, core[:n]) for n in range(2, len(core)))


def _contains(sorted_list, x) -> bool:
    i = bisect.bisect_left(sorted_list, x)
    return i < len(sorted_list) and sorted_list[i] == x


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
    accept = settings.get("accept", DEFAULTS["accept"])
    margin = settings.get("ambiguous_margin", DEFAULTS["ambiguous_margin"])
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
        ckey = normalize_key(top["term"])
        cstem = stem_of(ckey, top["attribute"], lex)
        fstem = _stem_by_suffix(fragment, ckey, cstem, lex) or stem_of(fragment, "", lex)
        if top["attribute"] in DRUG_DICTS and fstem != cstem and (fstem in cstem or cstem in fstem):
            near = True
        # a hanzi more or less inside a drug stem names another molecule (枸橼酸芬太尼 / 枸橼酸舒芬太尼):
        # input-method typos substitute characters, they do not insert them
        if top["attribute"] in DRUG_DICTS and sum(map(is_hanzi, fstem)) != sum(map(is_hanzi, cstem)):
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


def _stem_by_suffix(fragment: str, ckey: str, cstem: str, lex) -> str | None:
    """硝苯地平空释片 against 硝苯地平控释片: a homophone typo inside the candidate's dosage-form suffix is a
    typo, not another molecule. The fragment's stem is then what stands before that suffix."""
    i = ckey.find(cstem) if cstem else -1
    if i < 0 or cstem == ckey:
        return None
    prefix, suffix = ckey[:i], ckey[i + len(cstem):]
    if not suffix or len(fragment) <= len(suffix) or not fragment.startswith(prefix):
        return None
    tail = fragment[-len(suffix):]
    if tail == suffix or typo_distance(tail, suffix, getattr(lex, "readings", None)) != 0:
        return None
    return fragment[len(prefix):-len(suffix)]


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
