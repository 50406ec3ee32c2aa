"""The patent's steps 2-6 (claims 1-6, 12-13) on one string, and the JSON contract of drug_parse.

Pure: the lexicon, the fuzzy matcher and the settings come in as arguments (see docs/DESIGN.md).

Flat fields are filled by the strongest evidence, then in input order:
an exact match of that dictionary (0), a link from an exact match (1: 立普妥 → its generic), an accepted
fuzzy match (2), a link from one (3), an inference from a product-shaped fragment (4).
"""
from __future__ import annotations

import inference
import markers
import preprocess
import segmentation
import spec_split
from lexicon import is_hanzi

FIELDS = ("generic_name", "trade_name", "product_name", "dosage_form", "route", "manufacturer",
          "packaging_material")
KEYS = ("input", "normalized") + FIELDS + ("strength", "package", "insurance_class", "self_pay_ratio", "markers",
                                           "segments", "lexicon_version")
# Fragments longer than this are not looked up (no drug name is that long); shorter Latin/digit-only
# fragments than MIN_LATIN are codes or noise, not names.
MAX_FUZZY = 64
MIN_LATIN = 3

EXACT, LINKED, FUZZY, FUZZY_LINKED, INFERRED = range(5)
DRUG_NAMES = ("product_name", "generic_name")
COMPOSED = 0.5   # a product name read off a generic name and a form next to it: after exact, before links


class _Flat:
    def __init__(self):
        self.values = {f: None for f in FIELDS}
        self.rank = {f: 99 for f in FIELDS}

    def fill(self, field, value, rank):
        if value is not None and field in self.values and rank < self.rank[field]:
            self.values[field] = value
            self.rank[field] = rank

    def entry(self, attribute, standard, generic, product, dosage_form, rank):
        self.fill(attribute, standard, rank)
        self.fill("generic_name", generic, rank + 1)
        self.fill("product_name", product, rank + 1)
        self.fill("dosage_form", dosage_form, rank + 1)


def empty(raw: str) -> dict:
    doc = {k: None for k in KEYS}
    doc["input"] = raw
    doc["normalized"] = ""
    doc["segments"] = []
    doc["markers"] = []
    return doc


