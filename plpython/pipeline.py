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
import settings as config
import spec_split
from chars import is_hanzi
from lexicon import VEHICLE_GENERICS

FIELDS = ("generic_name", "trade_name", "product_name", "dosage_form", "route", "manufacturer",
          "packaging_material")
KEYS = ("input", "normalized") + FIELDS + ("strength", "package", "insurance_class", "self_pay_ratio", "markers",
                                           "status", "evidence", "segments", "lexicon_version")
# Fragments longer than this are not looked up (no drug name is that long); shorter Latin/digit-only
# fragments than MIN_LATIN are codes or noise, not names.
MAX_FUZZY = 64
MIN_LATIN = 3

EXACT, LINKED, FUZZY, FUZZY_LINKED, INFERRED = range(5)
DRUG_NAMES = ("product_name", "generic_name")
DRUG_FIELDS = ("generic_name", "trade_name", "product_name", "dosage_form")
COMPOSED = 0.5   # a product name read off a generic name and a form next to it: after exact, before links
# What each rank says about a flat field, for reports (``evidence``); an exact match of a synonym says
# "synonym".
LINKED_FORM = 4.5   # the form of a trade name's linked product: only when the text tells none
EVIDENCE = {EXACT: "exact", COMPOSED: "inferred", LINKED: "link", FUZZY: "fuzzy", FUZZY_LINKED: "fuzzy",
            INFERRED: "inferred", LINKED_FORM: "link"}


class _Flat:
    def __init__(self):
        self.values = {f: None for f in FIELDS}
        self.rank = {f: 99 for f in FIELDS}
        self.evidence = {f: None for f in FIELDS}

    def fill(self, field, value, rank, evidence=None):
        if value is not None and field in self.values and rank < self.rank[field]:
            self.set(field, value, rank, evidence)

    def set(self, field, value, rank, evidence=None):
        self.values[field] = value
        self.rank[field] = rank
        self.evidence[field] = evidence or EVIDENCE[rank]

    def entry(self, attribute, standard, generic, product, dosage_form, rank, synonym=False):
        self.fill(attribute, standard, rank, "synonym" if synonym and rank == EXACT else None)
        self.fill("generic_name", generic, rank + 1)
        self.fill("product_name", product, rank + 1)
        self.fill("dosage_form", dosage_form, rank + 1)


def empty(raw: str) -> dict:
    doc = {k: None for k in KEYS}
    doc["input"] = raw
    doc["normalized"] = ""
    doc["segments"] = []
    doc["markers"] = []
    doc["evidence"] = {}
    doc["status"] = "none"
    return doc


