"""Rules that decide which guessed rows of the seed data the bundled lexicon keeps (tests/unit/test_lexicon_rules.py).

A row the seed data marks ``derived`` or ``synonym_candidate`` is kept only when one of these rules,
applied to its standard, reproduces it.
"""
from __future__ import annotations

import re

# The facts shared with the server code, from plpython/ (on sys.path: build_default.py, pytest).
from chars import has_hanzi, is_hanzi
from dosage_forms import INJECTION_FORM, INJECTION_PREFIX, LEXICON_BUILD_SUFFIXES, SUFFIX_FORMS

# Acid and salt words of generic names are the server's too (plpython/salts.py).
from salts import NOT_SALTS, SALT_PREFIXES, SALT_SUFFIXES, salt_base  # noqa: E402,F401

# Provinces, corporate suffixes and the other company tables are the server's (plpython/companies.py).
from companies import (CITIES, COUNTRIES, PROVINCE_TAILS, PROVINCES, REGION_BRACKET_SUFFIXES,  # noqa: E402
                       ZH_CORPORATE_SUFFIXES, is_place)

_LATIN = re.compile(r"[A-Za-z]")


# Fewest Latin letters a name without hanzi needs: PTU is a trade name, D300 and 15AA are not generics.
_MIN_LATIN = {"generic_name": 4, "product_name": None, "trade_name": 3, "manufacturer": 3}


def plausible_term(dictionary: str, term: str) -> bool:
    """Whether a seed term can be a name of its dictionary: the seeds hold pieces cut out of longer names
    (product 21, 15AA, TPF), placeholders (manufacturer ----, NULL) and specs (generic 4:1).

    >>> plausible_term("product_name", "TPF"), plausible_term("trade_name", "PTU")
    (False, True)
    """
    if dictionary not in _MIN_LATIN:
        return True
    if dictionary == "product_name":   # the name before the form suffix holds hanzi: not 18注射液, D300咀嚼片
        if not has_hanzi(term):    # an English product name: words, not a code (Atorvastatin Calcium Tablets)
            return latin_product_name(term)
        shape = product_form(term)
        return has_hanzi(shape[0] if shape else term)
    if dictionary == "manufacturer" and is_place(term):    # 意大利: where it comes from, not who makes it
        return False
    if has_hanzi(term):
        return True
    need = _MIN_LATIN[dictionary]
    return need is not None and len(_LATIN.findall(term)) >= need and term.strip().lower() not in ("null", "none")


def latin_product_name(term: str) -> bool:
    """An English product name, as registers write them: two words or more, eight letters or more, and
    mostly letters (Atorvastatin Calcium Tablets, Human Albumin; not TPF-D, 15AA, Vitamin B12 1mg).

    >>> latin_product_name("Atorvastatin Calcium Tablets"), latin_product_name("TPF-D")
    (True, False)
    """
    words = [w for w in re.split(r"[\s,()/]+", term) if w]
    letters = len(_LATIN.findall(term))
    digits = sum(ch.isdigit() for ch in term)
    return len(words) >= 2 and letters >= 8 and digits * 4 <= letters and \
        sum(1 for w in words if len(_LATIN.findall(w)) >= 3) >= 2


def plausible_alias(term: str) -> bool:
    """A curated alias: hanzi (安定, 维B1, 5-氟尿嘧啶), or a Latin abbreviation of three characters or more
    with two letters or a number joined by a hyphen (ATP, VB1, 5-FU, 654-2); not VC, NS: two letters
    are too likely to be something else.

    >>> plausible_alias("ATP"), plausible_alias("654-2"), plausible_alias("VC")
    (True, True, False)
    """
    if has_hanzi(term):
        return True
    t = term.strip()
    return len(t) >= 3 and (len(_LATIN.findall(t)) >= 2 or bool(re.fullmatch(r"\d+-\d+", t)))