def parse(raw, lex, fuzzy, settings: dict):
    if raw is None:
        return None
    s, offsets = preprocess.normalize(raw, lex.t2s, lex.irrelevant)
    doc = empty(raw)
    doc["normalized"] = s
    flat = _Flat()
    segments = []

    def surface(a, b):
        lo, hi = offsets[a], offsets[b - 1] + 1
        return {"text": raw[lo:hi], "start": lo, "end": hi}

    def exact(a, b, dicts=None, key=None):
        e = lex.first(s[a:b] if key is None else key, dicts)
        seg = surface(a, b)
        seg.update(match="exact", attribute=e.dict, term=e.term, standard=e.standard)
        flat.entry(e.dict, e.standard, e.generic, e.product, e.dosage_form, EXACT)
        return seg

    seg_tool = segmentation.Segmenter(s, lex)
    items = []   # (start, kind, payload)
    # Formulary markers first: their ratios are not strengths, their words not names.
    blocks = [(a, b, "marker", group) for a, b, group in markers.groups(s, lex.markers)]
    blocks += [(a, b, "exact", (a, b)) for a, b in segmentation.protected_matches(s, 0, len(s), lex.protected)
               if not any(lo < b and a < hi for lo, hi, _, _ in blocks)]
    blocks.sort(key=lambda x: x[0])
    cursor = 0
    for a, b, kind, payload in blocks + [(len(s), len(s), None, None)]:
        for lo, hi in _gaps(s, cursor, a, lex.units, items):
            items.extend((p.start, "exact" if p.exact else "pending", (p.start, p.end))
                         for p in seg_tool.pieces(lo, hi))
        if a < b:
            items.append((a, kind, payload))
        cursor = b
    items.sort(key=lambda x: x[0])
    items = _compose_products(s, items, lex)

    strength = package = None
    strength_in_name = False
    found_markers = []
    for _, kind, payload in items:
        if kind == "marker":
            for m in payload:
                seg = surface(m.start, m.end)
                seg.update(match="marker", attribute=m.attribute or "self_pay_ratio", term=m.term,
                           standard=m.standard or m.ratio)
                if m.ratio:
                    seg["ratio"] = m.ratio
                segments.append(seg)
            found_markers.extend(payload)
        elif kind == "spec":
            sp = payload
            seg = surface(sp.start, sp.end)
            unit = sp.parts[0]
            seg.update(match="spec" if sp.kind == "strength" else "package",
                       attribute="strength_unit" if sp.kind == "strength" else "package_unit",
                       term=s[sp.start:sp.end], standard=sp.display,
                       value=unit.value, unit=unit.unit, unit_standard=unit.unit_standard)
            if len(sp.parts) > 1:
                seg["parts"] = [{"value": p.value or None, "unit": p.unit, "unit_standard": p.unit_standard}
                                for p in sp.parts]
            if sp.kind == "strength":
                # 5%葡萄糖注射液 500ml: a concentration glued to the name is part of the name; the spec that
                # follows is the strength, and the concentration counts only when nothing follows
                in_name = sp.parts[0].unit_standard == "%" and sp.end < len(s) and is_hanzi(s[sp.end])
                if strength is None or strength_in_name:
                    if not (in_name and strength is not None):
                        strength, strength_in_name = sp.first, in_name
            if sp.kind == "package" and package is None:
                package = sp.display
            segments.append(seg)
        elif kind == "exact":
            segments.append(exact(*payload))
            inner = _bracketed_trade_name(s, *payload, lex)
            if inner:   # 氯雷他定片(开瑞坦): a product-name synonym that holds the trade name in brackets
                segments.append(exact(*inner, dicts=("trade_name",)))
        elif kind == "joined":
            a, b, key = payload
            segments.append(exact(a, b, DRUG_NAMES, key))
        elif kind == "composed":
            a, b, name, generic, form = payload
            seg = surface(a, b)
            seg.update(match="inferred", attribute="product_name", term=name, standard=name,
                       known_generic=True, generic=generic, dosage_form=form)
            flat.fill("product_name", name, COMPOSED)
            flat.fill("generic_name", generic, EXACT)
            flat.fill("dosage_form", form, COMPOSED)
            segments.append(seg)
        else:
            segments.append(_second_type(s, payload, surface, lex, fuzzy, settings, flat))
    _join_latin_company(segments, raw, lex, flat)
    _prefer_named_company(segments, flat, _key_of(lex))
    doc.update(flat.values)
    doc["strength"] = strength
    doc["package"] = package
    doc["insurance_class"], doc["self_pay_ratio"], doc["markers"] = markers.summary(found_markers)
    doc["segments"] = segments
    return doc


def _join_latin_company(segments, raw, lex, flat):
    """Fleet laboratories Limited: a Latin company name is cut at its spaces, and only its last word
    (Limited, GmbH) says it is a company. The unmatched Latin words right before it are its name."""
    i = len(segments) - 1
    while i > 0:
        seg = segments[i]
        j = i
        if seg["match"] == "inferred" and seg["attribute"] == "manufacturer" and not _has_hanzi(seg["text"]):
            while j > 0:
                prev = segments[j - 1]
                gap = raw[prev["end"]:segments[j]["start"]]
                if prev["match"] not in ("none", "fuzzy") or prev.get("accepted") or gap.strip(" .,-&'") \
                        or _has_hanzi(prev["text"]) or any(ch.isdigit() for ch in prev["text"]):
                    break
                j -= 1
        if j < i:
            lo, hi = segments[j]["start"], seg["end"]
            name = " ".join(preprocess.normalize(raw[lo:hi], lex.t2s, lex.irrelevant)[0].split())
            if flat.rank["manufacturer"] == INFERRED and flat.values["manufacturer"] == seg["standard"]:
                flat.values["manufacturer"] = name
            segments[j:i + 1] = [{"text": raw[lo:hi], "start": lo, "end": hi, "match": "inferred",
                                  "attribute": "manufacturer", "term": name, "standard": name}]
        i = j - 1


