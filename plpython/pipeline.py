"""The patent's steps 2-6 (claims 1-6, 12-13) on one string, and the JSON contract of drug_parse.

Pure: the lexicon, the fuzzy matcher and the settings come in as arguments (see docs/DESIGN.md). The steps
run in order: preprocess (2, preprocess.py), formulary markers (markers.py), protected terms
(segmentation.py), spec splitting (3, spec_split.py) and step 4 on what is left (segmentation.py), segment
merging (merging.py); then, item by item, exact matches, specs, and second-type fragments through the fuzzy
matcher (5; acceptance.py), product shape (inference.py) and company shape (companies.py). The flat fields
and the segments are the output (6).

Flat fields are filled by the strongest evidence (the lowest Rank), then in input order.
"""
from __future__ import annotations

from enum import IntEnum

import acceptance
import companies
import inference
import markers
import merging
import preprocess
import salts
import segmentation
import settings as config
import spec_split
from chars import is_hanzi
from dosage_forms import DECOCTION_PIECE, HERB_DISPENSING_FORMS, INJECTION_PREFIX, other_product_form
from merging import DRUG_NAMES, Item, Kind

FIELDS = ("generic_name", "trade_name", "product_name", "dosage_form", "route", "manufacturer",
          "packaging_material")
KEYS = ("input", "normalized") + FIELDS + ("strength", "package", "insurance_class", "self_pay_ratio", "markers",
                                           "status", "evidence", "segments", "lexicon_version")
# Fragments longer than this are not looked up (no drug name is that long); shorter Latin/digit-only
# fragments than MIN_LATIN are codes or noise, not names.
MAX_FUZZY = 64
MIN_LATIN = 3
DRUG_FIELDS = ("generic_name", "trade_name", "product_name", "dosage_form")
# What a name the text writes otherwise than its key (merging.py's JOINED items) may be: a drug name, or a
# trade name the lexicon writes with a space (诺和灵 R) glued in the text.
JOINED_NAMES = DRUG_NAMES + ("trade_name",)


class Rank(IntEnum):
    """The strength of the evidence for a flat field, strongest first."""
    EXACT = 0          # an exact match of that dictionary
    COMPOSED = 1       # a product name read off a generic name and a form next to it (merging.py)
    LINKED = 2         # a link from an exact match (立普妥 → its generic)
    FUZZY = 3          # an accepted fuzzy match
    FUZZY_LINKED = 4   # a link from one
    INFERRED = 5       # an inference from a fragment's shape (a product, a company, the residue)
    PACKER = 6         # a packer's note matched fuzzily or inferred: the maker only when the text names no other
    LINKED_FORM = 7    # the form of a trade name's linked product: only when the text tells none
    UNSET = 8


EXACT, COMPOSED, LINKED, FUZZY, FUZZY_LINKED, INFERRED, PACKER, LINKED_FORM = (
    Rank.EXACT, Rank.COMPOSED, Rank.LINKED, Rank.FUZZY, Rank.FUZZY_LINKED, Rank.INFERRED, Rank.PACKER,
    Rank.LINKED_FORM)
# What each rank says about a flat field, for reports (``evidence``); an exact match of a synonym says
# "synonym".
EVIDENCE = {EXACT: "exact", COMPOSED: "inferred", LINKED: "link", FUZZY: "fuzzy", FUZZY_LINKED: "fuzzy",
            INFERRED: "inferred", PACKER: "inferred", LINKED_FORM: "link"}


