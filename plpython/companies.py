"""Manufacturers: how a company name looks, what names the company in it, and when two names are one
company. The parse uses it to tell a maker from a drug (a company never reaches the fuzzy matcher
unless the lexicon could hold it) and to accept a fuzzy manufacturer only with the same core name; the
lexicon build (lexicon/rules.py) takes its suffix and region tables from here.

- Shape: a corporate suffix or an industry word at the end (江阴天江药业有限公司, 上海禾丰制药), or a Latin
  legal form as the last word (Baxter S.A., Abbott B.V.).
- Core name: the name without bracketed notes, region words and corporate suffixes:
  诺华制药(北京)有限公司 and 北京诺华制药有限公司 are both 诺华制药; two names are one company when their
  cores agree or one starts with the other, and they state no different places (province, city, country;
  places_differ) and are not a parent and its branch.
- Places: a region or an origin noted beside a name (江苏, 德国, 进口) is neither a drug nor a maker.

>>> company_core("诺华制药(北京)有限公司"), is_company("上海禾丰制药"), is_company("阿莫西林胶囊")
('诺华制药', True, False)
"""
from __future__ import annotations

import bisect
import re

from chars import has_hanzi, is_hanzi

# Provinces and their tails (江苏省, 广西壮族自治区), as names of manufacturers start with them.
PROVINCES = ("北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江", "安徽",
             "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州", "云南", "陕西",
             "甘肃", "青海", "台湾", "内蒙古", "广西", "西藏", "宁夏", "新疆", "香港", "澳门")
PROVINCE_TAILS = ("省", "市", "自治区", "壮族自治区", "回族自治区", "维吾尔自治区")
# Prefecture-level cities (地级市), as names of manufacturers start with them (广州白云山制药, 汕头金石制药) and
# as catalogues note where a reagent or a herb comes from (无水硫酸钠 500g×1瓶 南京).
CITIES = (
    "石家庄", "唐山", "秦皇岛", "邯郸", "邢台", "保定", "张家口", "承德", "沧州", "廊坊", "衡水",
    "太原", "大同", "阳泉", "长治", "晋城", "朔州", "晋中", "运城", "忻州", "临汾", "吕梁",
    "呼和浩特", "包头", "乌海", "赤峰", "通辽", "鄂尔多斯", "呼伦贝尔", "巴彦淖尔", "乌兰察布",
    "沈阳", "大连", "鞍山", "抚顺", "本溪", "丹东", "锦州", "营口", "阜新", "辽阳", "盘锦", "铁岭", "葫芦岛",
    "长春", "吉林", "四平", "辽源", "通化", "白山", "松原", "白城", "延边",
    "哈尔滨", "齐齐哈尔", "鸡西", "鹤岗", "双鸭山", "大庆", "伊春", "佳木斯", "七台河", "牡丹江", "黑河", "绥化",
    "南京", "无锡", "徐州", "常州", "苏州", "南通", "连云港", "淮安", "盐城", "扬州", "镇江", "泰州", "宿迁",
    "杭州", "宁波", "温州", "嘉兴", "湖州", "绍兴", "金华", "衢州", "舟山", "台州", "丽水",
    "合肥", "芜湖", "蚌埠", "淮南", "马鞍山", "淮北", "铜陵", "安庆", "黄山", "滁州", "阜阳", "宿州", "六安",
    "亳州", "池州", "宣城",
    "福州", "厦门", "莆田", "三明", "泉州", "漳州", "南平", "龙岩", "宁德",
    "南昌", "景德镇", "萍乡", "九江", "新余", "鹰潭", "赣州", "吉安", "宜春", "抚州", "上饶",
    "济南", "青岛", "淄博", "枣庄", "东营", "烟台", "潍坊", "济宁", "泰安", "威海", "日照", "临沂", "德州",
    "聊城", "滨州", "菏泽",
    "郑州", "开封", "洛阳", "平顶山", "安阳", "鹤壁", "新乡", "焦作", "濮阳", "许昌", "漯河", "三门峡", "南阳",
    "商丘", "信阳", "周口", "驻马店",
    "武汉", "黄石", "十堰", "宜昌", "襄阳", "鄂州", "荆门", "孝感", "荆州", "黄冈", "咸宁", "随州", "恩施",
    "长沙", "株洲", "湘潭", "衡阳", "邵阳", "岳阳", "常德", "张家界", "益阳", "郴州", "永州", "怀化", "娄底",
    "广州", "韶关", "深圳", "珠海", "汕头", "佛山", "江门", "湛江", "茂名", "肇庆", "惠州", "梅州", "汕尾",
    "河源", "阳江", "清远", "东莞", "中山", "潮州", "揭阳", "云浮",
    "南宁", "柳州", "桂林", "梧州", "北海", "防城港", "钦州", "贵港", "玉林", "百色", "贺州", "河池", "来宾", "崇左",
    "海口", "三亚",
    "成都", "自贡", "攀枝花", "泸州", "德阳", "绵阳", "广元", "遂宁", "内江", "乐山", "南充", "眉山", "宜宾",
    "广安", "达州", "雅安", "巴中", "资阳",
    "贵阳", "六盘水", "遵义", "安顺", "毕节", "铜仁",
    "昆明", "曲靖", "玉溪", "保山", "昭通", "丽江", "普洱", "临沧",
    "拉萨", "日喀则", "林芝",
    "西安", "铜川", "宝鸡", "咸阳", "渭南", "延安", "汉中", "榆林", "安康", "商洛",
    "兰州", "嘉峪关", "金昌", "白银", "天水", "武威", "张掖", "平凉", "酒泉", "庆阳", "定西", "陇南",
    "西宁", "银川", "石嘴山", "吴忠", "固原", "中卫", "乌鲁木齐", "克拉玛依", "吐鲁番", "哈密",
)
# The region words a core name loses at its start, and the tails taken with them.
REGIONS = PROVINCES + ("中国",)
_REGION_TAILS = ("省", "市", "自治区")
_BRACKETS = frozenset("()[]")
# Countries, as foreign manufacturers' names start with them in Chinese (日本参天制药株式会社) and as
# catalogues note a drug's origin beside its name (德国, 瑞士); the lexicon build strips them too.
COUNTRIES = ("中国", "美国", "日本", "德国", "英国", "法国", "瑞士", "瑞典", "丹麦", "意大利", "比利时", "荷兰",
             "奥地利", "西班牙", "爱尔兰", "韩国", "印度", "澳大利亚", "加拿大", "以色列", "芬兰", "挪威", "匈牙利",
             "波兰", "新加坡", "葡萄牙", "希腊", "捷克", "俄罗斯", "泰国", "马来西亚", "印度尼西亚", "巴西",
             "阿根廷", "墨西哥", "新西兰", "南非", "斯洛文尼亚", "克罗地亚", "冰岛", "卢森堡", "土耳其", "塞浦路斯")
