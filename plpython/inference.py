"""Inferred products: what a product-shaped fragment tells when no dictionary holds it.

Product shape: an optional 注射用, a stem of two characters or more, and a known dosage-form suffix (the
longest that fits). ``shape("注射用盐酸伊立替康")`` → stem 盐酸伊立替康, form 注射用无菌粉末. A fragment the
fuzzy step does not accept (acceptance.py) is reported as ``inferred`` when it has that shape: the stem as
the generic name (the lexicon's standard when the stem is a known generic) and the suffix's dosage form.
"""
from __future__ import annotations

from typing import NamedTuple

import companies
import spec_split
from chars import is_hanzi
from dosage_forms import DECOCTION_PIECE, INJECTION_PREFIX
from dictionary_set import DRUG_DICTS, VEHICLE_GENERICS


class Shape(NamedTuple):
    stem: str
    dosage_form: str | None


# A dosage-form name that starts with one of these (素片, 糖片) is rarely the suffix of a product: the
# character usually ends the stem (克拉霉素片, 葡萄糖片). Such a cut counts only when it leaves a known generic.
_STEM_ENDINGS = frozenset("素糖")


def shape(fragment: str, lex) -> Shape | None:
    injection = fragment.startswith(INJECTION_PREFIX)
    body = fragment[len(INJECTION_PREFIX):] if injection else fragment
    stem, form = body, None
    for n in range(min(len(body) - 2, 8), 0, -1):
        form = lex.dosage_form_suffixes.get(body[-n:])
        if form == DECOCTION_PIECE and not is_herb(body[:-n], lex) and processed_herb(body[:-n], lex) is None:
            form = None        # 桑菊饮片: a tablet of 桑菊饮; only a herb (生白芍) is sold as its decoction piece
        if form and (n == 1 or body[-n] not in _STEM_ENDINGS
                     or known_generic(body[:-n], lex) and not is_herb(body[:-n], lex)):
            stem = body[:-n]
            break
        form = None
    if injection and lex.injection_form:
        form = lex.injection_form
    if form is None or sum(1 for ch in stem if is_hanzi(ch)) < 2:
        return None
    return Shape(stem, form)


def stem_of(key: str, dict_name: str, lex) -> str:
    """A generic name is its own stem; a product or trade name loses its form prefix and suffix."""
    if dict_name == "generic_name":
        return key
    sh = shape(key, lex)
    return sh.stem if sh else key


def is_herb(name: str, lex) -> bool:
    """Whether a name is a Chinese herb's decoction piece (白术, 麸炒白术, 黄连): its name begins the names of
    patent medicines (黄连上清丸) and of other drugs (黄连素: berberine), which a herb must not cut short."""
    return any(e.dict == "product_name" and e.dosage_form == DECOCTION_PIECE for e in lex.lookup(name))


# How catalogues write a herb's processing (炮制) around its name, longest first: raw (生), fresh (鲜), with
# honey (炙, 蜜), fried or scorched (炒, 焦, 麸炒), with vinegar, wine, salt or ginger juice (醋, 酒, 盐, 姜),
# calcined (煅), processed (制), blanched (燀, 焯); after the name charred (炭), powdered (粉), beads (阿胶珠), frost (霜).
PROCESSING_PREFIXES = ("麸炒", "土炒", "炒焦", "醋煅", "醋炙", "酒炙", "盐炙", "蜜炙", "姜炙", "生", "鲜", "炙",
                       "蜜", "炒", "焦", "醋", "酒", "盐", "姜", "煅", "制", "烫", "煨", "蒸", "净", "燀", "焯")
PROCESSING_SUFFIXES = ("炭", "粉", "珠", "霜")
# Frost (制霜) is what an oily seed leaves once its oil is pressed out (苦杏仁霜, 木鳖子霜); after any other herb
# 霜 is a cream (霜剂, as 维A酸霜): 芦荟霜, 薄荷霜 are no pieces of 芦荟, 薄荷.
FROST = "霜"
SEED_ENDINGS = ("子", "仁")