def parse(raw, lex, fuzzy, settings: dict, checkpoint=None):
    """The contract for ``raw``. Work is bounded per input: only the first ``max_input`` characters are
    parsed (the rest is one ``none`` segment marked ``skipped``), every step is linear in them, and
    ``checkpoint()`` is called between steps and every few thousand characters within them, so the caller
    can let a pending cancel through (server.py)."""
    if raw is None:
        return None
    tick = checkpoint or _nothing
    fuzzy = _Budget(fuzzy, settings.get("fuzzy_budget", config.DEFAULTS["fuzzy_budget"]))
    limit = settings.get("max_input", config.DEFAULTS["max_input"])
    head = raw if len(raw) <= limit else raw[:limit]
    s, offsets = preprocess.normalize(head, lex.t2s, lex.irrelevant, tick)
    tick()
    doc = empty(raw)
    doc["normalized"] = s
    flat = _Flat()
    segments = []

    def surface(a, b):
        lo, hi = offsets[a], preprocess.cluster_end(head, offsets[b - 1])   # with its combining marks
        return {"text": raw[lo:hi], "start": lo, "end": hi}

    def exact(a, b, dicts=None, key=None):
        e = lex.first(s[a:b] if key is None else key, dicts)
        seg = surface(a, b)
        seg.update(match="exact", attribute=e.dict, term=e.term, standard=e.standard)
        flat.entry(e.dict, e.standard, e.generic, e.product, e.dosage_form, EXACT, synonym=e.term != e.standard)
        if e.product and e.dosage_form is None:   # 立普妥 → 阿托伐他汀钙片 → 片剂
            linked = lex.first(_key_of(lex)(e.product), ("product_name",))
            if linked is not None:   # weakest: the written name's own form suffix says more
                flat.fill("dosage_form", linked.dosage_form, LINKED_FORM)
        if e.dict == "product_name" and (e.generic is None or e.dosage_form is None):
            # a product the lexicon holds without links (a pharmacist's new standard, a register name):
            # its name still tells its generic and form
            generic, form = _unlinked_product(s[a:b] if key is None else key, lex)
            flat.fill("generic_name", generic, INFERRED)
            flat.fill("dosage_form", form, INFERRED)
        return seg

    seg_tool = segmentation.Segmenter(s, lex)
    items = []   # (start, kind, payload)
    # Formulary markers first: their ratios are not strengths, their words not names.
    groups = markers.groups(s, lex.markers)
    blocks = [(a, b, "marker", group) for a, b, group in groups]
    blocks += [(a, b, "exact", (a, b)) for a, b in
               _outside(segmentation.protected_matches(s, 0, len(s), lex.protected, tick), groups)]
    blocks.sort(key=lambda x: x[0])
    tick()
    cursor = 0
    for a, b, kind, payload in blocks + [(len(s), len(s), None, None)]:
        tick()
        for lo, hi in _gaps(s, cursor, a, lex, items):
            items.extend((p.start, "exact" if p.exact else "pending", (p.start, p.end))
                         for p in seg_tool.pieces(lo, hi))
        if a < b:
            items.append((a, kind, payload))
        cursor = b
    items.sort(key=lambda x: x[0])
    items = _compose_products(s, items, lex)
    fuzzy.prefetch(s, items, lex)

    strength = package = None
    strength_in_name = False
    found_markers = []
    for _, kind, payload in items:
        tick()
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
    tick()
    _join_latin_company(segments, raw, lex, flat)
    _prefer_named_company(segments, flat, _key_of(lex))
    _residue_name(segments, flat, _key_of(lex))
    if len(head) < len(raw):
        segments.append({"text": raw[len(head):], "start": len(head), "end": len(raw), "match": "none",
                         "attribute": None, "term": None, "standard": None, "skipped": "max_input"})
    doc.update(flat.values)
    doc["evidence"] = {f: flat.evidence[f] for f in FIELDS if flat.values[f] is not None}
    doc["status"] = _status(flat)
    doc["strength"] = strength
    doc["package"] = package
    doc["insurance_class"], doc["self_pay_ratio"], doc["markers"] = markers.summary(found_markers)
    doc["segments"] = segments
    return doc


def _status(flat) -> str:
    """How much of the drug was recognized, for reports: ``exact`` when every name field comes from exact
    or synonym matches and their links, ``fuzzy`` when some comes from an accepted fuzzy match, ``inferred``
    when some was inferred (the weakest evidence wins), ``none`` when no drug name was found."""
    names = [flat.evidence[f] for f in DRUG_FIELDS if flat.values[f] is not None]
    if not names:
        return "none"
    if "inferred" in names:
        return "inferred"
    return "fuzzy" if "fuzzy" in names else "exact"


def _nothing():
    pass


class _Budget:
    """The fuzzy matcher, for at most ``n`` fragments of one input (each costs a query); past that it
    returns None and the fragment stays unmatched. Every fragment counts, cached or not, so a string gets
    the same result whatever the backend met before."""

    def __init__(self, fuzzy, n):
        self.fuzzy, self.left = fuzzy, n

    def __call__(self, fragment):
        if self.left <= 0:
            return None
        self.left -= 1
        return self.fuzzy(fragment)

    def prefetch(self, s, items, lex):
        """A matcher with a ``prefetch(fragments)`` method gets, before the loop, the fragments the loop
        will ask for (within the budget, in order), so that it can look them all up in one query."""
        ahead = getattr(self.fuzzy, "prefetch", None)
        if ahead is None or self.left <= 0:
            return
        wanted = []
        for _, kind, payload in items:
            if kind == "pending":
                a, b = _fragment_span(s, payload)
                if _gate(s[a:b], lex)[0] is None:
                    wanted.append(s[a:b])
                    if len(wanted) == self.left:
                        break
        if wanted:
            ahead(wanted)