def register_trade_name(term: str) -> bool:
    """A trade name as a register field gives it, not a field holding several things: a Chinese trade name
    with at most one Latin word (洛赛克MUPS, 优泌林 70/30; not 奥兹林 Cefazolin Sodium Injection 1g Bag Otsuka,
    爱丽 英文名：Hialid), a Latin brand of at most four words.

    >>> register_trade_name("洛赛克MUPS"), register_trade_name("爱丽 英文名：Hialid"), register_trade_name("Efexor XR")
    (True, False, True)
    """
    if not plausible_term("trade_name", term) or any(ch in term for ch in ":："):
        return False
    latin_words = [w for w in re.findall(r"[A-Za-z][A-Za-z.\-]*", term) if len(w) >= 2]
    if has_hanzi(term):
        return len(latin_words) <= 1
    return len(term.split()) <= 4


def manufacturer_short_name(name: str) -> str | None:
    """A manufacturer's name without its region prefix and corporate suffix: 江苏恒瑞医药股份有限公司 → 恒瑞医药.

    >>> manufacturer_short_name("江苏恒瑞医药股份有限公司"), manufacturer_short_name("上海市信谊药厂有限公司")
    ('恒瑞医药', '信谊药厂')
    """
    s = name.strip()
    changed = True
    while changed:
        changed = False
        for suf in ZH_CORPORATE_SUFFIXES:
            if s.endswith(suf) and len(s) > len(suf):
                s = s[:-len(suf)]
                changed = True
                break
    for p in sorted(PROVINCES, key=len, reverse=True):
        if s.startswith(p):
            s = s[len(p):]
            for t in sorted(PROVINCE_TAILS, key=len, reverse=True):
                if s.startswith(t):
                    s = s[len(t):]
                    break
            break
    s = s.strip("()（） ")
    if len(s) < 2 or s == name or _names_nothing(s):
        return None
    return s


def _names_nothing(s: str) -> bool:
    """Whether a name without its region holds only its industry word (青海制药有限公司 → 制药, 鞍山制药有限公司
    → 制药(鞍山)有限公司): the region was the name, and the rest would name every company of the industry.

    >>> _names_nothing("制药"), _names_nothing("制药厂"), _names_nothing("制药(集团)"), _names_nothing("信谊药厂")
    (True, True, True, False)
    """
    s = s.replace("(集团)", "").replace("（集团）", "")
    s = s[:-1] if s.endswith("厂") else s
    s = s[:-2] if s.endswith("集团") else s
    return not s or (_industry_word(s) == s)


_NOTE = re.compile(r"\s*[（(][^()（）]*(分装|国|原名|原[:：]|日本|德国|美国|法国|英国|意大利|瑞士|比利时|"
                   r"丹麦|瑞典|西班牙|荷兰|奥地利|爱尔兰|印度|韩国|澳大利亚|加拿大|以色列)[^()（）]*[)）]\s*$")


def strip_notes(raw: str) -> str:
    """A manufacturer string without trailing notes of country, 分装 or former name, as HIS catalogues add them.

    >>> strip_notes("UCB Pharma S.A.(比利时)")
    'UCB Pharma S.A.'
    >>> strip_notes("扬子江药业集团有限公司（原名：江苏扬子江药业集团有限公司）")
    '扬子江药业集团有限公司'
    """
    s = raw
    while True:
        t = _NOTE.sub("", s)
        if t == s:
            return s.strip()
        s = t


# The words of a manufacturer's name that say what it makes; HIS catalogues put the region in brackets
# before them (大冢(浙江)制药有限公司) or before the corporate suffix (诺华制药(北京)有限公司).
_TRADE_WORDS = ("生物制药", "制药", "药业", "医药", "生物", "医疗用品", "药厂")


def region_in_brackets(name: str) -> list[str]:
    """The spellings of a region-first manufacturer name (a province or a prefecture-level city) with the
    region in brackets, as catalogues of joint ventures write it: 北京诺华制药有限公司 → 诺华制药(北京)有限公司,
    诺华(北京)制药有限公司; 杭州默沙东制药有限公司 → 默沙东制药(杭州)有限公司.

    >>> region_in_brackets("浙江大冢制药有限公司")
    ['大冢制药(浙江)有限公司', '大冢(浙江)制药有限公司']
    """
    region = next((p for p in sorted(PROVINCES + CITIES, key=len, reverse=True) if name.startswith(p)), None)
    suffix = next((x for x in REGION_BRACKET_SUFFIXES if name.endswith(x)), None)
    if region is None or suffix is None:
        return []
    core = name[len(region):-len(suffix)]
    if core.startswith(PROVINCE_TAILS) or len(core) < 2 or _names_nothing(core):
        return []
    out = [f"{core}({region}){suffix}"]
    word = next((w for w in _TRADE_WORDS if core.endswith(w) and len(core) - len(w) >= 2), None)
    if word:
        out.append(f"{core[:-len(word)]}({region}){word}{suffix}")
    return out


