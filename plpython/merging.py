"""Segment merging, after step 4: pieces that the dictionaries hold apart but that name one product
together. The pipeline's items (every piece of the input, in order) come in and go out merged:

- a generic name and a dosage-form suffix right after it (灯盏细辛 + 注射液), or 注射用 right before it, is a
  product name the lexicon lacks: one ``composed`` item whose generic is known; a trade name with a form
  after it (速尿 + 注射液) names that form of its generic;
- a drug and its vehicle are one product: a dual-chamber bag 注射用头孢曲松钠/氯化钠注射液, a generic with a
  qualifier before its infusion 羟乙基淀粉130/0.4氯化钠注射液, a drug before its infusion 奥硝唑 + 氯化钠注射液;
- HIS strings put the trade name inside or before the form (重组人粒细胞(瑞白)刺激因子注射液,
  门冬氨酸钾(卫唯杰)注射液): the merged item encloses the bracketed piece, which follows it, kept; a name
  the lexicon lacks before a bracket it does not know goes to the fuzzy step with the form after it;
- and a variant's letters or number one space apart from the name (维生素 K1): one name, if the lexicon has it.

A form suffix may follow a name one space apart, as HIS strings write it (阿莫西林 胶囊, 维生素 B6 片).
"""
from __future__ import annotations

import re
from enum import Enum
from typing import NamedTuple

import inference
import preprocess
from chars import ELEMENTS, is_hanzi
from dosage_forms import INJECTION_PREFIX
from dictionary_set import VEHICLE_GENERICS

DRUG_NAMES = ("product_name", "generic_name")


class Kind(Enum):
    MARKER = "marker"        # detail: the markers.Marker list of a bracket group or a symbol
    SPEC = "spec"            # detail: the spec_split spec
    EXACT = "exact"          # a first-type piece (a dictionary key)
    PENDING = "pending"      # a second-type piece, for the fuzzy step; detail: its text when a bracket splits it
    JOINED = "joined"        # detail: the lexicon key of a name the text writes otherwise (around a bracket, spaced)
    COMPOSED = "composed"    # detail: the Product the pieces make


class Item(NamedTuple):
    """One piece of the normalized string, s[start:end], in the pipeline's list (sorted by start)."""
    start: int
    end: int
    kind: Kind
    detail: object = None


class Product(NamedTuple):
    name: str
    generic: str
    dosage_form: str


_NAME_PIECES = (Kind.EXACT, Kind.PENDING)


def merge(s: str, items: list[Item], lex) -> list[Item]:
    """The items with each run of pieces that names one product merged (see the module's docstring)."""
    out = []
    i = 0
    while i < len(items):
        done = False
        bag = _with_vehicle(s, items[i:i + 3], lex)
        if bag:
            n, item = bag
            out.append(item)
            i += n
            continue
        apart = _name_written_apart(s, items[i:i + 2], lex)
        if apart:
            formed = _with_form(s, apart, items[i + 2] if i + 2 < len(items) else None, lex)
            out.append(formed or apart)
            i += 3 if formed else 2
            continue
        labelled = _isotope_labelled(s, items[i:i + 3])
        if labelled:
            n, item = labelled
            out.append(item)
            i += n
            continue
        joined = _bracket_inside_name(s, items[i:i + 3], lex)
        if joined:
            out.append(joined)
            out.append(items[i + 1])
            i += 3
            continue
        if i + 1 < len(items) and items[i].kind in _NAME_PIECES:
            a, b = items[i].start, items[i].end
            generic = _generic_entry(s[a:b], lex)
            nxt = items[i + 1]
            trade = lex.first(s[a:b], ("trade_name",)) if not generic else None
            piece = lex.first(s[a:b], ("product_name",)) if not generic and not trade else None
            suffix = s[nxt.start:nxt.end]
            if trade and trade.generic and nxt.kind in _NAME_PIECES and _next_to(s, b, nxt):
                # 速尿 + 注射液: a trade or common name with a form after it names that form of its generic,
                # whatever product the name is linked to (速尿 → 呋塞米片); it stays a segment of its own
                form = lex.dosage_form_suffixes.get(suffix)
                linked = lex.first(trade.product, ("product_name",)) if trade.product else None
                if form and not (linked and linked.dosage_form == form):
                    name = named_product(lex, trade.generic + suffix, trade.generic, "", suffix)
                    out.append(Item(a, nxt.end, Kind.COMPOSED, Product(name, trade.generic, form)))
                    out.append(items[i])
                    i, done = i + 2, True
            elif generic and nxt.kind in _NAME_PIECES and _next_to(s, b, nxt):
                # a vehicle only glued to the drug: 奥硝唑 氯化钠注射液 may be two drugs of a list
                form = lex.dosage_form_suffixes.get(suffix) or (nxt.start == b and _vehicle_form(suffix, lex))
                if form:
                    name = named_product(lex, s[a:b] + suffix, generic, "", suffix)
                    out.append(Item(a, nxt.end, Kind.COMPOSED, Product(name, generic, form)))
                    i, done = i + 2, True
            elif piece and piece.generic and nxt.kind in _NAME_PIECES and nxt.start == b \
                    and getattr(inference.shape(s[a:b], lex), "dosage_form", None) != piece.dosage_form:
                # 炒白芍 + 颗粒, 黑附片 + 颗粒: a product whose name does not end with its form (a decoction
                # piece) with a form after it is that form of the product's generic (its dispensing
                # granules), a product the lexicon lacks
                form = lex.dosage_form_suffixes.get(s[b:nxt.end])
                if form and form != piece.dosage_form:
                    out.append(Item(a, nxt.end, Kind.COMPOSED, Product(s[a:nxt.end], piece.generic, form)))
                    i, done = i + 2, True
            elif generic and i + 2 < len(items) and nxt.kind in _NAME_PIECES and items[i + 2].kind in _NAME_PIECES:
                c, d, e, f = nxt.start, nxt.end, items[i + 2].start, items[i + 2].end
                form = lex.dosage_form_suffixes.get(s[e:f])
                if form and s[b:c] == "(" and s[d:e] == ")":
                    name = named_product(lex, s[a:b] + s[e:f], generic, "", s[e:f])
                    out.append(Item(a, f, Kind.COMPOSED, Product(name, generic, form)))
                    out.append(nxt)
                    i, done = i + 3, True
            if not done and s[a:b] == INJECTION_PREFIX and lex.injection_form \
                    and nxt.kind in _NAME_PIECES and nxt.start == b:
                generic = _generic_entry(s[b:nxt.end], lex)
                if generic:
                    name = named_product(lex, s[a:nxt.end], generic, s[a:b], "")
                    out.append(Item(a, nxt.end, Kind.COMPOSED, Product(name, generic, lex.injection_form)))
                    i, done = i + 2, True
        if not done:
            out.append(items[i])
            i += 1
    return out