def _outside(spans, taken):
    """The spans that overlap none of ``taken``; both in order and disjoint, so one sweep does it."""
    out, k = [], 0
    for a, b in spans:
        while k < len(taken) and taken[k][1] <= a:
            k += 1
        if k == len(taken) or taken[k][0] >= b:
            out.append((a, b))
    return out


def _join_latin_company(segments, raw, lex, flat):
    """Fleet laboratories Limited: a Latin company name is cut at its spaces, and only its last word
    (Limited, GmbH) says it is a company. The unmatched Latin words right before it are its name."""
    i = len(segments) - 1
    while i > 0:
        seg = segments[i]
        j = i
        company = seg["match"] == "inferred" and seg["attribute"] == "manufacturer"
        if (company or inference.is_legal_form(seg["text"], after_a_name=True)) and not _has_hanzi(seg["text"]):
            while j > 0:
                prev = segments[j - 1]
                gap = raw[prev["end"]:segments[j]["start"]]
                # a word accepted as a manufacturer on its own (Abbott) is part of the whole name
                guessed = prev.get("accepted") and prev["attribute"] != "manufacturer"
                if prev["match"] not in ("none", "fuzzy") or guessed or gap.strip(" .,-&'") \
                        or _has_hanzi(prev["text"]) or any(ch.isdigit() for ch in prev["text"]):
                    break
                j -= 1
        if j < i:
            lo, hi = segments[j]["start"], seg["end"]
            if raw[hi:hi + 1] == "." and inference.is_legal_form(raw[seg["start"]:hi + 1]):
                hi += 1     # B.V.: the last dot is part of the legal form, not a separator
            name = " ".join(preprocess.normalize(raw[lo:hi], lex.t2s, lex.irrelevant)[0].split())
            joined = {x["standard"] for x in segments[j:i + 1] if x["attribute"] == "manufacturer"}
            if flat.rank["manufacturer"] >= FUZZY and (flat.values["manufacturer"] in joined
                                                        or flat.values["manufacturer"] is None):
                flat.set("manufacturer", name, INFERRED)
            segments[j:i + 1] = [{"text": raw[lo:hi], "start": lo, "end": hi, "match": "inferred",
                                  "attribute": "manufacturer", "term": name, "standard": name}]
        i = j - 1