def _bracketed_trade_name(s, a, b, lex):
    """The span of a trade name in brackets inside a matched drug name, if the lexicon knows it."""
    lo = s.find("(", a, b)
    hi = s.find(")", lo + 1, b) if lo >= 0 else -1
    if hi < 0 or not lex.first(s[a:b], ("product_name", "generic_name")):
        return None
    return (lo + 1, hi) if lex.first(s[lo + 1:hi], ("trade_name",)) else None


def _has_hanzi(text):
    return any(is_hanzi(ch) for ch in text)


def _prefer_named_company(segments, flat, key_of):
    """氯化钠注射液(百特) … 上海百特医疗用品有限公司: a full company name the lexicon lacks names the legal
    entity; a short name inside it (百特, a synonym) only names the group, whose standard may be another
    entity of it (Baxter SA). The full name fills the field when every exact manufacturer match is such a
    short name."""
    if flat.rank["manufacturer"] != EXACT:
        return
    exact = [seg for seg in segments if seg["match"] == "exact" and seg["attribute"] == "manufacturer"]
    named = [seg["term"] for seg in segments if seg["match"] == "inferred" and seg["attribute"] == "manufacturer"]
    for full in named:
        if all(seg["term"] != seg["standard"] and key_of(seg["term"]) in full for seg in exact):
            flat.values["manufacturer"], flat.rank["manufacturer"] = full, INFERRED
            return


def _compose_products(s, items, lex):
    """A generic name with a dosage-form suffix right after it (灯盏细辛 + 注射液), or 注射用 right before
    it, is a product name the lexicon lacks: one ``inferred`` product segment whose generic is known.
    HIS strings often put the trade name between the two (门冬氨酸钾(卫唯杰)注射液): the product segment
    then encloses the bracketed segment, which follows it in the list."""
    out = []
    i = 0
    while i < len(items):
        done = False
        joined = _bracket_inside_name(s, items[i:i + 3], lex)
        if joined:
            out.append((items[i][0], "joined", joined))
            out.append(items[i + 1])
            i += 3
            continue
        if i + 1 < len(items) and items[i][1] in ("exact", "pending"):
            a, b = items[i][2]
            generic = _generic_entry(s[a:b], lex)
            nxt = items[i + 1]
            if generic and nxt[1] in ("exact", "pending") and nxt[2][0] == b:
                form = lex.dosage_form_suffixes.get(s[b:nxt[2][1]]) or _vehicle_form(s[b:nxt[2][1]], lex)
                if form:
                    out.append((a, "composed", (a, nxt[2][1], s[a:nxt[2][1]], generic, form)))
                    i, done = i + 2, True
            elif generic and i + 2 < len(items) and nxt[1] in ("exact", "pending") \
                    and items[i + 2][1] in ("exact", "pending"):
                (c, d), (e, f) = nxt[2], items[i + 2][2]
                form = lex.dosage_form_suffixes.get(s[e:f])
                if form and s[b:c] == "(" and s[d:e] == ")":
                    out.append((a, "composed", (a, f, s[a:b] + s[e:f], generic, form)))
                    out.append(nxt)
                    i, done = i + 3, True
            if not done and s[a:b] == inference.INJECTION_PREFIX and lex.injection_form \
                    and nxt[1] in ("exact", "pending") and nxt[2][0] == b:
                generic = _generic_entry(s[b:nxt[2][1]], lex)
                if generic:
                    out.append((a, "composed", (a, nxt[2][1], s[a:nxt[2][1]], generic, lex.injection_form)))
                    i, done = i + 2, True
        if not done:
            out.append(items[i])
            i += 1
    return out


def _bracket_inside_name(s, three, lex):
    """重组人粒细胞(瑞白)刺激因子注射液: HIS strings put the trade name inside the drug name. When the two
    sides make a product or generic name of the lexicon, that name spans all three; the bracketed piece
    stays a segment of its own (it follows, enclosed)."""
    if len(three) < 3 or any(kind not in ("exact", "pending") for _, kind, _ in three):
        return None
    (a, b), (c, d), (e, f) = (span for _, _, span in three)
    if s[b:c] != "(" or s[d:e] != ")":
        return None
    key = s[a:b] + s[e:f]
    return (a, f, key) if lex.first(key, DRUG_NAMES) else None