# --- Product names and their dosage forms, by plpython/dosage_forms.py's table ---------------------------

# The suffixes this build reads product names by (dosage_forms.LEXICON_BUILD_SUFFIXES says why not all).
FORM_SUFFIXES = {s: f for s, f in SUFFIX_FORMS.items() if s in LEXICON_BUILD_SUFFIXES}


def product_form(product: str) -> tuple[str, str] | None:
    """(stem, dosage form) of a product name by FORM_SUFFIXES (not the importers' rule, drugnorm_admin/forms.py).

    >>> product_form("阿托伐他汀钙片"), product_form("注射用盐酸伊立替康"), product_form("奥美拉唑镁肠溶片")
    (('阿托伐他汀钙', '片剂'), ('盐酸伊立替康', '注射用无菌粉末'), ('奥美拉唑镁', '肠溶片'))
    """
    if product.startswith(INJECTION_PREFIX) and len(product) > len(INJECTION_PREFIX) + 1:
        return product[len(INJECTION_PREFIX):], INJECTION_FORM
    for suf in sorted(FORM_SUFFIXES, key=len, reverse=True):
        if product.endswith(suf) and len(product) - len(suf) >= 2:
            return product[:-len(suf)], FORM_SUFFIXES[suf]
    return None


# Dosage-form names that are the same form as another standard, as the registration lists write them.
SAME_FORM = {**{name: SUFFIX_FORMS[name] for name in ("滴眼液", "滴耳液", "滴鼻液", "口服液", "粉针", "眼膏")},
             "粉针剂": INJECTION_FORM, "冻干粉针剂": INJECTION_FORM}


def same_form(form: str, is_standard) -> str | None:
    """The standard a dosage-form name should be a synonym of: X when X剂 is a standard, or SAME_FORM.

    >>> same_form("胶囊", lambda t: t == "胶囊剂"), same_form("滴眼液", lambda t: True), same_form("片剂", lambda t: True)
    ('胶囊剂', '滴眼剂', None)
    """
    if form in SAME_FORM and is_standard(SAME_FORM[form]):
        return SAME_FORM[form]
    if not form.endswith("剂") and is_standard(form + "剂"):
        return form + "剂"
    return None


# --- Manufacturer short forms (rule:short_form …), as HIS catalogues write makers: 上海禾丰制药, 恒瑞医药 ---

# Chinese legal-form endings, longest first. 株式会社 is the Japanese KK.
ZH_LEGAL_FORMS = ("集团股份有限公司", "集团有限责任公司", "集团有限公司", "股份有限公司", "有限责任公司", "有限公司",
                  "集团公司", "总公司", "株式会社", "公司")
# Interchangeable legal forms of one enterprise: a company keeps its name (字号) when it changes between
# them (有限公司 ↔ 有限责任公司 are one form; 有限 → 股份 is a restructuring), and catalogues cut the form
# to 公司. 集团 is part of the name, not of the form, and is not varied.
_VARIABLE_FORMS = ("股份有限公司", "有限责任公司", "有限公司", "公司")
# A name that is a branch, plant or packer of another (…有限公司广州分公司, …大阪工厂) is not shortened:
# its short form would be its parent's.
_BRANCH_WORDS = ("分公司", "分厂", "工厂", "工场", "车间", "分装", "办事处", "经营部", "分店", "受托", "委托")
# The words that say what a manufacturer makes, longest first. A short form without its region must end
# with one of them and keep two characters before it.
INDUSTRY_WORDS = ("生物制药", "生化制药", "化学制药", "生物医药", "生物制品", "生物工程", "生物技术", "生物科技",
                  "制药", "药业", "医药", "生物", "药厂", "药品")
