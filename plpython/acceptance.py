"""Fuzzy acceptance: whether a second-type fragment is its fuzzy top candidate. A wrong drug is worse than
no drug, so a candidate is accepted only when all of these hold:

- its S reaches the ``accept`` setting;
- it is not ambiguous: no runner-up within ``ambiguous_margin`` names a different drug;
- it is not a near miss: for drug names, when one stem contains the other but they differ (丁苯那嗪 /
  氘丁苯那嗪, 奥美拉唑 / 艾司奥美拉唑), the extra characters name a different molecule, not a typo; for
  every dictionary, when the stems differ by more than a typo (homophones are free, other edits one per
  four characters of the name without its acid or salt word, each part of a combination alone: 硝酸钙 is
  not 硝酸甘油, 盐酸马尼地平 not 盐酸贝尼地平, 阿莫西临 is 阿莫西林); for manufacturers, unless the core names
  agree (诺华制药(北京)有限公司 / 北京诺华制药有限公司, companies.py); and the variant marks (numbers,
  letters, %) of the two stems must be the same: B型肉毒毒素 is not A型肉毒毒素. When the fragment has a product shape
  whose stem is a known generic name (inference.py), a candidate of another generic is not accepted either.
"""
from __future__ import annotations

import re
from typing import NamedTuple

import companies
import inference
import salts
from chars import is_hanzi
from dictionary_set import DRUG_DICTS
from settings import DEFAULTS


class Verdict(NamedTuple):
    accepted: bool
    ambiguous: bool
    near_miss: bool


def candidate_generic(c: dict) -> str | None:
    return c["standard"] if c["attribute"] == "generic_name" else c.get("generic")


def judge(fragment: str, candidates: list, lex, settings: dict, normalize_key) -> Verdict:
    if not candidates:
        return Verdict(False, False, False)
    top = candidates[0]
    accept = settings.get("accept", DEFAULTS["accept"])
    margin = settings.get("ambiguous_margin", DEFAULTS["ambiguous_margin"])
    ambiguous = False
    for other in candidates[1:]:
        if top["s"] - other["s"] > margin:
            break
        if other["standard"] != top["standard"] and \
                (candidate_generic(other) is None or candidate_generic(other) != candidate_generic(top)):
            ambiguous = True
            break
    near = False
    if companies.is_company(fragment) or top["attribute"] == "manufacturer":
        # company names share their suffixes and regions: only the same core name is the same company, and
        # the standard reported must not name another place either (上海恒瑞 is not 恒瑞医药's 江苏恒瑞)
        near = top["attribute"] != "manufacturer" or not companies.same_company(fragment, normalize_key(top["term"])) \
            or companies.places_differ(fragment, normalize_key(top["standard"]))
    else:
        ckey = normalize_key(top["term"])
        cstem = inference.stem_of(ckey, top["attribute"], lex)
        fstem = _stem_by_suffix(fragment, ckey, cstem, lex) or inference.stem_of(fragment, "", lex)
        if top["attribute"] in DRUG_DICTS and fstem != cstem and (fstem in cstem or cstem in fstem):
            near = True
        # a hanzi more or less inside a drug stem names another molecule (枸橼酸芬太尼 / 枸橼酸舒芬太尼):
        # input-method typos substitute characters, they do not insert them
        if top["attribute"] in DRUG_DICTS and sum(map(is_hanzi, fstem)) != sum(map(is_hanzi, cstem)):
            near = True
        if not _a_typo(fstem, cstem, getattr(lex, "readings", None)):
            near = True
        if not near and top["attribute"] in DRUG_DICTS \
                and _names_another_generic(fstem, cstem, candidate_generic(top), lex):
            near = True
        sh = inference.shape(fragment, lex)
        if sh and top["attribute"] in DRUG_DICTS:
            g = inference.known_generic(sh.stem, lex)
            if g is not None and candidate_generic(top) != g:
                near = True
    return Verdict(top["s"] >= accept and not ambiguous and not near, ambiguous, near)


def _a_typo(fstem: str, cstem: str, readings) -> bool:
    """Whether ``fstem`` can be ``cstem`` mistyped. A typo changes little: homophones are free, other edits at
    most one per four characters of the molecule's name, none in a name under six (亚硝酸钠/亚硒酸钠, 碳酸钠/
    碳酸氢钠 are other compounds). The acid or salt word does not count as the name (盐酸马尼地平 is not
    盐酸贝尼地平, 磷酸瑞格列汀 not 磷酸西格列汀), and each part of a combination (A/B) is judged alone.

    >>> _a_typo("盐酸马尼地平", "盐酸贝尼地平", None), _a_typo("盐酸左氧氟沙星", "盐酸左氧氟沙星", None)
    (False, True)
    >>> _a_typo("先诺特韦片/利托那韦片组合包装", "奈玛特韦片/利托那韦片组合包装", None)
    False

    Variant marks are never a typo: an input method mistypes a hanzi for another of the same sound, it
    does not turn α-2b into α-2a, Ⅶ into Ⅷ or 20% into 10% (variant_marks).

    >>> _a_typo("重组人干扰素α2b", "重组人干扰素α2a", None), _a_typo("重组人干扰素α2b", "重组人干扰素α-2b", None)
    (False, True)
    """
    if variant_marks(fstem) != variant_marks(cstem):
        return False
    fparts, cparts = fstem.split("/"), cstem.split("/")
    if len(fparts) > 1 and len(fparts) == len(cparts):
        return all(_a_typo(f, c, readings) for f, c in zip(fparts, cparts))
    salt = salts.salt_base(cstem)
    name_len = max(len(fstem), len(cstem)) - (len(salt[0]) if salt else 0)
    return typo_distance(fstem, cstem, readings) <= (name_len - 2) // 4