def _with_vehicle(s, three, lex):
    """A drug and its vehicle are one product (never the vehicle alone): a dual-chamber bag
    注射用头孢曲松钠/氯化钠注射液, and a generic with a qualifier before its infusion
    羟乙基淀粉130/0.4氯化钠注射液. Returns (items used, the composed item) or None."""
    spans = []
    for item in three:     # consecutive name pieces only: a spec or a marker ends the run
        if item.kind not in _NAME_PIECES:
            break
        spans.append((item.start, item.end))
    if len(spans) < 2:
        return None
    (a, b), (c, d) = spans[0], spans[1]
    drug = lex.first(s[a:b], DRUG_NAMES)
    if drug is None or drug.generic in VEHICLE_GENERICS or drug.standard in VEHICLE_GENERICS:
        return None
    generic = drug.standard if drug.dict == "generic_name" else drug.generic
    form = drug.dosage_form if drug.dict == "product_name" else None
    used = 2
    if drug.dict == "generic_name" and len(spans) == 3 and not any(is_hanzi(ch) for ch in s[c:d]) and s[b:c] == "":
        (c, d), used = spans[2], 3     # 羟乙基淀粉 | 130/0.4 | 氯化钠注射液
    elif s[b:c] not in ("/", "+", ""):
        return None
    vehicle = lex.first(s[c:d], ("product_name",))
    if vehicle is None or vehicle.generic not in VEHICLE_GENERICS or not generic:
        return None
    if drug.dict == "generic_name" and used == 2:
        return None    # 奥硝唑 + 氯化钠注射液 is merge's rule (_vehicle_form)
    return used, Item(a, d, Kind.COMPOSED, Product(s[a:d], generic, form or vehicle.dosage_form))


def _name_written_apart(s, two, lex):
    """维生素 K1, 门冬胰岛素 30, 阿莫西林 胶囊: the letters or number of a drug's variant, or its form suffix,
    written one space apart from its name. When the two make a product or generic name of the lexicon
    without the space, that name spans both (维生素 alone names no drug, and K1 alone is no name)."""
    if len(two) < 2:
        return None
    first, second = two
    b, c = first.end, second.start
    # one space apart first: the test that fails for most pairs of items (merge asks it of each)
    if c != b + 1 or s[b] != " " or first.kind not in _NAME_PIECES or second.kind not in _NAME_PIECES:
        return None
    a, d = first.start, second.end
    mark = is_hanzi(s[b - 1]) and not any(is_hanzi(ch) for ch in s[c:d])
    if not (mark or lex.dosage_form_suffixes.get(s[c:d])):
        return None
    key = s[a:b] + s[c:d]
    return Item(a, d, Kind.JOINED, key) if lex.first(key, DRUG_NAMES) else None


def _next_to(s, b, item):
    """Whether ``item`` follows the piece ending at ``b`` glued or one space apart (阿莫西林 胶囊, 速尿 注射液:
    HIS strings space a name from its form as they space 维生素 from K1)."""
    return item.start == b or (item.start == b + 1 and s[b] == " ")