class _Flat:
    def __init__(self):
        self.values = dict.fromkeys(FIELDS)
        self.rank = dict.fromkeys(FIELDS, Rank.UNSET)
        self.evidence = dict.fromkeys(FIELDS)
        self.trade_links = []    # (generic, product, dosage form) each exact trade name links to
        self.fuzzy_trade = None   # (segment, generic) of the trade name an accepted fuzzy match filled

    def fill(self, field, value, rank, evidence=None):
        if value is not None and field in self.values and rank < self.rank[field]:
            self.set(field, value, rank, evidence)

    def set(self, field, value, rank, evidence=None):
        self.values[field] = value
        self.rank[field] = rank
        self.evidence[field] = evidence or EVIDENCE[rank]

    def link_trade_names(self, form_of_product, spelled=()):
        """Fill what the exact trade names link to, unless the text names another drug itself: 京新 is the
        trade name of a ciprofloxacin in the lexicon and the short name of its maker, and 地达西尼胶囊 … 京新
        is no ciprofloxacin. A drug the text names in full (exact, composed) keeps its fields either way.
        ``spelled``: generic names written inside pieces nothing resolved, heard when no field names one
        (恩格列净二甲双胍(卓和)片 is not the 甲钴胺 the lexicon links 卓和 to)."""
        written = self.values["dosage_form"]
        for generic, product, form in self.trade_links:
            named = self.values["generic_name"]
            others = [named] if named is not None else spelled
            if generic is not None and any(not _same_drug(n, generic) for n in others):
                continue
            self.fill("generic_name", generic, LINKED)
            linked = form or (form_of_product(product) if product else None)
            if written and linked and other_product_form(written, linked):
                # 降钙素(密盖息)鼻喷剂: the lexicon links the trade name to its injection; the text writes a
                # nasal spray of the same drug
                continue
            self.fill("product_name", product, LINKED)
            self.fill("dosage_form", form, LINKED)
            if product and form is None:   # the form of its product, when the text tells none
                self.fill("dosage_form", form_of_product(product), LINKED_FORM)

    def exact_entry(self, attribute, standard, generic, product, dosage_form, synonym=False):
        """An exact match of ``attribute`` and what its entry links to (a trade name's links wait for
        link_trade_names, after every segment)."""
        self.fill(attribute, standard, EXACT, "synonym" if synonym else None)
        if attribute == "trade_name":
            self.trade_links.append((generic, product, dosage_form))
            return
        self.fill("generic_name", generic, LINKED)
        self.fill("product_name", product, LINKED)
        self.fill("dosage_form", dosage_form, LINKED)


