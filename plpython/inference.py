"""Inferred products: what a product-shaped fragment tells when no dictionary holds it.

Product shape: an optional 注射用, a stem of two characters or more, and a known dosage-form suffix (the
longest that fits). ``shape("注射用盐酸伊立替康")`` → stem 盐酸伊立替康, form 注射用无菌粉末. A fragment the
fuzzy step does not accept (acceptance.py) is reported as ``inferred`` when it has that shape: the stem as
the generic name (the lexicon's standard when the stem is a known generic) and the suffix's dosage form.
"""
from __future__ import annotations

from typing import NamedTuple

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
# calcined (煅), processed (制); after the name charred (炭), powdered (粉), beads (阿胶珠), frost (霜).
PROCESSING_PREFIXES = ("麸炒", "土炒", "炒焦", "醋煅", "醋炙", "酒炙", "盐炙", "蜜炙", "姜炙", "生", "鲜", "炙",
                       "蜜", "炒", "焦", "醋", "酒", "盐", "姜", "煅", "制", "烫", "煨", "蒸", "净")
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