_REGION_WORDS = tuple(sorted(set(PROVINCES) | set(CITIES) | set(COUNTRIES), key=len, reverse=True))
_CITY_TAILS = ("市", "地区")
_NUMERALS = set("第一二三四五六七八九十百0123456789")
_BRACKETS = str.maketrans("（）", "()")


def _leading_region(s: str) -> tuple[str, str, str] | None:
    """(region, its tail 省/市/… as written, rest) when s starts with a province, city or country."""
    for r in _REGION_WORDS:
        if s.startswith(r) and len(s) > len(r):
            rest = s[len(r):]
            for t in sorted(PROVINCE_TAILS + _CITY_TAILS, key=len, reverse=True):
                if rest.startswith(t) and len(rest) > len(t):
                    return r, t, rest[len(t):]
            return r, "", rest
    return None


def _is_region(s: str) -> bool:
    return s in _REGION_WORDS or any(s == r + t for r in _REGION_WORDS for t in PROVINCE_TAILS + _CITY_TAILS)


def _industry_word(s: str) -> str | None:
    return next((w for w in INDUSTRY_WORDS if s.endswith(w)), None)


def _core(form: str) -> str:
    """What names the company: the form without leading regions, a trailing 集团 and an industry word."""
    s = form
    while True:
        lead = _leading_region(s)
        if lead is None:
            break
        s = lead[2]
    if s.endswith("集团"):
        s = s[:-2]
    word = _industry_word(s)
    return s[:-len(word)] if word and len(s) > len(word) else ("" if word else s)


def distinctive_short_form(form: str) -> bool:
    """Whether a short company name names one company: four characters or more, all hanzi, and a core
    besides its regions and industry word. Without a region, the core has two characters or more and is
    not a number (第一制药, 上海医药, 北京制药, 礼来 name no one company; 上海第一制药 does).

    >>> distinctive_short_form("恒瑞医药"), distinctive_short_form("第一制药"), distinctive_short_form("上海第一制药")
    (True, False, True)
    """
    if len(form) < 4 or not all(is_hanzi(ch) for ch in form):
        return False
    core = _core(form)
    if _leading_region(form) is not None:
        return bool(core) and not _is_region(core)
    return len(core) >= 2 and not _is_region(core) and not all(ch in _NUMERALS for ch in core) \
        and not core.startswith("第")


def _drop_bracketed_region(name: str) -> tuple[str, bool] | None:
    """(诺华制药有限公司, True) for 诺华制药(北京)有限公司: the name without a region in brackets, and whether
    there was one; None when a bracket holds anything but a region or 集团 (notes of former names, packers
    and countries are not guessed at)."""
    s = name.translate(_BRACKETS)
    out, i, dropped = [], 0, False
    while i < len(s):
        if s[i] == "(":
            j = s.find(")", i)
            if j < 0 or "(" in s[i + 1:j]:
                return None
            inner = s[i + 1:j].strip()
            if inner == "集团":                     # 华北制药(集团)有限责任公司: 集团 is part of the name
                out.append(inner)
            elif _is_region(inner):
                dropped = True
            else:
                return None
            i = j + 1
            continue
        if s[i] == ")":
            return None
        out.append(s[i])
        i += 1
    return "".join(out), dropped


def _legal_form_inside(s: str) -> bool:
    """浙江医药股份有限公司新昌制药厂: a company inside the name (before its end), whose factory this is."""
    return any(f in s[:-1] for f in ("公司", "株式会社"))


def _strip_legal_form(s: str) -> list[str]:
    """The stages of taking the legal form off: 扬子江药业集团有限公司 → [扬子江药业集团, 扬子江药业];
    江苏恒瑞医药股份有限公司 → [江苏恒瑞医药股份, 江苏恒瑞医药]; a factory: 广州南新制药厂 → [广州南新制药]."""
    out = []
    form = next((f for f in ZH_LEGAL_FORMS if s.endswith(f) and len(s) > len(f)), None)
    if form:
        if form == "股份有限公司":
            out.append(s[:-len("有限公司")])        # 山东凤凰制药股份: catalogues cut the form short
        s = s[:-len(form)]
        if form.startswith("集团"):
            out.append(s + "集团")
        out.append(s)
    for factory in ("制药总厂", "制药厂"):          # the old state factories: 东北制药总厂, 广州南新制药厂
        if s.endswith(factory):
            if s not in out:
                out.append(s)
            s = s[:-len(factory)] + "制药"
            out.append(s)
            break
    if s.endswith("集团") and len(s) > 2:
        s = s[:-2]
        out.append(s)
    return [x for x in out if x]


