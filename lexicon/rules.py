"""Rules that decide which guessed rows of the seed data the bundled lexicon keeps (tests/unit/test_lexicon_rules.py).

A row the seed data marks ``derived`` or ``synonym_candidate`` is kept only when one of these rules,
applied to its standard, reproduces it.
"""
from __future__ import annotations

import re

# Acid and salt words of Chinese generic names (盐酸左氧氟沙星, 阿托伐他汀钙, 甲磺酸伊马替尼).
SALT_PREFIXES = ("盐酸", "硫酸", "硝酸", "磷酸", "甲磺酸", "乙磺酸", "苯磺酸", "对甲苯磺酸", "马来酸", "富马酸",
                 "枸橼酸", "酒石酸", "醋酸", "乳酸", "琥珀酸", "氢溴酸", "门冬氨酸", "葡甲胺", "精氨酸",
                 "赖氨酸", "苹果酸", "草酸", "硬脂酸", "棕榈酸", "丙酸", "戊酸", "丁酸", "萘磺酸")
SALT_SUFFIXES = ("钠", "钾", "钙", "镁", "锌", "铝", "铋", "铁", "锂", "二钠", "三钠", "钠盐", "钾盐")
# A base must not end like a fragment of a salt or acid name (因卡膦酸二, 钾镁).
_BAD_BASE_ENDINGS = tuple("二三酸盐钠钾钙镁锌铝铋铁锂")
# Salt forms that are other molecules than their "base": nitroglycerin is not glycerol.
NOT_SALTS = frozenset(("硝酸甘油", "硝酸异山梨酯", "单硝酸异山梨酯", "乳酸菌素", "磷酸肌酸钠", "盐酸赖氨酸",
                       "醋酸钠", "乳酸钠", "枸橼酸钾", "硫酸镁", "硫酸锌", "硫酸亚铁", "葡萄糖酸钙"))

PROVINCES = ("北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江", "安徽",
             "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州", "云南", "陕西",
             "甘肃", "青海", "台湾", "内蒙古", "广西", "西藏", "宁夏", "新疆", "香港", "澳门")
PROVINCE_TAILS = ("省", "市", "自治区", "壮族自治区", "回族自治区", "维吾尔自治区")
CORPORATE_SUFFIXES = ("股份有限公司", "有限责任公司", "集团有限公司", "集团股份有限公司", "有限公司", "集团公司",
                      "总公司", "分公司", "公司", "集团")


def salt_base(generic: str) -> tuple[str, str] | None:
    """(salt, base) when a generic name is a salt of a base of two characters or more.

    >>> salt_base("盐酸左氧氟沙星"), salt_base("阿托伐他汀钙"), salt_base("阿莫西林")
    (('盐酸', '左氧氟沙星'), ('钙', '阿托伐他汀'), None)
    """
    if generic in NOT_SALTS:
        return None
    found = None
    for p in sorted(SALT_PREFIXES, key=len, reverse=True):
        if generic.startswith(p):
            found = p, generic[len(p):]
            break
    if found is None:
        for s in sorted(SALT_SUFFIXES, key=len, reverse=True):
            if generic.endswith(s) and not generic.endswith("酸" + s):
                found = s, generic[:-len(s)]
                break
    if found is None or len(found[1]) < 3 or found[1].endswith(_BAD_BASE_ENDINGS):
        return None
    return found


_HANZI = re.compile(r"[\u3400-\u9fff]")
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
        shape = product_form(term)
        return bool(_HANZI.search(shape[0] if shape else term))
    if _HANZI.search(term):
        return True
    need = _MIN_LATIN[dictionary]
    return need is not None and len(_LATIN.findall(term)) >= need and term.strip().lower() not in ("null", "none")


def manufacturer_short_name(name: str) -> str | None:
    """A manufacturer's name without its region prefix and corporate suffix: 江苏恒瑞医药股份有限公司 → 恒瑞医药.

    >>> manufacturer_short_name("江苏恒瑞医药股份有限公司"), manufacturer_short_name("上海市信谊药厂有限公司")
    ('恒瑞医药', '信谊药厂')
    """
    s = name.strip()
    changed = True
    while changed:
        changed = False
        for suf in CORPORATE_SUFFIXES:
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
    if len(s) < 2 or s == name:
        return None
    return s


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
_REGION_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司")


def region_in_brackets(name: str) -> list[str]:
    """The spellings of a region-first manufacturer name with the region in brackets, as catalogues of
    joint ventures write it: 北京诺华制药有限公司 → 诺华制药(北京)有限公司, 诺华(北京)制药有限公司.

    >>> region_in_brackets("浙江大冢制药有限公司")
    ['大冢制药(浙江)有限公司', '大冢(浙江)制药有限公司']
    """
    region = next((p for p in sorted(PROVINCES, key=len, reverse=True) if name.startswith(p)), None)
    suffix = next((x for x in _REGION_SUFFIXES if name.endswith(x)), None)
    if region is None or suffix is None:
        return []
    core = name[len(region):-len(suffix)]
    if core.startswith(PROVINCE_TAILS) or len(core) < 2:
        return []
    out = [f"{core}({region}){suffix}"]
    word = next((w for w in _TRADE_WORDS if core.endswith(w) and len(core) - len(w) >= 2), None)
    if word:
        out.append(f"{core[:-len(word)]}({region}){word}{suffix}")
    return out


# The product-name suffix rule lives in the package, shared with the official-list importers.
from drugnorm_admin.forms import FORM_SUFFIXES, INJECTION_FORM, INJECTION_PREFIX, product_form  # noqa: E402,F401


# Dosage-form names that are the same form as another standard, as the registration lists write them.
SAME_FORM = {"滴眼液": "滴眼剂", "滴耳液": "滴耳剂", "滴鼻液": "滴鼻剂", "口服液": "口服溶液剂", "粉针剂": "注射用无菌粉末",
             "粉针": "注射用无菌粉末", "冻干粉针剂": "注射用无菌粉末", "眼膏": "眼膏剂"}


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