def empty(raw: str) -> dict:
    doc = dict.fromkeys(KEYS)
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

    def form_of_product(product):   # 立普妥 → 阿托伐他汀钙片 → 片剂
        linked = lex.first(key_of(product), ("product_name",))
        return linked.dosage_form if linked is not None else None

    def exact(a, b, dicts=None, key=None):
        e = lex.first(s[a:b] if key is None else key, dicts)
        seg = surface(a, b)
        seg.update(match="exact", attribute=e.dict, term=e.term, standard=e.standard)
        flat.exact_entry(e.dict, e.standard, e.generic, e.product, e.dosage_form, synonym=e.term != e.standard)
        if e.product and e.dosage_form is None and e.dict != "trade_name":
            # weakest: the written name's own form suffix says more
            flat.fill("dosage_form", form_of_product(e.product), LINKED_FORM)
        if e.dict == "product_name" and (e.generic is None or e.dosage_form is None):
            # a product the lexicon holds without links (a pharmacist's new standard, a register name):
            # its name still tells its generic and form
            generic, form = inference.unlinked_product(s[a:b] if key is None else key, lex)
            flat.fill("generic_name", generic, INFERRED)
            flat.fill("dosage_form", form, INFERRED)
        return seg

    def exact_unfilled(a, b, flag):
        """An exact match that fills no field, marked with ``flag`` (accessory, ingredient)."""
        e = lex.first(s[a:b])
        seg = surface(a, b)
        seg.update({"match": "exact", "attribute": e.dict, "term": e.term, "standard": e.standard, flag: True})
        return seg

    key_of = merging.key_of(lex)
    seg_tool = segmentation.Segmenter(s, lex)
    items: list[Item] = []
    # Formulary markers first: their ratios are not strengths, their words not names.
    groups = markers.groups(s, lex.markers)
    blocks = [Item(a, b, Kind.MARKER, group) for a, b, group in groups]
    blocks += [Item(a, b, Kind.EXACT) for a, b in
               _outside(segmentation.protected_matches(s, 0, len(s), lex.protected, tick), groups)]
    blocks.sort(key=_start)
    tick()
    cursor = 0
    for block in blocks + [Item(len(s), len(s), None)]:
        tick()
        for lo, hi in _gaps(s, cursor, block.start, lex, items):
            items.extend(Item(p.start, p.end, Kind.JOINED, p.key) if p.key else
                         Item(p.start, p.end, Kind.EXACT if p.exact else Kind.PENDING)
                         for p in seg_tool.pieces(lo, hi))
        if block.start < block.end:
            items.append(block)
        cursor = block.end
    items.sort(key=_start)
    items = merging.merge(s, items, lex)
    gates = {}     # fragment -> _gate's answer: asked ahead for the matcher, then again in the loop
    fuzzy.prefetch(s, items, lex, gates)

    strength = package = package_unit = None
    strength_in_name = False
    found_markers = []
    ingredients = []      # (start, end, segment) of names a spec note lists
    for item in items:
        tick()
        kind = item.kind
        if kind is Kind.MARKER:
            for m in item.detail:
                seg = surface(m.start, m.end)
                seg.update(markers.segment_fields(m))
                segments.append(seg)
            found_markers.extend(item.detail)
        elif kind is Kind.SPEC:
            sp = item.detail
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
                # follows is the strength, and the concentration counts only when nothing follows. So does a
                # size (利多卡因凝胶贴膏 14cm*10cm 700mg; 每次涂2-3cm)
                in_name = sp.parts[0].unit_standard == "%" and sp.end < len(s) and is_hanzi(s[sp.end]) or sp.is_size
                if strength is None or strength_in_name:
                    if not (in_name and strength is not None):
                        strength, strength_in_name = sp.first, in_name
            if sp.kind == "package" and package is None:
                package, package_unit = sp.display, sp.parts[0].unit
            segments.append(seg)
        elif kind is Kind.EXACT and _accessory_note(s, item.start):
            # 注射用尿促性素 75iu×1支(附2ml氯化钠注射液): what comes with the drug is not the drug
            segments.append(exact_unfilled(item.start, item.end, "accessory"))
        elif kind is Kind.EXACT and _after_note_word(segments, surface(item.start, item.end), key_of):
            # 注射用头孢曲松钠 1g(含利多卡因), 每片含厄贝沙坦150mg和氢氯噻嗪12.5mg: an ingredient the note lists
            segments.append(exact_unfilled(item.start, item.end, "ingredient"))
            ingredients.append((item.start, item.end, segments[-1]))
        elif kind is Kind.EXACT:
            segments.append(exact(item.start, item.end))
            inner = merging.bracketed_trade_name(s, item.start, item.end, lex)
            if inner:   # 氯雷他定片(开瑞坦): a product-name synonym that holds the trade name in brackets
                segments.append(exact(*inner, dicts=("trade_name",)))
        elif kind is Kind.JOINED:
            segments.append(exact(item.start, item.end, JOINED_NAMES, item.detail))
        elif kind is Kind.COMPOSED:
            name, generic, form = item.detail
            seg = surface(item.start, item.end)
            seg.update(match="inferred", attribute="product_name", term=name, standard=name,
                       known_generic=True, generic=generic, dosage_form=form)
            flat.fill("product_name", name, COMPOSED)
            flat.fill("generic_name", generic, EXACT)
            flat.fill("dosage_form", form, COMPOSED)
            segments.append(seg)
        else:
            segments.append(_second_type(s, (item.start, item.end), surface, lex, fuzzy, settings, flat, key_of,
                                         gates, item.detail))
    tick()
    if ingredients and not flat.trade_links and flat.values["generic_name"] is None \
            and flat.values["product_name"] is None and _a_spec_alone(segments, key_of):
        # a spec alone (每片含盐酸二甲双胍500mg): the drug it describes is its first ingredient
        a, b, seg = ingredients[0]
        seg.update(exact(a, b))
        del seg["ingredient"]
    spelled = []
    if flat.trade_links and flat.values["generic_name"] is None:
        # generic names written in pieces nothing resolved (恩格列净二甲双胍(卓和)片: the two glued are no entry)
        spelled = [std for seg in segments if seg["match"] in ("fuzzy", "none", "inferred")
                   and not seg.get("accepted") and seg["attribute"] != "manufacturer"
                   for _, std in acceptance.generics_spelled(key_of(seg["text"]), lex)]
    flat.link_trade_names(form_of_product, spelled)
    generic = flat.values["generic_name"]
    if flat.fuzzy_trade and flat.rank["trade_name"] == FUZZY and flat.rank["generic_name"] < FUZZY \
            and generic is not None and not _same_drug(generic, flat.fuzzy_trade[1]):
        # 阿莫西林胶囊(藩应停): a name the text writes in full outweighs a guessed trade name of another drug;
        # the fragment is a fuzzy one no candidate was accepted for (a bracketed one may be the trade name as
        # written, _bracketed_trade_name)
        flat.values["trade_name"], flat.rank["trade_name"], flat.evidence["trade_name"] = None, Rank.UNSET, None
        flat.fuzzy_trade[0].update(match="fuzzy", attribute=None, term=None, standard=None, accepted=False)
    _fuzzy_product_of_another_form(flat, form_of_product)
    _join_latin_company(segments, raw, lex, flat)
    if flat.rank["manufacturer"] in (EXACT, FUZZY):
        full = companies.full_name_of_short_names(segments, key_of)
        if full is not None:
            flat.set("manufacturer", full, INFERRED)
    _residue_name(segments, flat, key_of)
    _bracketed_trade_name(segments, raw, flat, key_of, lex)
    _counted_pieces(flat, package_unit, lex)
    if len(head) < len(raw):
        segments.append({"text": raw[len(head):], "start": len(head), "end": len(raw), "match": "none",
                         "attribute": None, "term": None, "standard": None, "skipped": "max_input"})
    _as_written(segments, flat, s, offsets, head)
    doc.update(flat.values)
    doc["evidence"] = {f: flat.evidence[f] for f in FIELDS if flat.values[f] is not None}
    doc["status"] = _status(flat)
    doc["strength"] = strength
    doc["package"] = package
    doc["insurance_class"], doc["self_pay_ratio"], doc["markers"] = markers.summary(found_markers)
    doc["segments"] = segments
    return doc