def manufacturer_short_forms(name: str) -> list[tuple[str, str]]:
    """The short forms of a full Chinese company name, as (form, rule): the name without its legal form
    (``short_form``: 上海禾丰制药有限公司 → 上海禾丰制药, 上海市信谊药厂有限公司 → 上海信谊药厂), also without its
    region when it stays distinctive and ends with an industry word (``short_form_without_region``:
    禾丰制药; a region in brackets: 诺华制药(北京)有限公司 → 诺华制药). Branches, plants, packers and names
    with notes give nothing.

    >>> manufacturer_short_forms("江苏恒瑞医药股份有限公司")  # doctest: +NORMALIZE_WHITESPACE
    [('江苏恒瑞医药股份', 'short_form'), ('江苏恒瑞医药', 'short_form'), ('恒瑞医药', 'short_form_without_region')]
    """
    s = "".join(name.split())
    if not s or not any(is_hanzi(ch) for ch in s) or any(ch.isascii() and ch.isalnum() for ch in s):
        return []
    if any(w in s for w in _BRANCH_WORDS):
        return []
    dropped = _drop_bracketed_region(s)
    if dropped is None or _legal_form_inside(dropped[0]):
        return []
    base, bracketed = dropped
    out: list[tuple[str, str]] = []

    def add(form, rule):
        if form != s and distinctive_short_form(form) and all(f != form for f, _ in out):
            out.append((form, "short_form_without_region" if bracketed else rule))

    for st in _strip_legal_form(base):
        add(st, "short_form")
        if st.endswith("股份"):
            continue
        lead = _leading_region(st)
        if lead and lead[1]:
            add(lead[0] + lead[2], "short_form")       # 上海市信谊药厂 → 上海信谊药厂
        rest = st
        while lead is not None:
            rest = lead[2]
            if _industry_word(rest):
                add(rest, "short_form_without_region")
            lead = _leading_region(rest)
    return out


def legal_form_variants(name: str) -> list[str]:
    """The same enterprise under its other legal forms, as catalogues and registers write it after a
    restructuring or cut short: 重庆药友制药有限责任公司 → 重庆药友制药有限公司, …股份有限公司, …公司.
    A leading 省/市 may also be left out (吉林省东方制药有限公司 → 吉林东方制药有限公司).

    >>> legal_form_variants("青岛黄海制药有限公司")
    ['青岛黄海制药股份有限公司', '青岛黄海制药有限责任公司', '青岛黄海制药公司']
    """
    s = "".join(name.split())
    if not s or not all(is_hanzi(ch) for ch in s) or any(w in s for w in _BRANCH_WORDS):
        return []
    form = next((f for f in _VARIABLE_FORMS if s.endswith(f)), None)
    if form is None or s.endswith(("集团公司", "总公司")):
        return []
    core = s[:-len(form)]
    if core.endswith("集团") or any(f in core for f in ("公司", "株式会社")) or not distinctive_short_form(core):
        return []
    cores = [core]
    lead = _leading_region(core)
    if lead and lead[1]:                          # 吉林省东方制药 → 吉林东方制药
        cores.append(lead[0] + lead[2])
    out = []
    for c in cores:
        for f in _VARIABLE_FORMS:
            v = c + f
            if v != s and v not in out:
                out.append(v)
    return out


# Latin legal forms written with a final period, which catalogues drop or add (ITALFARMACO S.A / S.A.).
_DOTTED_FORMS = ("s.a.", "ltd.", "inc.", "co.", "corp.", "b.v.", "n.v.", "s.p.a.", "s.r.l.", "s.a.s.", "l.l.c.",
                 "k.k.", "d.d.", "pte.", "pty.")