def processed_herb(name: str, lex) -> str | None:
    """The herb (its generic name) that ``name`` writes with a processing word the lexicon lacks: 生白芍,
    炙黄精, 焦苍术, 牡丹皮炭, 阿胶珠 are decoction pieces of 白芍, 黄精, 苍术, 牡丹皮, 阿胶. What is left must be
    a herb of two characters or more (is_herb), so 盐酸…, 醋酸…, 制霉素 and 生长抑素 are never cut this way;
    霜 follows a seed only (FROST)."""
    if not name.startswith(PROCESSING_PREFIXES) and not name.endswith(PROCESSING_SUFFIXES):
        return None      # no processing word: the loops below would try every pair in vain (most names)
    for prefix in PROCESSING_PREFIXES + ("",):
        if not name.startswith(prefix):
            continue
        for suffix in PROCESSING_SUFFIXES + ("",):
            if not (prefix or suffix) or not name.endswith(suffix):
                continue
            herb = name[len(prefix):len(name) - len(suffix)]
            if suffix == FROST and not herb.endswith(SEED_ENDINGS):
                continue
            if sum(1 for ch in herb if is_hanzi(ch)) >= 2 and is_herb(herb, lex):
                return known_generic(herb, lex)
    return None


# A bracketed note that is no trade name: the pack, the device, the form or the use (亚邦软袋, 带吸入器, 喷雾型,
# 手术用, 葡泰牌, 诺和锐笔芯, 预充式, 附注射器, 喷剂, 咀嚼), a dose or a strength in words (小剂量, 大规格, 短效,
# 高渗, 万单位, 十毫升, 四价), a flavour (橙味), a source (猪源, 小牛, 鼠源, 鸡胚, 重组, 细胞, 左旋), who it is for
# (婴幼儿), how it is bought, kept or handed out (过评, 仿制, 限二线, 自费, 冷藏, 冻干, 遮光, 储备, 急救, 门诊, 赠药,
# 皮试, 国药准字): of the 2,860 trade names of the lexicon and the dev sets, none holds these characters but five
# written with their form or pack (肠泰合剂, 诺和锐50 特充) and 长效消心痛
_NOTE_CHARACTERS = frozenset("型形袋瓶支盒装用器牌笔芯包贴" "针充预附罐剂量规效渗位毫味猪牛羊组评仿藏救院诊赠婴"
                             "价旋胞胚鼠兔次试验准限线费储库冻遮潮封燥苗嚼肛")
# Notes written with characters trade names use too: who the drug is for (儿童, 成人, 新生儿), a size or a strength
# (双倍, 高浓度, 低分子, 日片), the release or the route (缓控释, 阴道, 舌下), the origin (进口药, 原研进口) and
# how it is bought or marked (集采中选, 过一致性, 国谈, 医保, 独家, 处方, 毒麻, 甲类, 中成药), the department
# (眼科), a colour or a coating (白色, 淡黄, 薄膜衣红), a source or how it is made (马血清, 汉逊酵母, 基因工程,
# 减毒, 人源化, 无水), how it is kept (冷链, 避光, 无菌). A name made of these alone, before a dosage-form suffix
# at most, is a note; of those 2,860 trade names only notes are (浓缩丸, 糖衣片).
_NOTE_WORDS = tuple(sorted((
    "儿童", "小儿", "成人", "老年", "幼儿", "新生儿", "早产儿", "青少年", "老人", "妇女", "孕妇", "产妇",
    "双倍", "加强", "强效", "浓度", "浓缩", "分子", "缓释", "控释", "速释", "迟释", "肠溶", "集采", "中选", "采购",
    "带量", "国谈", "医保", "自费", "独家", "临采", "门诊", "处方", "自备", "停用", "备用", "临时", "特殊", "甲类",
    "乙类", "丙类", "毒麻", "麻醉", "精神", "血清", "基因", "工程", "减毒", "灭活", "裂解", "人源", "人源化", "人血",
    "多糖", "结合", "合成", "天然", "无水", "一水", "二水", "冷链", "避光", "阴凉", "常温", "无菌", "灭菌", "消毒",
    "薄膜衣", "糖衣", "含糖", "缓控释", "阴道", "直肠", "口含", "舌下", "局部", "全身", "注射", "静脉", "肌内", "皮下",
    "一致性", "过", "通过", "中成药", "中药", "西药", "儿科", "妇科", "眼科", "皮肤科", "专科", "酵母", "汉逊", "杆菌",
    "大肠", "菌", "二倍体", "孕产妇", "高", "低", "大", "小", "中", "短", "长", "浓", "稀", "日", "夜", "新", "老", "非",
    "无", "药", "车", "马", "糖", "淡", "浅", "深") + companies.ORIGINS + tuple("红橙黄绿青蓝紫白黑棕灰粉色"),
    key=len, reverse=True))