def _as_written(segments, flat, s, offsets, head):
    """Names inferred from the text are cut from the normalized string, whose letters are lower case (the
    keys are); they are reported with the case the input writes them in: 维生素B1注射液, Schering GmbH, 重组人凝血因子VIII
    (Ⅷ), not 维生素b1注射液."""
    def written(text):
        i = s.find(text) if text else -1
        if i < 0 or not any(map(str.isupper, head[offsets[i]:offsets[i + len(text) - 1] + 1])):
            return text     # nothing written in capitals there (offsets only grow)
        return "".join(ch.upper() if ch.islower() and head[offsets[i + k]].isupper() and len(ch.upper()) == 1
                       else ch for k, ch in enumerate(text))

    for f in FIELDS:
        if flat.rank[f] in (COMPOSED, INFERRED, PACKER) and flat.values[f] is not None:
            flat.values[f] = written(flat.values[f])
    for seg in segments:
        if seg["match"] == "inferred":
            seg["term"], seg["standard"] = written(seg["term"]), written(seg["standard"])


def _fuzzy_product_of_another_form(flat, form_of_product):
    """六味地黄梚 胶囊: a product the fuzzy step found (六味地黄丸) whose form is of another kind than the form the
    text writes (胶囊) is not the product the text names; its generic stands, as a trade name's linked
    product of another form gives way (dosage_forms.other_product_form)."""
    product = flat.values["product_name"]
    if product is None or flat.rank["product_name"] not in (FUZZY, FUZZY_LINKED) or flat.rank["dosage_form"] != EXACT:
        return
    linked = form_of_product(product)
    if linked and other_product_form(flat.values["dosage_form"], linked):
        flat.values["product_name"], flat.rank["product_name"], flat.evidence["product_name"] = None, Rank.UNSET, None