def _vehicle_form(text, lex):
    """奥硝唑 + 氯化钠注射液: a generic name right before a product name is a drug in that product as its
    vehicle (a compound infusion); the product is the whole, in the vehicle's form. Reporting 氯化钠注射液
    would name another drug."""
    e = lex.first(text, ("product_name",))
    return e.dosage_form if e else None


def _generic_entry(text, lex):
    e = lex.first(text, ("generic_name",))
    return e.standard if e else None


def _gaps(s, lo, hi, units, items):
    """Spec segments of s[lo:hi] go to items; yields the spans between them."""
    cursor = lo
    for sp in spec_split.find(s, lo, hi, units):
        items.append((sp.start, "spec", sp))
        if cursor < sp.start:
            yield cursor, sp.start
        cursor = sp.end
    if cursor < hi:
        yield cursor, hi


# Separators a pending piece can keep at its edges (",兆科药业(合肥)有限公司" after a spec); they are not
# part of the name.
_EDGE = " ,;:.、，；：。|/-_"


def _trim(s, a, b):
    """The span without separators and unbalanced brackets at its edges (")礼来(美国)公司")."""
    while True:
        if a < b and (s[a] in _EDGE or (s[a] == ")" and s.count("(", a, b) < s.count(")", a, b))):
            a += 1
        elif a < b and (s[b - 1] in _EDGE or (s[b - 1] == "(" and s.count("(", a, b) > s.count(")", a, b))):
            b -= 1
        else:
            return a, b


def _second_type(s, span, surface, lex, fuzzy, settings, flat) -> dict:
    a, b = _trim(s, *span)
    if a == b:
        a, b = span
    fragment = s[a:b]
    seg = surface(a, b)
    seg.update(match="none", attribute=None, term=None, standard=None)
    hanzi = any(is_hanzi(ch) for ch in fragment)
    if len(fragment) > MAX_FUZZY or (not hanzi and len(fragment) < MIN_LATIN):
        return seg
    candidates = fuzzy(fragment)
    verdict = inference.judge(fragment, candidates, lex, settings, _key_of(lex))
    shape = inference.shape(fragment, lex)
    if verdict.accepted:
        top = candidates[0]
        seg.update(match="fuzzy", attribute=top["attribute"], term=top["term"], standard=top["standard"])
        e = lex.first(_key_of(lex)(top["term"]), (top["attribute"],))
        flat.fill(top["attribute"], top["standard"], FUZZY)
        flat.fill("generic_name", top.get("generic"), FUZZY_LINKED)
        if e is not None:
            flat.fill("product_name", e.product, FUZZY_LINKED)
            flat.fill("dosage_form", e.dosage_form, FUZZY_LINKED)
        if shape:
            flat.fill("dosage_form", shape.dosage_form, INFERRED)
    elif inference.is_company(fragment):
        seg.update(match="inferred", attribute="manufacturer", term=fragment, standard=fragment)
        flat.fill("manufacturer", fragment, INFERRED)
    elif shape and hanzi:
        known = inference.known_generic(shape.stem, lex)
        seg.update(match="inferred", attribute="generic_name", term=shape.stem,
                   standard=known or shape.stem, known_generic=known is not None,
                   dosage_form=shape.dosage_form)
        flat.fill("generic_name", known or shape.stem, INFERRED)
        flat.fill("dosage_form", shape.dosage_form, INFERRED)
        flat.fill("product_name", fragment, INFERRED)
    elif candidates:
        seg["match"] = "fuzzy"
    if candidates:
        seg.update(candidates=candidates, accepted=verdict.accepted, ambiguous=verdict.ambiguous,
                   near_miss=verdict.near_miss)
    return seg


def _key_of(lex):
    return lambda term: preprocess.normalize_key(term, lex.t2s, lex.irrelevant)