# Where a drug comes from, as catalogues note it next to the name: never a drug name itself. Foreign makers'
# Latin names end with their country too (Novartis Pharma Stein Switzerland, … GmbH(Germany)).
ORIGINS = COUNTRIES + ("进口", "国产", "合资", "原研") + (
    "germany", "switzerland", "sweden", "denmark", "france", "italy", "spain", "belgium", "netherlands",
    "holland", "austria", "ireland", "japan", "korea", "india", "australia", "canada", "israel", "finland",
    "norway", "hungary", "poland", "singapore", "portugal", "greece", "england", "usa", "u.s.a", "uk")
# The places that tell a group's companies apart (company_place, company_city), longest first: 内蒙古 before
# 内蒙. 吉林 is the province's (a city's name the same as its province tells nothing more).
_CITY_SET = frozenset(CITIES)
_PLACES_LONGEST_FIRST = tuple(sorted(set(PROVINCES + COUNTRIES), key=len, reverse=True))
_CITIES_LONGEST_FIRST = tuple(sorted(_CITY_SET - set(PROVINCES), key=len, reverse=True))
_CITIES_TOLD = frozenset(_CITIES_LONGEST_FIRST)
_PLACES_BY_FIRST: dict[str, list[str]] = {}    # the places by their first character (company_place)
for _p in _PLACES_LONGEST_FIRST:
    _PLACES_BY_FIRST.setdefault(_p[0], []).append(_p)
_BRACKETED = re.compile(r"\(([^()]*)\)")
_COUNTRY_SET = frozenset(COUNTRIES) - {"中国"}
# The words that make a company a branch of another (珠海联邦制药股份有限公司中山分公司).
_BRANCH_WORDS = ("分公司", "分厂")