def _residue_name(segments, flat, key_of):
    """重组人凝血酶 500IU, 蓖麻油 20ml: once markers, specs, packages and makers are off a string, what is left
    is the drug's name even without a dosage-form suffix. When nothing named a drug, the unresolved
    fragment with the most hanzi (not a place, not a company) is reported as an inferred product name;
    without a suffix nothing tells its generic name, which stays empty."""
    if flat.values["product_name"] or flat.values["generic_name"]:
        return
    best, best_hanzi = None, 1
    for seg in segments:
        if seg["match"] not in ("fuzzy", "none") or seg.get("accepted"):
            continue
        name = key_of(seg["text"]).strip(" ,;:.、")
        n = sum(1 for ch in name if is_hanzi(ch))
        if n > best_hanzi and not inference.is_place(name) and not inference.is_company(name):
            best, best_hanzi = (seg, name), n
    if best:
        seg, name = best
        seg.update(match="inferred", attribute="product_name", term=name, standard=name, known_generic=False,
                   generic=None, dosage_form=None)
        flat.fill("product_name", name, INFERRED)


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
    shorts = set()
    for seg in segments:
        if seg["match"] == "exact" and seg["attribute"] == "manufacturer":
            if seg["term"] == seg["standard"]:
                return      # a standard is never such a short name
            shorts.add(seg["term"])
    shorts = {key_of(term) for term in shorts}
    named = [seg["term"] for seg in segments if seg["match"] == "inferred" and seg["attribute"] == "manufacturer"]
    for full in named:
        if all(short in full for short in shorts):
            flat.set("manufacturer", full, INFERRED)
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
        bag = _with_vehicle(s, items[i:i + 3], lex)
        if bag:
            n, payload = bag
            out.append((items[i][0], "composed", payload))
            i += n
            continue
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
            trade = lex.first(s[a:b], ("trade_name",)) if not generic else None
            if trade and trade.generic and nxt[1] in ("exact", "pending") and nxt[2][0] == b:
                # 速尿 + 注射液: a trade or common name with a form after it names that form of its generic,
                # whatever product the name is linked to (速尿 → 呋塞米片); it stays a segment of its own
                form = lex.dosage_form_suffixes.get(s[b:nxt[2][1]])
                linked = lex.first(trade.product, ("product_name",)) if trade.product else None
                if form and not (linked and linked.dosage_form == form):
                    name = _named_product(lex, trade.generic + s[b:nxt[2][1]], trade.generic, "", s[b:nxt[2][1]])
                    out.append((a, "composed", (a, nxt[2][1], name, trade.generic, form)))
                    out.append(items[i])
                    i, done = i + 2, True
            elif generic and nxt[1] in ("exact", "pending") and nxt[2][0] == b:
                form = lex.dosage_form_suffixes.get(s[b:nxt[2][1]]) or _vehicle_form(s[b:nxt[2][1]], lex)
                if form:
                    name = _named_product(lex, s[a:nxt[2][1]], generic, "", s[b:nxt[2][1]])
                    out.append((a, "composed", (a, nxt[2][1], name, generic, form)))
                    i, done = i + 2, True
            elif generic and i + 2 < len(items) and nxt[1] in ("exact", "pending") \
                    and items[i + 2][1] in ("exact", "pending"):
                (c, d), (e, f) = nxt[2], items[i + 2][2]
                form = lex.dosage_form_suffixes.get(s[e:f])
                if form and s[b:c] == "(" and s[d:e] == ")":
                    name = _named_product(lex, s[a:b] + s[e:f], generic, "", s[e:f])
                    out.append((a, "composed", (a, f, name, generic, form)))
                    out.append(nxt)
                    i, done = i + 3, True
            if not done and s[a:b] == inference.INJECTION_PREFIX and lex.injection_form \
                    and nxt[1] in ("exact", "pending") and nxt[2][0] == b:
                generic = _generic_entry(s[b:nxt[2][1]], lex)
                if generic:
                    name = _named_product(lex, s[a:nxt[2][1]], generic, s[a:b], "")
                    out.append((a, "composed", (a, nxt[2][1], name, generic, lex.injection_form)))
                    i, done = i + 2, True
        if not done:
            out.append(items[i])
            i += 1
    return out


def _with_vehicle(s, three, lex):
    """A drug and its vehicle are one product (never the vehicle alone): a dual-chamber bag
    注射用头孢曲松钠/氯化钠注射液, and a generic with a qualifier before its infusion
    羟乙基淀粉130/0.4氯化钠注射液. Returns (items used, composed payload) or None."""
    spans = []
    for _, kind, span in three:     # consecutive name pieces only: a spec or a marker ends the run
        if kind not in ("exact", "pending"):
            break
        spans.append(span)
    if len(spans) < 2:
        return None
    (a, b), (c, d) = spans[0], spans[1]
    drug = lex.first(s[a:b], ("product_name", "generic_name"))
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
        return None    # 奥硝唑 + 氯化钠注射液 is _compose_products' rule
    return used, (a, d, s[a:d], generic, form or vehicle.dosage_form)


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


def _unlinked_product(key, lex):
    """(generic, dosage form) a product name tells by its shape: 注射用阿莫西林钠克拉维酸钾 → 阿莫西林钠克拉维酸钾;
    a vehicle and a qualifier before it are not the generic (羟乙基淀粉130/0.4氯化钠注射液 → 羟乙基淀粉)."""
    sh = inference.shape(key, lex)
    if sh is None:
        return None, None
    stem = sh.stem
    for v in sorted(VEHICLE_GENERICS, key=len, reverse=True):
        if stem.endswith(v) and sum(1 for ch in stem[:-len(v)] if is_hanzi(ch)) >= 2:
            stem = stem[:-len(v)].rstrip("0123456789./:-() ")
            break
    return inference.known_generic(stem, lex) or stem, sh.dosage_form


def _named_product(lex, written, generic, prefix, suffix):
    """安定片 → 地西泮片: a product written with a synonym of its generic (a common or former name) is the
    lexicon's product of the standard generic with the same form, when the lexicon has it; else the name
    stays as written; so does a base written for its salt (莫沙必利片 is not 枸橼酸莫沙必利片: the name
    holds the generic's own words)."""
    key = _key_of(lex)
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