# a number written in words (八十万, 二十支 has 支 already)
_NUMERALS = frozenset("一二三四五六七八九十百千万")
# a chemical's ending: a bracketed former or common generic name (美满霉素), not a trade name
_CHEMICAL_ENDINGS = ("素", "酸", "钠", "钾", "钙", "胺", "醇", "酮", "酯", "碱", "酶")
# What a trade name is written with after its first hanzi. Tested by hand, not by a regex: compiling a class
# of 20,000 hanzi costs a new backend's first call ~5 ms.
_TRADE_NAME_TAIL = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-·")


def _trade_name_characters(name: str) -> bool:
    """A basic-block hanzi (U+4E00-U+9FFF) first, then such hanzi, ASCII letters, digits, - or ·."""
    return bool(name) and "\u4e00" <= name[0] <= "\u9fff" and \
        all("\u4e00" <= ch <= "\u9fff" or ch in _TRADE_NAME_TAIL for ch in name)


def trade_name_shape(name: str, lex) -> bool:
    """Whether an unknown name written in brackets beside a drug's name can be its trade name (伸宁, 得普利麻,
    卡林-u): two to six hanzi, then letters, digits or a hyphen at most; no note word, no chemical ending, no
    dosage-form suffix, no place (nor a name that starts with one: 美国基立福 is a maker), company, spec note
    (按多替拉韦计) or processing word.

    >>> class Lex: dosage_form_suffixes, lookup = {"片": "片剂"}, staticmethod(lambda k: ())
    >>> [trade_name_shape(n, Lex()) for n in ("伸宁", "卡林-u", "亚邦软袋", "美满霉素", "上海", "醋煅", "伸宁片")]
    [True, True, False, False, False, False, False]
    >>> [trade_name_shape(n, Lex()) for n in ("橙味", "小剂量", "儿童", "集采中选", "白色", "夜片", "新白欣")]
    [False, False, False, False, False, False, True]
    """
    n_hanzi = sum(1 for ch in name if is_hanzi(ch))
    if not 2 <= n_hanzi <= 6 or not _trade_name_characters(name):
        return False
    if _NOTE_CHARACTERS.intersection(name) or name.endswith(_CHEMICAL_ENDINGS) or name in PROCESSING_PREFIXES \
            or _note_words_only(name, lex) or _NUMERALS.issuperset(name):
        return False
    return not (companies.is_place(name) or companies.company_place(name) or companies.is_company(name)
                or spec_split.is_spec_note(name) or shape(name, lex))


def _note_words_only(name: str, lex) -> bool:
    """Whether a name is made of _NOTE_WORDS alone, before a dosage-form suffix at most (儿童, 集采中选, 夜片)."""
    for n in range(min(len(name) - 1, 8), 0, -1):
        if lex.dosage_form_suffixes.get(name[-n:]):
            name = name[:-n]
            break
    i = 0
    while i < len(name):
        if not name.startswith(_NOTE_WORDS, i):      # one test in C before the search for the longest word
            return False
        word = next(w for w in _NOTE_WORDS if name.startswith(w, i))
        i += len(word)
    return True


def known_generic(stem: str, lex) -> str | None:
    """The generic-name standard a stem names exactly, if any."""
    for e in lex.lookup(stem):
        if e.dict == "generic_name":
            return e.standard
    for e in lex.lookup(stem):
        if e.dict in DRUG_DICTS and e.generic:
            return e.generic
    return None


def unlinked_product(key: str, lex) -> tuple[str | None, str | None]:
    """(generic, dosage form) a product name tells by its shape: 注射用阿莫西林钠克拉维酸钾 → 阿莫西林钠克拉维酸钾;
    a vehicle and a qualifier before it are not the generic (羟乙基淀粉130/0.4氯化钠注射液 → 羟乙基淀粉)."""
    sh = shape(key, lex)
    if sh is None:
        return None, None
    stem = sh.stem
    for v in sorted(VEHICLE_GENERICS, key=len, reverse=True):
        if stem.endswith(v) and sum(1 for ch in stem[:-len(v)] if is_hanzi(ch)) >= 2:
            stem = stem[:-len(v)].rstrip("0123456789./:-() ")
            break
    return known_generic(stem, lex) or stem, sh.dosage_form