# Everything that ends a manufacturer's name without naming the company (company_core strips them, in
# this order, until none is left): a packer's note (PACKER_WORDS), legal forms, group and branch words, works
# (厂), Latin legal forms.
CORPORATE_SUFFIXES = ("分包装", "分装", "股份有限公司", "有限责任公司", "集团有限公司", "有限公司", "集团公司", "总公司", "分公司",
                      "公司", "株式会社", "集团", "总厂", "药厂", "制药厂", "厂", "gmbh", "ltd.", "ltd", "inc.",
                      "inc", "co.", "corporation", "s.a.", "s.p.a.", "a/s", "ag", "n.v.", "limited")
# The words of a packer's note: 拜耳医药保健有限公司分装 (packed by it) names the packer, not the maker.
PACKER_WORDS = ("分包装", "分装")
# (index, suffix) of the corporate suffixes by their last character, in order (company_core).
_SUFFIXES_BY_LAST: dict[str, list[tuple[int, str]]] = {}
for _n, _suf in enumerate(CORPORATE_SUFFIXES):
    _SUFFIXES_BY_LAST.setdefault(_suf[-1], []).append((_n, _suf))
# Every start of a corporate suffix: a core name that is one names nothing (names_a_company).
_SUFFIX_STARTS = frozenset(suf[:n] for suf in CORPORATE_SUFFIXES for n in range(1, len(suf) + 1))
# Their Chinese legal-form and group words only: a short name (lexicon/rules.py manufacturer_short_name)
# loses these and keeps its works word (上海市信谊药厂有限公司 → 信谊药厂).
ZH_CORPORATE_SUFFIXES = tuple(x for x in CORPORATE_SUFFIXES if x.endswith(("公司", "集团")))
# The legal forms before which catalogues of joint ventures put the region in brackets (诺华制药(北京)有限公司).
REGION_BRACKET_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司")
# Words that make a fragment a company wherever they stand in it (or at its end, for " ag"); the institutes
# of biological products (兰州生物制品研究所) make vaccines and blood products.
COMPANY_WORDS = ("有限公司", "公司", "株式会社", "药厂", "制药厂", "总厂", "研究所", "研究院")
# Their Latin counterparts count as whole words only: vincristine and zinc hold "inc", and are no company.
_LATIN_COMPANY_WORD = re.compile(r"(?<![a-z])(?:gmbh|ltd|inc|incorporated|corporation|limited|s\.a\.|s\.p\.a\.|n\.v\.)(?![a-z])"
                                 r"|\sag(?![a-z])", re.IGNORECASE)
# How the short names of HIS catalogues end (上海禾丰制药, 江苏恒瑞医药, 石药集团, 长春金赛生物): words of an
# industry, never the end of a drug name.
SHORT_NAME_TAILS = ("制药", "药业", "医药", "生物", "集团", "生化", "药厂", "制药厂", "股份", "实业", "医疗")
# Latin legal forms (Abbott B.V., Bayer AG): a company name's last word, however short the rest. The dotted
# and long ones say "company" alone; the bare short ones (AG, SA, AB) only after a name, else they are codes.
LEGAL_FORMS = frozenset(("gmbh", "ltd", "limited", "inc.", "co.,ltd", "corp.", "corporation", "s.a", "b.v",
                         "n.v", "s.p.a", "s.r.l", "a.g", "plc", "llc", "a/s", "pty", "株式会社"))
LEGAL_FORMS_AFTER_A_NAME = LEGAL_FORMS | {"ag", "sa", "bv", "nv", "kg", "ab", "oy", "spa", "srl", "sas", "inc",
                                          "co", "corp", "kk"}


def is_place(fragment: str) -> bool:
    """成都, 江苏省, 德国, 进口: a region, a city or an origin noted beside a name. A city alone names no maker:
    many companies share it (南京 is not 南京南大药业)."""
    f = fragment.strip(" ()[]")
    for tail in _REGION_TAILS:
        if f.endswith(tail) and len(f) > len(tail) + 1:
            f = f[:-len(tail)]
    return f in REGIONS or f in ORIGINS or f in _CITY_SET


