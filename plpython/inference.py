"""What to conclude from a second-type fragment: accept its fuzzy top candidate, infer an unknown product,
or leave it unresolved. A wrong drug is worse than no drug.

- Product shape: an optional 注射用, a stem of two characters or more, and a known dosage-form suffix
  (the longest that fits). ``shape("注射用盐酸伊立替康")`` → stem 盐酸伊立替康, form 注射用无菌粉末.
- A fuzzy top candidate is accepted when its S reaches the ``accept`` setting, it is not ambiguous (the
  runner-up, a different drug, within ``ambiguous_margin``), and it is not a near miss: for drug names,
  when one stem contains the other but they differ (丁苯那嗪 / 氘丁苯那嗪, 奥美拉唑 / 艾司奥美拉唑), the
  extra characters name a different molecule, not a typo. When the fragment has a product shape whose
  stem is a known generic name, a candidate of another generic is not accepted either.
- Otherwise a product-shaped fragment is reported as ``inferred``: the stem as the generic name (the
  lexicon's standard when the stem is a known generic) and the suffix's dosage form.
"""
from __future__ import annotations

from typing import NamedTuple

from lexicon import DRUG_DICTS, INJECTION_PREFIX, is_hanzi


class Shape(NamedTuple):
    stem: str
    dosage_form: str | None


class Verdict(NamedTuple):
    accepted: bool
    ambiguous: bool
    near_miss: bool


def shape(fragment: str, lex) -> Shape | None:
    injection = fragment.startswith(INJECTION_PREFIX)
    body = fragment[len(INJECTION_PREFIX):] if injection else fragment
    stem, form = body, None
    for n in range(min(len(body) - 2, 8), 0, -1):
        form = lex.dosage_form_suffixes.get(body[-n:])
        if form:
            stem = body[:-n]
            break
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
    accept = settings.get("accept", 0.6)
    margin = settings.get("ambiguous_margin", 0.02)
    ambiguous = False
    for other in candidates[1:]:
        if top["s"] - other["s"] > margin:
            break
        if other["standard"] != top["standard"] and \
                (candidate_generic(other) is None or candidate_generic(other) != candidate_generic(top)):
            ambiguous = True
            break
    near = False
    if top["attribute"] in DRUG_DICTS:
        fstem = stem_of(fragment, "", lex)
        cstem = stem_of(normalize_key(top["term"]), top["attribute"], lex)
        if fstem != cstem and (fstem in cstem or cstem in fstem):
            near = True
        sh = shape(fragment, lex)
        if sh:
            g = known_generic(sh.stem, lex)
            if g is not None and candidate_generic(top) != g:
                near = True
    return Verdict(top["s"] >= accept and not ambiguous and not near, ambiguous, near)
