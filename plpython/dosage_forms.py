"""Dosage forms as product names show them: the suffix → dosage-form table and the 注射用 prefix.

The one copy that the server code (dictionary_set.py: the forms of product names the lexicon does not know), the
admin (drugnorm_admin/forms.py, through drugnorm_admin/facts.py) and the bundled-lexicon build
(lexicon/rules.py) import. Stdlib only and no sibling imports: the admin's wheel carries this file alone.

>>> SUFFIX_FORMS["胶囊"], SUFFIX_FORMS["粉针"], INJECTION_PREFIX, INJECTION_FORM
('胶囊剂', '注射用无菌粉末', '注射用', '注射用无菌粉末')
>>> sorted(LEXICON_BUILD_SUFFIXES - SUFFIX_FORMS.keys())
[]
"""
from __future__ import annotations

INJECTION_PREFIX = "注射用"
# The dosage form an "注射用…" name tells, when the lexicon has this form.
INJECTION_FORM = "注射用无菌粉末"
# The form of a Chinese herb's decoction piece (中药饮片), and the forms a herb is dispensed in under its own
# name (白术颗粒, 白术饮片): after a herb's name any other form names a patent medicine (黄芩片, 牛黄上清丸).
DECOCTION_PIECE = "中药饮片"
HERB_DISPENSING_FORMS = frozenset((DECOCTION_PIECE, "颗粒剂"))
# Suffix → dosage form, for product names the lexicon does not know. The server uses a pair only when
# its form is an entry of the dosage_form dictionary, so the lexicon decides which forms exist.
SUFFIX_FORMS = {
    "片": "片剂", "素片": "片剂", "薄膜衣片": "薄膜衣片", "糖衣片": "糖衣片", "肠溶片": "肠溶片",
    "缓释片": "缓释片", "控释片": "控释片", "分散片": "分散片", "咀嚼片": "咀嚼片", "泡腾片": "泡腾片",
    "口崩片": "口腔崩解片", "口腔崩解片": "口腔崩解片", "含片": "含片", "舌下片": "舌下片",
    "胶囊": "胶囊剂", "硬胶囊": "胶囊剂", "软胶囊": "软胶囊", "胶丸": "软胶囊", "肠溶胶囊": "肠溶胶囊",
    "缓释胶囊": "缓释胶囊", "控释胶囊": "控释胶囊", "颗粒": "颗粒剂", "颗粒剂": "颗粒剂",
    "缓释颗粒": "缓释颗粒", "干混悬剂": "干混悬剂", "混悬液": "混悬剂", "口服混悬液": "口服混悬剂",
    "注射液": "注射液", "针": "注射液", "水针": "注射液", "粉针": "注射用无菌粉末", "输液": "注射液",
    "口服液": "口服溶液剂", "口服溶液": "口服溶液剂", "糖浆": "糖浆剂", "滴眼液": "滴眼剂",
    "滴耳液": "滴耳剂", "滴鼻液": "滴鼻剂", "眼膏": "眼膏剂", "软膏": "软膏剂", "乳膏": "乳膏剂",
    "凝胶": "凝胶剂", "栓": "栓剂", "贴": "贴剂", "贴剂": "贴剂", "气雾剂": "气雾剂", "喷雾剂": "喷雾剂",
    "吸入剂": "吸入剂", "散": "散剂", "丸": "丸剂", "滴丸": "滴丸剂", "酊": "酊剂", "洗剂": "洗剂",
    "搽剂": "搽剂", "溶液": "溶液剂", "乳": "乳剂", "合剂": "合剂", "膏": "煎膏剂", "粉雾剂": "吸入粉雾剂",
    "口溶膜": "膜剂", "口腔膜": "膜剂", "膜": "膜剂", "胶浆": "胶浆剂", "冲洗液": "冲洗剂", "灌肠液": "灌肠剂",
}
# The suffixes the bundled-lexicon build reads product names of the seed data by (lexicon/rules.py,
# product_form): the table it has always been built with. The others (针, 膏, 乳, 溶液, 素片 …) would give
# the bundled lexicon other products and forms; widening this set is a change of the lexicon of its own.
LEXICON_BUILD_SUFFIXES = frozenset((
    "肠溶胶囊", "缓释胶囊", "控释胶囊", "软胶囊", "胶囊", "肠溶片", "缓释片", "控释片", "分散片", "咀嚼片",
    "泡腾片", "口腔崩解片", "含片", "薄膜衣片", "片", "注射液", "颗粒", "滴眼液", "眼膏", "软膏", "乳膏",
    "凝胶", "栓", "口服溶液", "口服液", "糖浆", "气雾剂", "喷雾剂", "滴丸", "丸", "散", "贴剂", "干混悬剂",
    "混悬液",
))
# Words of a dosage form's name that tell what kind of product it is. Two forms that share none are not one
# product's forms (片剂 / 口服溶液剂, 鼻喷剂 / 注射液); a form without any tells nothing. A form may have
# several (鼻喷剂: nose and spray), and 片剂 / 缓释片 / 分散片 share 片.
_FORM_KINDS = (("注射", "injection"), ("输液", "injection"), ("针", "injection"), ("片", "tablet"),
               ("胶囊", "capsule"), ("胶丸", "capsule"), ("颗粒", "granules"), ("干混悬", "granules"),
               ("丸", "pill"), ("膏", "semisolid"), ("凝胶", "semisolid"), ("贴", "patch"), ("栓", "suppository"),
               ("喷", "spray"), ("雾", "spray"), ("吸入", "spray"), ("眼", "eye"), ("鼻", "nose"), ("耳", "ear"),
               ("口服", "oral liquid"), ("糖浆", "oral liquid"), ("合剂", "oral liquid"))


def form_kinds(form: str) -> frozenset:
    """What kinds of product a dosage form's name tells (_FORM_KINDS).

    >>> sorted(form_kinds("鼻喷剂")), sorted(form_kinds("缓释片")), form_kinds("溶液剂")
    (['nose', 'spray'], ['tablet'], frozenset())
    """
    return frozenset(kind for word, kind in _FORM_KINDS if word in form)


def other_product_form(written: str, linked: str) -> bool:
    """Whether a product of form ``linked`` cannot be what a text writing form ``written`` names.

    >>> other_product_form("鼻喷剂", "注射液"), other_product_form("片剂", "口服溶液剂"), other_product_form("片剂", "缓释片")
    (True, True, False)
    """
    a, b = form_kinds(written), form_kinds(linked)
    return bool(a and b) and not a & b