def is_company(fragment: str) -> bool:
    """A manufacturer's name by its shape: 江阴天江药业有限公司, 诺华制药(北京)有限公司, Baxter S.A., and the
    short names of HIS catalogues: 上海禾丰制药, 国药集团宜宾制药; a Latin legal form alone (B.V., AG) is
    the last word of a company name that spaces cut up; a place in brackets after one (诺华制药(瑞士)) is its.

    >>> is_company("诺华制药(瑞士)"), is_company("阿莫西林胶囊(国产)")
    (True, False)
    """
    f = fragment.rstrip(" .")
    packer = next((w for w in PACKER_WORDS if f.endswith(w)), None) if f.endswith(PACKER_WORDS) else None
    if packer:
        f = f[:-len(packer)]
    open_ = f.rfind("(")
    if open_ > 0 and f.endswith(")") and is_place(f[open_ + 1:-1]):
        if packer:
            return True         # 施维雅(天津)分装: packed by the group's company there
        f = f[:open_].rstrip()
    words = f.split()
    if is_legal_form(f) or (len(words) > 1 and is_legal_form(words[-1], after_a_name=True)):
        return True
    if len(f) >= 4 and (any(map(f.__contains__, COMPANY_WORDS)) or _LATIN_COMPANY_WORD.search(f)):
        return True
    return f.endswith(SHORT_NAME_TAILS) and \
        any(f.endswith(t) and sum(1 for ch in f[:-len(t)] if is_hanzi(ch)) >= 2 for t in SHORT_NAME_TAILS)


def is_packer(fragment: str) -> bool:
    """Whether a manufacturer's name is a packer's note (拜耳医药保健有限公司分装, 施维雅(天津)分装)."""
    return fragment.rstrip(" ).").endswith(PACKER_WORDS)


def is_legal_form(word: str, after_a_name: bool = False) -> bool:
    """Whether ``word`` is a Latin legal form (B.V., GmbH; with ``after_a_name`` also AG, SA)."""
    w = word.strip(" ,").lower().rstrip(".")
    return w in (LEGAL_FORMS_AFTER_A_NAME if after_a_name else LEGAL_FORMS)


def is_bracketed_company(word: str) -> bool:
    """诺华制药(北京)有限公司: a region in brackets before the corporate suffix, which does not cut the name
    (segmentation keeps such a word whole)."""
    return bracketed_company_end(word) > 0