# A number (with its decimal point), a letter that is no hanzi (Latin, Greek, a Roman numeral) or a percent sign.
_MARK = re.compile(r"\d+(?:\.\d+)?|%|[^\W\d_]")


def variant_marks(text: str) -> list[str]:
    """What tells variants of one drug apart, in order: numbers, letters (Latin, Greek, Roman numerals) and
    %. Case and full-width forms are folded by preprocessing already, Roman numerals are Latin letters there
    (Ⅷ is viii, not vii: Ⅶ and Ⅷ stay apart); spaces, hyphens and brackets are not marks, for the lexicon
    writes one drug with and without them (罗培干扰素α-2 b and α-2b, 重组人干扰素α-2b and α2b).

    >>> variant_marks("罗培干扰素α-2 b"), variant_marks("复方氨基酸(18aa-ii)"), variant_marks("20%脂肪乳")
    (['α', '2', 'b'], ['18', 'a', 'a', 'i', 'i'], ['20', '%'])
    >>> variant_marks("5.5%氨基酸(15)") == variant_marks("55%氨基酸(15)")
    False
    """
    return [m for m in _MARK.findall(text) if not is_hanzi(m[0])]


def _names_another_generic(fstem: str, cstem: str, generic: str | None, lex) -> bool:
    """Whether the fragment spells out a generic name that the candidate lacks and that is not the
    candidate's drug: 阿格列汀二甲双胍 names 阿格列汀, so 西格列汀二甲双胍 is another drug however few
    characters differ. A typo seldom spells another drug's whole name."""
    return any(name not in cstem and std != generic and std not in cstem for name, std in generics_spelled(fstem, lex))


def generics_spelled(text: str, lex) -> list[tuple[str, str]]:
    """(name, standard) of the generic names of three hanzi or more written in ``text``, longest first at
    each position.

    >>> from dictionary_set import Entry
    >>> class Lex:
    ...     def lookup(self, k):
    ...         return [Entry("generic_name", k, k, None, None, None)] if k in ("阿格列汀", "二甲双胍") else []
    >>> generics_spelled("阿格列汀二甲双胍片", Lex())
    [('阿格列汀', '阿格列汀'), ('二甲双胍', '二甲双胍')]
    >>> _names_another_generic("阿格列汀二甲双胍", "西格列汀二甲双胍", "西格列汀二甲双胍", Lex())
    True
    """
    out, n = [], len(text)
    for i in range(n):
        if not is_hanzi(text[i]):
            continue
        for j in range(min(n, i + 12), i + 2, -1):
            name = text[i:j]
            if not all(map(is_hanzi, name)):
                continue
            std = next((e.standard for e in lex.lookup(name) if e.dict == "generic_name"), None)
            if std is not None:
                out.append((name, std))
                break
    return out


def _stem_by_suffix(fragment: str, ckey: str, cstem: str, lex) -> str | None:
    """硝苯地平空释片 against 硝苯地平控释片: a homophone typo inside the candidate's dosage-form suffix is a
    typo, not another molecule. The fragment's stem is then what stands before that suffix."""
    i = ckey.find(cstem) if cstem else -1
    if i < 0 or cstem == ckey:
        return None
    prefix, suffix = ckey[:i], ckey[i + len(cstem):]
    if not suffix or len(fragment) <= len(suffix) or not fragment.startswith(prefix):
        return None
    tail = fragment[-len(suffix):]
    if tail == suffix or typo_distance(tail, suffix, getattr(lex, "readings", None)) != 0:
        return None
    return fragment[len(prefix):-len(suffix)]


def typo_distance(a: str, b: str, readings=None) -> int:
    """Edit distance where substituting a homophone (林/临: a reading in common) costs nothing, and so does
    a near-homophone of fuzzy pinyin, the input method's setting for readers who do not tell zh/z, ch/c, sh/s,
    ing/in and eng/en apart (沙新/沙星, 卡英/卡因, 霉树/霉素).

    >>> typo_distance("阿莫西临", "阿莫西林", lambda ch: {"临": ("lin",), "林": ("lin",)}.get(ch, ()))
    0
    >>> typo_distance("沙新", "沙星", lambda ch: {"沙": ("sha",), "新": ("xin",), "星": ("xing",)}.get(ch, ()))
    0
    >>> typo_distance("硝酸钙", "硝酸甘油")
    2
    """
    heard = {}     # character -> its readings as fuzzy pinyin: the same few characters meet every other

    def sounds(ch):
        got = heard.get(ch)
        if got is None:
            got = heard[ch] = {fuzzy_pinyin(r) for r in readings(ch)}
        return got

    def same(x, y):
        if x == y:
            return True
        if readings is None:
            return False
        rx = sounds(x)
        return bool(rx) and not rx.isdisjoint(sounds(y))

    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, y in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (0 if same(x, y) else 1))
        prev = cur
    return prev[-1]


def fuzzy_pinyin(reading: str) -> str:
    """A reading as fuzzy pinyin hears it: zh, ch, sh as z, c, s; ing, eng as in, en."""
    if reading[:2] in ("zh", "ch", "sh"):
        reading = reading[0] + reading[2:]
    if reading.endswith(("ing", "eng")):
        reading = reading[:-1]
    return reading