def _same_drug(a: str, b: str) -> bool:
    """Whether two generic names may name one drug, as a trade name's link and the name written next to it
    (长春瑞宾注射液(诺维本), 左旋甲状腺片(优甲乐): the written name mistyped or unknown, the link the standard).
    Two names that share fewer than half the characters of the shorter, salts aside, are other drugs
    (地达西尼 / 盐酸环丙沙星, 消痛贴 / 红花如意).

    >>> _same_drug("长春瑞宾", "酒石酸长春瑞滨"), _same_drug("地达西尼", "盐酸环丙沙星")
    (True, False)
    """
    a, b = set(_base(a)), set(_base(b))
    return 2 * len(a & b) >= min(len(a), len(b))


def _base(generic: str) -> str:
    sb = salts.salt_base(generic)
    return sb[1] if sb else generic


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

    def prefetch(self, s, items, lex, gates):
        """A matcher with a ``prefetch(fragments)`` method gets, before the loop, the fragments the loop
        will ask for (within the budget, in order), so that it can look them all up in one query."""
        ahead = getattr(self.fuzzy, "prefetch", None)
        if ahead is None or self.left <= 0:
            return
        wanted = []
        for item in items:
            if item.kind is Kind.PENDING:
                a, b = _fragment_span(s, (item.start, item.end))
                fragment = item.detail or s[a:b]
                if _gate_of(fragment, lex, gates)[0] is None:
                    wanted.append(fragment)
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
    """Fleet laboratories Limited: each Latin company name that spaces cut up (companies.py) becomes one
    inferred manufacturer segment. It fills the field when nothing stronger than a packer's note did, or a
    fuzzy match of one of its words (Abbott), or a name joined after it (the runs come right to left)."""
    later = set()
    for j, i, lo, hi in companies.latin_company_runs(segments, raw):
        name = " ".join(preprocess.normalize(raw[lo:hi], lex.t2s, lex.irrelevant)[0].split())
        joined = {x["standard"] for x in segments[j:i + 1] if x["attribute"] == "manufacturer"} | later
        if flat.rank["manufacturer"] > INFERRED or (flat.rank["manufacturer"] >= FUZZY
                                                     and flat.values["manufacturer"] in joined):
            flat.set("manufacturer", name, INFERRED)
            later.add(name)
        segments[j:i + 1] = [{"text": raw[lo:hi], "start": lo, "end": hi, "match": "inferred",
                              "attribute": "manufacturer", "term": name, "standard": name}]


def _start(item):
    return item.start


def _counted_pieces(flat, unit, lex):
    """黄芩片 0.5g*24片: a decoction piece is weighed (1000mg/g, 10g/袋), never counted. A package counted in
    the unit the product's name ends with (片) is that form of the herb (tablets), not its decoction piece
    (黄芩片 1000mg/g): the dosage form is the name's suffix's."""
    product = flat.values["product_name"]
    if flat.values["dosage_form"] != DECOCTION_PIECE or not unit or not product or not product.endswith(unit):
        return
    form = lex.dosage_form_suffixes.get(unit)
    if form and form not in HERB_DISPENSING_FORMS:
        flat.set("dosage_form", form, INFERRED)


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
        if n > best_hanzi and not companies.is_place(name) and not companies.is_company(name):
            best, best_hanzi = (seg, name), n
    if best:
        seg, name = best
        seg.update(match="inferred", attribute="product_name", term=name, standard=name, known_generic=False,
                   generic=None, dosage_form=None)
        flat.fill("product_name", name, INFERRED)


# What opens a note on what comes with the drug (附2ml氯化钠注射液, 附带吸入器, 附赠…): the solvent or the device
_ACCESSORY = "附"


def _after_note_word(segments, seg, key_of) -> bool:
    """Whether the words of a spec note come right before ``seg`` (含|利多卡因, 每片含|厄贝沙坦, 和|氢氯噻嗪:
    segmentation cuts them off the name): the name is an ingredient the note lists, not the drug."""
    prev = segments[-1] if segments else None
    return prev is not None and prev["match"] == "none" and prev["end"] == seg["start"] \
        and spec_split.NOTE_LEAD.fullmatch(key_of(prev["text"])) is not None


def _a_spec_alone(segments, key_of) -> bool:
    """Whether the input begins as a spec does (每片含…, 6.5ml：…, 每粒重0.27g): not with a name (胃仙-U(含颠茄)
    names a drug the lexicon lacks, which its ingredient is not)."""
    first = segments[0]
    return first["match"] in ("spec", "package") or \
        first["match"] == "none" and spec_split.is_spec_note(key_of(first["text"]))