def _with_form(s, joined, nxt, lex):
    """维生素 B6 片: a generic written apart (_name_written_apart) with a form suffix after it is that form of
    the generic: the lexicon's product when it has it, as for 维生素B6片, else one composed."""
    generic = _generic_entry(joined.detail, lex)
    if not generic or nxt is None or nxt.kind not in _NAME_PIECES or not _next_to(s, joined.end, nxt):
        return None
    suffix = s[nxt.start:nxt.end]
    form = lex.dosage_form_suffixes.get(suffix)
    if not form:
        return None
    if lex.first(joined.detail + suffix, DRUG_NAMES):
        return Item(joined.start, nxt.end, Kind.JOINED, joined.detail + suffix)
    return Item(joined.start, nxt.end, Kind.COMPOSED,
                Product(named_product(lex, joined.detail + suffix, generic, "", suffix), generic, form))


# An isotope label: a mass number, m for a metastable state, the element's symbol (131I, 99mTc, 18F, 67Ga).
_ISOTOPE_LABEL = re.compile(r"\d{1,3}m?[a-z]{1,2}")
_LABEL_CLOSES = {"[": "]", "(": ")"}


def _isotope_labelled(s, items):
    """碘[131I]化钠口服溶液, 锝[99mTc]亚甲基二膦酸盐注射液, 枸橼酸镓[67Ga]注射液: a radiopharmaceutical writes its
    isotope in brackets right after the element's hanzi. The label is part of the name: cut there, 碘 and 化钠
    name nothing, and 脱氧葡糖 is another compound than 氟[18F]脱氧葡糖. Returns (items taken, the name as one
    fragment for the fuzzy step) or None. A number with a unit (钾[10ml]) is a spec item, never a label."""
    if len(items) < 2 or items[0].kind not in _NAME_PIECES or items[1].kind is not Kind.PENDING:
        return None
    b, c, d = items[0].end, items[1].start, items[1].end
    close = _LABEL_CLOSES.get(s[b:c])
    if close is None or s[d:d + 1] != close or s[b - 1] not in ELEMENTS or not _ISOTOPE_LABEL.fullmatch(s[c:d]):
        return None
    if len(items) > 2 and items[2].kind in _NAME_PIECES and items[2].start == d + 1:
        return 3, Item(items[0].start, items[2].end, Kind.PENDING)
    return 2, Item(items[0].start, d + 1, Kind.PENDING)


def _bracket_inside_name(s, three, lex):
    """重组人粒细胞(瑞白)刺激因子注射液: HIS strings put the trade name inside the drug name. When the two
    sides make a product or generic name of the lexicon, that name spans all three; the bracketed piece
    stays a segment of its own (it follows, enclosed)."""
    if len(three) < 3:
        return None
    (a, b, k1, _), (c, d, k2, _), (e, f, k3, _) = three
    # the brackets first: the test that fails for most runs of items (merge asks it of each)
    if c != b + 1 or s[b] != "(" or e != d + 1 or s[d] != ")" \
            or k1 not in _NAME_PIECES or k2 not in _NAME_PIECES or k3 not in _NAME_PIECES:
        return None
    key = s[a:b] + s[e:f]
    if lex.first(key, DRUG_NAMES):
        return Item(a, f, Kind.JOINED, key)
    if three[0].kind is Kind.PENDING and three[1].kind is Kind.PENDING and lex.dosage_form_suffixes.get(s[e:f]):
        # 马来酸依那普利叶酸(依叶)片: a name the lexicon lacks, a bracket it does not know either (a known trade
        # name says the drug itself), goes to the fuzzy step with the form after them, as one fragment
        return Item(a, f, Kind.PENDING, key)
    return None


def bracketed_trade_name(s, a, b, lex):
    """氯雷他定片(开瑞坦): the span of a trade name in brackets inside a matched drug name, if the lexicon
    knows it."""
    lo = s.find("(", a, b)
    hi = s.find(")", lo + 1, b) if lo >= 0 else -1
    if hi < 0 or not lex.first(s[a:b], DRUG_NAMES):
        return None
    return (lo + 1, hi) if lex.first(s[lo + 1:hi], ("trade_name",)) else None


def named_product(lex, written, generic, prefix, suffix):
    """安定片 → 地西泮片: a product written with a synonym of its generic (a common or former name) is the
    lexicon's product of the standard generic with the same form, when the lexicon has it; else the name
    stays as written; so does a base written for its salt (莫沙必利片 is not 枸橼酸莫沙必利片: the name
    holds the generic's own words)."""
    key = key_of(lex)
    stem = written[len(prefix):len(written) - len(suffix)]
    std = key(generic)
    if stem and (stem in std or std in stem):
        return written
    e = lex.first(key(prefix + generic + suffix), ("product_name",))
    return e.standard if e is not None else written


def _vehicle_form(text, lex):
    """奥硝唑 + 氯化钠注射液: a generic name right before a product name is a drug in that product as its
    vehicle (a compound infusion); the product is the whole, in the vehicle's form. Reporting 氯化钠注射液
    would name another drug."""
    e = lex.first(text, ("product_name",))
    return e.dosage_form if e else None


def _generic_entry(text, lex):
    e = lex.first(text, ("generic_name",))
    return e.standard if e else None


def key_of(lex):
    """The lexicon's key of a term (normalized the lexicon's way)."""
    return lambda term: preprocess.normalize_key(term, lex.t2s, lex.irrelevant)