def _gaps(s, lo, hi, lex, items):
    """Spec segments of s[lo:hi] go to items; yields the spans between them."""
    def name_before(i):   # 两性霉素b|5mg: a lexicon name ends at the letter before the number
        return any(lex.has(s[k:i]) for k in range(max(lo, i - lex.max_key_len), i - 1))
    cursor = lo
    for sp in spec_split.find(s, lo, hi, lex.units, name_before):
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
    """The span without separators and unbalanced brackets at its edges (")礼来(美国)公司"). The brackets
    of the span are counted once and kept up to date: linear, whatever the span holds."""
    opens, closes = s.count("(", a, b), s.count(")", a, b)
    while a < b:
        if s[a] in _EDGE:
            a += 1
        elif s[a] == ")" and opens < closes:
            a, closes = a + 1, closes - 1
        elif s[b - 1] in _EDGE:
            b -= 1
        elif s[b - 1] == "(" and opens > closes:
            b, opens = b - 1, opens - 1
        else:
            break
    return a, b


def _fragment_span(s, span):
    """The span of a second-type piece without separators and unbalanced brackets at its edges."""
    a, b = _trim(s, *span)
    return span if a == b else (a, b)


def _gate(fragment, lex):
    """Whether a second-type fragment goes to the fuzzy matcher: (None, its shape, None) when it does, else
    (why not, shape, known generic): "none" (no name), "company" (no manufacturer of the lexicon could be
    it), "known" (a known generic with a form suffix). No side effects: parse asks it ahead of the loop
    too, to hand the matcher every fragment of the input at once."""
    n_hanzi = sum(1 for ch in fragment if is_hanzi(ch))
    hanzi = n_hanzi > 0
    # one hanzi alone (片, 袋, 盐) is no name: the lexicon keeps no one-character drug terms
    if len(fragment) > MAX_FUZZY or (not hanzi and len(fragment) < MIN_LATIN) or (n_hanzi == 1 and len(fragment) == 1):
        return "none", None, None
    if inference.is_place(fragment):      # 江苏, 瑞士, 进口: where it comes from, not a name
        return "none", None, None
    if inference.is_company(fragment) and not inference.company_may_match(fragment, lex):
        return "company", None, None
    shape = inference.shape(fragment, lex)
    known = inference.known_generic(shape.stem, lex) if shape and hanzi else None
    return ("known" if known else None), shape, known


def _second_type(s, span, surface, lex, fuzzy, settings, flat) -> dict:
    a, b = _fragment_span(s, span)
    fragment = s[a:b]
    seg = surface(a, b)
    seg.update(match="none", attribute=None, term=None, standard=None)
    hanzi = any(is_hanzi(ch) for ch in fragment)
    why_not, shape, known = _gate(fragment, lex)
    if why_not == "none":
        return seg
    if why_not == "company":
        # a company the lexicon cannot hold (no manufacturer with its core name): no fuzzy search
        seg.update(match="inferred", attribute="manufacturer", term=fragment, standard=fragment)
        flat.fill("manufacturer", fragment, INFERRED)
        return seg
    if known:
        # 昂丹司琼口溶膜: a known generic name (or its synonym) with a form suffix the dictionaries lack
        # is that generic's product; nothing for the fuzzy matcher to guess
        seg.update(match="inferred", attribute="generic_name", term=shape.stem, standard=known,
                   known_generic=True, dosage_form=shape.dosage_form)
        flat.fill("generic_name", known, INFERRED)
        flat.fill("dosage_form", shape.dosage_form, INFERRED)
        prefix = inference.INJECTION_PREFIX if fragment.startswith(inference.INJECTION_PREFIX) else ""
        suffix = fragment[len(prefix) + len(shape.stem):]
        flat.fill("product_name", _named_product(lex, fragment, known, prefix, suffix), INFERRED)
        trade = lex.first(shape.stem, ("trade_name",))
        if trade is not None:      # 灭滴灵片: the stem is a trade or common name of the lexicon
            flat.fill("trade_name", trade.standard, EXACT)
        return seg
    candidates = fuzzy(fragment)
    if candidates is None:          # the input's fuzzy budget is spent
        seg["skipped"] = "fuzzy_budget"
        return seg
    verdict = inference.judge(fragment, candidates, lex, settings, _key_of(lex))
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