def _accessory_note(s, i):
    """Whether position ``i`` of the normalized string is inside a bracket group that opens with 附 (comes
    with): (附2ml氯化钠注射液). The names there are of the solvent or device packed with the drug."""
    lo = max(s.rfind("(", 0, i), s.rfind("[", 0, i))
    if lo < 0 or max(s.rfind(")", lo, i), s.rfind("]", lo, i)) >= 0:
        return False
    return s[lo + 1:i].lstrip().startswith(_ACCESSORY)


_OPENING, _CLOSING = "([（【", ")]）】"


def _bracketed_trade_name(segments, raw, flat, key_of, lex):
    """复方甘露醇注射液(伸宁): catalogues write a drug's trade name in brackets right after (or before) its name.
    When no trade name was found, an unresolved bracketed piece there that looks like one
    (inference.trade_name_shape) is reported as the trade name as written, inferred; not when the maker's
    name holds it (狂犬病人免疫球蛋白(同路) … 安徽同路生物: the maker's short name), nor when some
    manufacturer of the lexicon may be it or holds it (双鹤 in 华润双鹤药业), nor when it repeats a piece of the
    drug's name (注射用单磷酸阿糖腺苷(阿糖))."""
    if flat.values["trade_name"] is not None:
        return
    names = [seg for seg in segments if seg["attribute"] in ("product_name", "generic_name")]
    makers = [key_of(seg["text"]) for seg in segments if seg["attribute"] == "manufacturer"]
    for seg in segments:
        if seg["match"] not in ("fuzzy", "none") or seg.get("accepted") or seg.get("skipped"):
            continue
        a, b = seg["start"], seg["end"]
        if a == 0 or b >= len(raw) or raw[a - 1] not in _OPENING or raw[b] not in _CLOSING:
            continue
        beside = [raw[n["start"]:n["end"]] for n in names
                  if n["end"] < a and not raw[n["end"]:a - 1].strip() or n["start"] > b and not raw[b + 1:n["start"]].strip()]
        beside += [raw[n["start"]:a - 1] + raw[b + 1:n["end"]] for n in names if n["start"] < a and n["end"] > b]
        if not beside:
            continue
        name = key_of(seg["text"])
        if not inference.trade_name_shape(name, lex) or any(name in m for m in makers) \
                or any(name in key_of(text) for text in beside) \
                or companies.company_may_match(name, lex) or companies.inside_a_company_name(name, lex):
            continue
        seg.update(match="inferred", attribute="trade_name", term=seg["text"], standard=seg["text"])
        flat.fill("trade_name", seg["text"], INFERRED)
        return