def bracketed_company_end(word: str) -> int:
    """Where the bracketed company a word holds ends (is_bracketed_company), 0 when it holds none. A short
    Latin code that a catalogue glues after the suffix is not part of the name (萌蒂(英国)制药有限公司S).

    >>> bracketed_company_end("萌蒂(英国)制药有限公司s"), bracketed_company_end("氯化钠注射液(百特)")
    (12, 0)
    """
    code = len(word) - len(word.rstrip("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    end = len(word) - code if code <= _MAX_CODE else len(word)
    close = word.rfind(")", 0, end)
    if close <= 0 or "(" not in word[:close] or word.startswith("("):
        return 0
    tail = word[close + 1:end]
    if tail and tail.endswith(CORPORATE_SUFFIXES) and len(tail) <= 10:
        return end
    # a place in brackets after a company's short name, or before its industry word: 默沙东制药(美国),
    # 博福-益普生(天津)制药 (catalogues write the company of a group so)
    open_ = word.rfind("(", 0, close)
    if open_ > 0 and is_place(word[open_ + 1:close]) and \
            (tail in SHORT_NAME_TAILS or (not tail and is_company(word[:open_]))):
        return end
    return 0


def region_and_suffix_end(word: str) -> int:
    """Where ``(上海)有限公司``, a place in brackets and a corporate suffix, ends in a word (0: it is not one):
    the rest of a company's name that a space cut off (通用电气药业 (上海)有限公司).

    >>> region_and_suffix_end("(上海)有限公司s"), region_and_suffix_end("(乙)")
    (8, 0)
    """
    close = word.find(")")
    if not word.startswith("(") or close < 0 or not is_place(word[1:close]):
        return 0
    end = bracketed_company_end("名" + word)    # any name before the bracket: only what follows it counts
    return end - 1 if end else 0


# The longest catalogue code glued after a company name (ZSY).
_MAX_CODE = 3


def company_core(name: str) -> str:
    """A manufacturer's name without bracketed notes, region words and corporate suffixes:
    诺华制药(北京)有限公司 and 北京诺华制药有限公司 are both 诺华制药.

    A backend computes it for every manufacturer of the lexicon (company_may_match), so each step is skipped
    when a test in C says it cannot change the name.

    >>> company_core("诺华制药(北京)有限公司"), company_core("北京诺华制药有限公司"), company_core("江苏省恒瑞医药")
    ('诺华制药', '诺华制药', '恒瑞医药')
    """
    if _BRACKETS.isdisjoint(name):
        s = name.strip(" .,")
    else:
        out, depth = [], 0
        for ch in name:
            if ch in "([":
                depth += 1
            elif ch in ")]":
                depth = max(0, depth - 1)
            elif depth == 0:
                out.append(ch)
        s = "".join(out).strip(" .,")
    while s.endswith(CORPORATE_SUFFIXES):      # else a pass over the suffixes changes nothing
        before = s
        # one pass over the suffixes in order, each stripped if s ends with it then; only those ending in
        # s's last character can, so they are the ones tried (a loop over all of them was most of the cost)
        k = 0
        while s:
            for n, suf in _SUFFIXES_BY_LAST.get(s[-1], ()):
                if n >= k and s.endswith(suf):
                    break
            else:
                break
            if len(s) > len(suf) + 1:
                s = s[:-len(suf)].strip(" .,")
            k = n + 1
        if s == before:
            break
    if s.startswith(REGIONS):
        for r in REGIONS:
            if s.startswith(r) and len(s) > len(r) + 1:
                s = s[len(r):]
                for t in _REGION_TAILS:
                    if s.startswith(t):
                        s = s[len(t):]
                break
    return s


def same_company(a: str, b: str) -> bool:
    """Equal core names, or one a prefix of the other (恒瑞医药 / 江苏恒瑞医药股份有限公司), and no two
    places named: a group's companies share its core name, and the place tells them apart (上海恒瑞医药 is
    not 江苏恒瑞医药, 日本参天制药 not 参天制药(中国)).

    >>> same_company("上海恒瑞医药股份有限公司", "江苏恒瑞医药股份有限公司"), same_company("恒瑞医药", "江苏恒瑞医药")
    (False, True)

    A group's name written with its country names the foreign company, not a longer-named one of the group
    that states no country (礼来(美国)公司 is not 礼来苏州制药); a branch is not its parent company; a
    legal form alone (Co.Ltd) names no company, and a Latin name is a prefix of another only at a word's end.

    >>> same_company("礼来(美国)公司", "礼来苏州制药"), same_company("珠海联邦制药", "珠海联邦制药中山分公司")
    (False, False)
    >>> same_company("co.ltd", "codal synto ltd"), same_company("pierre", "pierre fabre medicament")
    (False, True)
    """
    ca, cb = company_core(a), company_core(b)
    if not names_a_company(a) or not names_a_company(b):
        return False
    if places_differ(a, b) or is_branch(a) != is_branch(b):
        return False
    if ca == cb:
        return True
    short, long_ = sorted((ca, cb), key=len)
    if len(short) < 2 or not long_.startswith(short):
        return False
    rest = long_[len(short):]
    if "集团" in rest and len(rest[rest.index("集团") + 2:].replace("股份", "")) >= 2:
        return False        # 丽珠集团丽宝 is a member of 丽珠集团, 东北制药集团沈阳第一制药 one of 东北制药
    if short[-1].isascii() and short[-1].isalnum() and long_[len(short)].isascii() and long_[len(short)].isalnum():
        return False        # pfizer is not pfizerxyz, co not codal
    return (company_place(a) in _COUNTRY_SET) == (company_place(b) in _COUNTRY_SET)


def names_a_company(name: str) -> bool:
    """Whether a company's name holds a name, not only a legal form or an industry word (Ltd, 有限公司,
    制药有限公司: what is left when a catalogue code or a bracket cuts a name).

    >>> names_a_company("co.ltd"), names_a_company("制药有限公司"), names_a_company("萌蒂制药有限公司")
    (False, False, True)
    >>> names_a_company("天津药业")     # the region is the name
    True
    """
    core = company_core(name)
    if core in SHORT_NAME_TAILS:
        return not name.startswith(core)
    return bool(core) and not is_legal_form(core, after_a_name=True) and core not in _SUFFIX_STARTS


def is_branch(name: str) -> bool:
    """Whether a manufacturer's name is a branch's (拜耳医药保健有限公司广州分公司) or a plant's, a works named
    after its company (成都华神集团股份有限公司制药厂, 武田药品工业株式会社大阪工厂)."""
    if any(w in name for w in _BRANCH_WORDS):
        return True
    s = name.rstrip(" )")
    return s.endswith("厂") and any(0 < s.find(w) < len(s) - len(w) - 1 for w in ("公司", "株式会社"))


def places_differ(a: str, b: str) -> bool:
    """Whether two manufacturers' names state different places: provinces or countries (company_place), or
    cities (company_city). A city and a province are not compared: the city may lie in it."""
    pa, pb = company_place(a), company_place(b)
    if pa and pb and pa != pb:
        return True
    ca, cb = company_city(a), company_city(b)
    if ca and cb and ca != cb:
        return True
    # a foreign country is not China: not a city there (默沙东制药(美国) is not 杭州默沙东制药), nor a company
    # with a Chinese legal name that states no country (礼来(美国)公司 is not 礼来苏州制药有限公司); a place in
    # China is not a company named in Latin alone (百特医疗用品贸易(上海)有限公司 is not Baxter Holding BV)
    fa, fb = pa in _COUNTRY_SET, pb in _COUNTRY_SET
    if fa != fb:
        return _chinese_legal_name(b if fa else a) or bool(cb if fa else ca)
    if not (fa or fb):
        return bool((pa or ca) and not has_hanzi(b)) or bool((pb or cb) and not has_hanzi(a))
    return False


def _chinese_legal_name(name: str) -> bool:
    """A name in hanzi with a Chinese legal form (有限公司), stating no country: a company in China."""
    return has_hanzi(name) and name.rstrip(" .").endswith(REGION_BRACKET_SUFFIXES) and \
        company_place(name) not in _COUNTRY_SET


def company_place(name: str) -> str | None:
    """The province or country a manufacturer's name states, at its start or in brackets (北京诺华制药,
    诺华制药(北京)有限公司: 北京); None when it states none. 中国 at the start says no more than a Chinese
    company does; in brackets it names a foreign group's Chinese company (葛兰素史克(中国)投资有限公司).

    >>> company_place("江苏省恒瑞医药"), company_place("辉凌(德国)制药有限公司"), company_place("中国医药集团")
    ('江苏', '德国', None)
    >>> company_place("远大医药(中国)有限公司")
    '中国'
    """
    places = _PLACES_LONGEST_FIRST
    if name.startswith(places):
        p = next(p for p in places if name.startswith(p))
        return None if p == "中国" else p
    if "(" in name:
        # the places right after an opening bracket, then the first of them in the order of places (the longest)
        after = set()
        k = name.find("(")
        while k >= 0:
            after.update(p for p in _PLACES_BY_FIRST.get(name[k + 1:k + 2], ()) if name.startswith(p, k + 1))
            k = name.find("(", k + 1)
        if after:
            return next(p for p in places if p in after)
    return None


def company_city(name: str) -> str | None:
    """The prefecture-level city a manufacturer's name states: a branch's (珠海联邦制药股份有限公司中山分公司:
    中山), else at its start, after its province (大连美罗药业, 浙江省杭州…), or in brackets (辉瑞制药有限公司(大连)).

    >>> company_city("辉瑞制药(大连)有限公司"), company_city("珠海联邦制药股份有限公司中山分公司"), company_city("礼来苏州制药")
    ('大连', '中山', None)
    """
    for w in _BRANCH_WORDS:
        i = name.find(w)
        if i > 0:
            city = next((c for c in _CITIES_LONGEST_FIRST if name.endswith(c, 0, i)), None)
            if city:
                return city
    s = name
    if s.startswith(PROVINCES):     # (most names start with none: one test in C)
        for p in PROVINCES:
            if s.startswith(p):
                s = s[len(p):]
                s = next((s[len(t):] for t in _REGION_TAILS if s.startswith(t)), s)
                break
    if not s.startswith(_CITIES_LONGEST_FIRST) and _CITIES_TOLD.isdisjoint(_BRACKETED.findall(name)):
        return None     # most names state no city: two tests in C instead of a pass over the cities
    for c in _CITIES_LONGEST_FIRST:
        if s.startswith(c) or "(" + c + ")" in name:
            return c
    return None


def company_may_match(fragment: str, lex) -> bool:
    """Whether some manufacturer of the lexicon could be the same company as ``fragment`` (same_company:
    equal core names, or one a prefix of the other). When none can, the fuzzy matcher has nothing to find."""
    cores = _company_cores(lex)
    core = company_core(fragment)
    if len(core) < 2:
        return _contains(cores, core)
    i = bisect.bisect_left(cores, core)
    if i < len(cores) and cores[i].startswith(core):
        return True
    return any(_contains(cores, core[:n]) for n in range(2, len(core)))


def inside_a_company_name(fragment: str, lex) -> bool:
    """Whether ``fragment`` is written inside the core name of some manufacturer of the lexicon: 双鹤 in
    华润双鹤药业, 以岭 in 石家庄以岭药业, the short names catalogues write for their makers."""
    return "\n" not in fragment and fragment in _joined_company_cores(lex)


def _joined_company_cores(lex) -> str:
    """The core names on lines of one string: one substring search instead of a loop over thousands."""
    joined = getattr(lex, "_joined_cores", None)
    if joined is None:
        joined = lex._joined_cores = "\n".join(_company_cores(lex))
    return joined


def _company_cores(lex) -> list[str]:
    """The core names of the lexicon's manufacturers, sorted; computed once per lexicon."""
    cores = getattr(lex, "_company_cores", None)
    if cores is None:
        cores = sorted({company_core(k) for k, es in ((k, lex.lookup(k)) for k in lex.by_key)
                        if any(e.dict == "manufacturer" for e in es)} - {""})
        lex._company_cores = cores
    return cores


def _contains(sorted_list, x) -> bool:
    i = bisect.bisect_left(sorted_list, x)
    return i < len(sorted_list) and sorted_list[i] == x


def latin_company_runs(segments: list, raw: str) -> list[tuple[int, int, int, int]]:
    """Fleet laboratories Limited: a Latin company name is cut at its spaces, and only its last word
    (Limited, GmbH) says it is a company. The unmatched Latin words right before it are its name.

    Returns (first segment, last segment, start, end in ``raw``) of each such name, right to left (so
    the caller can replace each run by one segment without moving the others)."""
    runs = []
    i = len(segments) - 1
    while i > 0:
        seg = segments[i]
        j = i
        company = seg["match"] == "inferred" and seg["attribute"] == "manufacturer"
        if (company or is_legal_form(seg["text"], after_a_name=True)) and not has_hanzi(seg["text"]):
            while j > 0:
                prev = segments[j - 1]
                gap = raw[prev["end"]:segments[j]["start"]]
                # a word accepted as a manufacturer on its own (Abbott) is part of the whole name
                guessed = prev.get("accepted") and prev["attribute"] != "manufacturer"
                if prev["match"] not in ("none", "fuzzy") or guessed or gap.strip(" .,-&'") \
                        or has_hanzi(prev["text"]) or any(ch.isdigit() for ch in prev["text"]):
                    break
                j -= 1
        if j < i:
            lo, hi = segments[j]["start"], seg["end"]
            if raw[hi:hi + 1] == "." and is_legal_form(raw[seg["start"]:hi + 1]):
                hi += 1     # B.V.: the last dot is part of the legal form, not a separator
            runs.append((j, i, lo, hi))
        i = j - 1
    return runs


def full_name_of_short_names(segments: list, key_of) -> str | None:
    """氯化钠注射液(百特) … 上海百特医疗用品有限公司: a full company name the lexicon lacks names the legal
    entity; a short name inside it (百特, a synonym; 济民可信, accepted fuzzily as 江西济民可信金水宝制药) only
    names the group, whose standard may be another entity of it (Baxter SA). Returns the first inferred company
    name that holds every short name matched exactly or accepted, or None when some exact manufacturer match
    is a standard (never such a short name)."""
    shorts = set()
    for seg in segments:
        if seg["attribute"] != "manufacturer":
            continue
        if seg["match"] == "exact":
            if seg["term"] == seg["standard"]:
                return None
            shorts.add(key_of(seg["term"]))
        elif seg["match"] == "fuzzy" and seg.get("accepted"):
            shorts.add(key_of(seg["text"]))
    named = [seg["term"] for seg in segments if seg["match"] == "inferred" and seg["attribute"] == "manufacturer"]
    for full in named:
        if all(short in full for short in shorts):
            return full
    return None