def latin_form_variants(name: str) -> list[str]:
    """A Latin manufacturer name with the final period of its legal form dropped or added, as catalogues
    write it: ITALFARMACO S.A. → ITALFARMACO S.A; Abbott Laboratories Ltd → Abbott Laboratories Ltd.

    >>> latin_form_variants("ITALFARMACO S.A."), latin_form_variants("Pfizer Ltd"), latin_form_variants("Bayer AG")
    (['ITALFARMACO S.A'], ['Pfizer Ltd.'], [])
    """
    s = " ".join(name.split())
    if not s or has_hanzi(s) or len(_LATIN.findall(s)) < 6:
        return []
    low = s.lower()
    for form in _DOTTED_FORMS:
        if low.endswith(form) and (len(low) == len(form) or not low[-len(form) - 1].isalnum()):
            return [s[:-1]] if len(s) > len(form) else []
        if low.endswith(form[:-1]) and len(low) > len(form) and not low[-len(form)].isalnum():
            return [s + "."]
    return []


# Latin legal forms, as the end of a manufacturer's name (Abbott Laboratories Ltd., Kyowa Kirin Co., Ltd.).
LATIN_LEGAL_FORMS = ("gmbh & co. kg", "gmbh & co.kg", "gmbh&co.kg", "co., ltd.", "co.,ltd.", "co., ltd", "co.,ltd",
                     "co. ltd.", "co. ltd", "co ltd", "pty. ltd.", "pty ltd.", "pty ltd", "pte. ltd.", "pte ltd",
                     "private limited", "sdn. bhd.", "sdn bhd", "s.a. de c.v.", "sp. z o.o.", "gmbh", "kgaa",
                     "ag", "ltd.", "ltd", "limited", "inc.", "inc", "incorporated", "corporation", "corp.", "corp",
                     "llc", "l.l.c.", "lp", "l.p.", "plc", "s.a.s.", "s.a.s", "sas", "s.a.", "s.a", "sa", "s.p.a.",
                     "s.p.a", "spa", "s.r.l.", "s.r.l", "srl", "b.v.", "b.v", "bv", "n.v.", "n.v", "nv", "a/s", "ab",
                     "oy", "oyj", "k.k.", "kk", "kft", "d.d.", "s.l.", "ulc", "zrt.", "株式会社")
# Words that do not name a company on their own.
GENERIC_LATIN = frozenset(("pharma", "pharmaceutical", "pharmaceuticals", "laboratories", "laboratory",
                           "laboratoires", "labs", "healthcare", "health", "medical", "biologicals", "biotech",
                           "international", "holding", "holdings", "group", "company", "the", "and", "of", "de",
                           "products", "manufacturing", "industries", "industry", "europe", "china", "usa",
                           "deutschland", "france", "italia", "uk", "japan", "co", "co.", "&"))


def latin_short_form(name: str) -> str | None:
    """A Latin manufacturer name without its legal form, when what is left still names one company: two
    words or more, or one word of six letters or more, not all generic (Pharma, Laboratories).

    >>> latin_short_form("Abbott Laboratories Ltd."), latin_short_form("Kyowa Kirin Co., Ltd."), latin_short_form("Pharma AG")
    ('Abbott Laboratories', 'Kyowa Kirin', None)
    """
    s = " ".join(name.split())
    if not s or not s[0].isalnum() or any(is_hanzi(ch) for ch in s) or any(ch in s for ch in "()（）"):
        return None
    low = s.lower()
    for form in sorted(LATIN_LEGAL_FORMS, key=len, reverse=True):
        if low.endswith(form) and len(low) > len(form):
            before = s[-len(form) - 1]
            if form[0].isalpha() and (before.isalnum() and not (before.islower() and s[-len(form)].isupper())):
                continue          # glued into a word: Nagoya, Biotag; a spaceless AbbottLaboratoriesGmbH is cut
            short = s[:-len(form)].rstrip(" ,.-&/")
            break
    else:
        return None
    words = [w for w in short.replace(",", " ").split() if w]
    if not words or all(w.lower().strip(".") in GENERIC_LATIN for w in words):
        return None
    letters = sum(ch.isalpha() for ch in short)
    if len(words) == 1 and letters < 6:
        return None
    if short.lower().endswith((" and", " of", " de", " &")):
        return None
    return short