def _gaps(s, lo, hi, lex, items):
    """Spec segments of s[lo:hi] go to items; yields the spans between them."""
    def name_before(i):   # 两性霉素b|5mg: a lexicon name ends at the letter before the number
        return any(lex.has(s[k:i]) for k in range(max(lo, i - lex.max_key_len), i - 1))
    cursor = lo
    for sp in spec_split.find(s, lo, hi, lex.units, name_before):
        items.append(Item(sp.start, sp.end, Kind.SPEC, sp))
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
    it), "known" (a known generic with a form suffix), "herb" (a herb with a processing word, 生白芍:
    inference.processed_herb), "patent" (such a herb before another form, 炙甘草合剂). No side effects: parse asks it ahead of the loop too, to hand the matcher
    every fragment of the input at once."""
    n_hanzi = sum(1 for ch in fragment if is_hanzi(ch))
    hanzi = n_hanzi > 0
    # one hanzi alone (片, 袋, 盐) is no name: the lexicon keeps no one-character drug terms
    if len(fragment) > MAX_FUZZY or (not hanzi and len(fragment) < MIN_LATIN) or (n_hanzi == 1 and len(fragment) == 1):
        return "none", None, None
    if companies.is_place(fragment) or spec_split.is_spec_note(fragment):   # 江苏, 进口; 每片含, C₂₅H₃₇NO₄
        return "none", None, None
    if not any(ch.isalpha() for ch in fragment):    # 20101116, 0.09, 70/30: a number or a date names nothing
        return "none", None, None
    if companies.is_company(fragment) and not companies.company_may_match(fragment, lex):
        return "company", None, None
    shape = inference.shape(fragment, lex)
    if shape and hanzi and shape.dosage_form not in HERB_DISPENSING_FORMS \
            and inference.processed_herb(shape.stem, lex) is not None:
        # 炙甘草合剂, 生白芍胶囊: a processed herb before another form begins a patent medicine's name (a
        # formula, not 甘草); the matcher could only take it for the herb's piece
        return "patent", shape, None
    known = inference.known_generic(shape.stem, lex) if shape and hanzi else None
    if known is None and hanzi and (shape is None or shape.dosage_form in HERB_DISPENSING_FORMS):
        # 生白芍, 炙黄精颗粒: a herb with a processing word is that herb's piece (or granules); before
        # another form it may begin a patent medicine's name, as a herb may (segmentation._glued_names)
        herb = inference.processed_herb(shape.stem if shape else fragment, lex)
        if herb is not None:
            return "herb", shape or inference.Shape(fragment, DECOCTION_PIECE), herb
    return ("known" if known else None), shape, known


def _gate_of(fragment, lex, gates):
    """_gate's answer, computed once per fragment of a parse (``gates``)."""
    got = gates.get(fragment)
    if got is None:
        got = gates[fragment] = _gate(fragment, lex)
    return got


def _shape_before_mark(fragment, lex):
    """硝苯地平缓释片ii: a variant mark after the form suffix is the product's (its Ⅱ); the stem before the
    form is still the generic's. Read only once the fuzzy step, which sees the mark, found no entry."""
    mark = segmentation.trailing_variant_mark(fragment)
    return inference.shape(fragment[:-len(mark)], lex) if mark else None


def _suffix(fragment, shape):
    """The form suffix a product-shaped fragment is written with ("" after 注射用 + a stem)."""
    prefix = INJECTION_PREFIX if fragment.startswith(INJECTION_PREFIX) else ""
    return fragment[len(prefix) + len(shape.stem):]


def _inferred_product(seg, flat, fragment, shape, known):
    """A product-shaped fragment no dictionary holds: its stem (or the known generic it names) is the generic
    name, its suffix the dosage form, the fragment the product name."""
    seg.update(match="inferred", attribute="generic_name", term=shape.stem, standard=known or shape.stem,
               known_generic=known is not None, dosage_form=shape.dosage_form)
    flat.fill("generic_name", known or shape.stem, INFERRED)
    flat.fill("dosage_form", shape.dosage_form, INFERRED)
    flat.fill("product_name", fragment, INFERRED)


def _second_type(s, span, surface, lex, fuzzy, settings, flat, key_of, gates, text=None) -> dict:
    """``text``: the fragment when a bracket splits it (merging._bracket_inside_name), else s[span]."""
    a, b = _fragment_span(s, span)
    fragment = text or s[a:b]
    seg = surface(a, b)
    seg.update(match="none", attribute=None, term=None, standard=None)
    hanzi = any(is_hanzi(ch) for ch in fragment)
    why_not, shape, known = _gate_of(fragment, lex, gates)
    if why_not == "none":
        return seg
    # a packer's note (拜耳医药保健有限公司分装) names the maker only when nothing else does; a legal form or an
    # industry word alone (Ltd, 制药有限公司) is the end of a name cut short: the segment, for
    # _join_latin_company, but never the field
    maker_rank = PACKER if companies.is_packer(fragment) else INFERRED
    infer_maker = companies.names_a_company(fragment)
    if why_not == "company":
        # a company the lexicon cannot hold (no manufacturer with its core name): no fuzzy search
        seg.update(match="inferred", attribute="manufacturer", term=fragment, standard=fragment)
        if infer_maker:
            flat.fill("manufacturer", fragment, maker_rank)
        return seg
    if why_not == "patent":
        _inferred_product(seg, flat, fragment, shape, None)
        return seg
    if known:
        # 昂丹司琼口溶膜: a known generic name (or its synonym) with a form suffix the dictionaries lack
        # is that generic's product; nothing for the fuzzy matcher to guess. A processed herb is a product of
        # its own, as written (炙冬花 is not 款冬花)
        seg.update(match="inferred", attribute="generic_name", term=shape.stem, standard=known,
                   known_generic=True, dosage_form=shape.dosage_form)
        flat.fill("generic_name", known, INFERRED)
        flat.fill("dosage_form", shape.dosage_form, INFERRED)
        prefix = INJECTION_PREFIX if fragment.startswith(INJECTION_PREFIX) else ""
        # 生白芍饮片 is the piece 生白芍, as the lexicon names pieces; 生黄芪颗粒 keeps its form
        herb_product = shape.stem if shape.dosage_form == DECOCTION_PIECE else fragment
        flat.fill("product_name", herb_product if why_not == "herb"
                  else merging.named_product(lex, fragment, known, prefix, _suffix(fragment, shape)), INFERRED)
        trade = lex.first(shape.stem, ("trade_name",))
        if trade is not None:      # 灭滴灵片: the stem is a trade or common name of the lexicon
            flat.fill("trade_name", trade.standard, EXACT)
        return seg
    candidates = fuzzy(fragment)
    if candidates is None:          # the input's fuzzy budget is spent
        seg["skipped"] = "fuzzy_budget"
        return seg
    verdict = acceptance.judge(fragment, candidates, lex, settings, key_of)
    if not verdict.accepted and shape is None:
        shape = _shape_before_mark(fragment, lex)
    if verdict.accepted:
        top = candidates[0]
        seg.update(match="fuzzy", attribute=top["attribute"], term=top["term"], standard=top["standard"])
        top_key = key_of(top["term"])
        e = lex.first(top_key, (top["attribute"],))
        if top["attribute"] == "manufacturer" and maker_rank == PACKER:
            flat.fill("manufacturer", top["standard"], PACKER, "fuzzy")
        else:
            flat.fill(top["attribute"], top["standard"], FUZZY)
        if top["attribute"] == "trade_name" and flat.rank["trade_name"] == FUZZY and top.get("generic"):
            flat.fuzzy_trade = (seg, top["generic"])
        flat.fill("generic_name", top.get("generic"), FUZZY_LINKED)
        if shape and not top_key.endswith(_suffix(fragment, shape)):
            # 蜜紫苑颗粒 → 蜜紫菀 (a decoction piece): the match lacks the written form, which says more
            flat.fill("dosage_form", shape.dosage_form, FUZZY_LINKED)
            generic = acceptance.candidate_generic(top)
            if generic is not None and shape.dosage_form != DECOCTION_PIECE:
                # 豆寇颗粒 → 豆蔻: the generic's product in the written form, named as a known generic's is
                prefix = INJECTION_PREFIX if fragment.startswith(INJECTION_PREFIX) else ""
                flat.fill("product_name", merging.named_product(lex, fragment, generic, prefix,
                                                                _suffix(fragment, shape)), INFERRED)
        elif top["attribute"] == "generic_name":
            # 白芨 → 白及: a name that is also a product (a herb's piece) is that product, as an exact match is
            same = lex.first(top_key, ("product_name",))
            flat.fill("product_name", same.standard if same is not None else None, FUZZY_LINKED)
        if e is not None:
            flat.fill("product_name", e.product, FUZZY_LINKED)
            flat.fill("dosage_form", e.dosage_form, FUZZY_LINKED)
        if shape:
            flat.fill("dosage_form", shape.dosage_form, INFERRED)
    elif companies.is_company(fragment):
        seg.update(match="inferred", attribute="manufacturer", term=fragment, standard=fragment)
        if infer_maker:
            flat.fill("manufacturer", fragment, maker_rank)
    elif shape and hanzi:
        _inferred_product(seg, flat, fragment, shape, inference.known_generic(shape.stem, lex))
    elif candidates:
        seg["match"] = "fuzzy"
    if candidates:
        seg.update(candidates=candidates, accepted=verdict.accepted, ambiguous=verdict.ambiguous,
                   near_miss=verdict.near_miss)
    return seg

