"""Product names and their dosage forms: the suffix rule shared by the bundled-lexicon builder and the
official-list importers.

>>> product_form("阿托伐他汀钙片"), product_form("注射用盐酸伊立替康"), product_form("奥美拉唑镁肠溶片")
(('阿托伐他汀钙', '片剂'), ('盐酸伊立替康', '注射用无菌粉末'), ('奥美拉唑镁', '肠溶片'))
"""
from __future__ import annotations

# Product-name suffix → dosage form, longest first; a product name is stem + suffix (or 注射用 + stem).
FORM_SUFFIXES = {
    "肠溶胶囊": "肠溶胶囊", "缓释胶囊": "缓释胶囊", "控释胶囊": "控释胶囊", "软胶囊": "软胶囊", "胶囊": "胶囊剂",
    "肠溶片": "肠溶片", "缓释片": "缓释片", "控释片": "控释片", "分散片": "分散片", "咀嚼片": "咀嚼片",
    "泡腾片": "泡腾片", "口腔崩解片": "口腔崩解片", "含片": "含片", "薄膜衣片": "薄膜衣片", "片": "片剂",
    "注射液": "注射液", "颗粒": "颗粒剂", "滴眼液": "滴眼剂", "眼膏": "眼膏剂", "软膏": "软膏剂",
    "乳膏": "乳膏剂", "凝胶": "凝胶剂", "栓": "栓剂", "口服溶液": "口服溶液剂", "口服液": "口服溶液剂",
    "糖浆": "糖浆剂", "气雾剂": "气雾剂", "喷雾剂": "喷雾剂", "滴丸": "滴丸剂", "丸": "丸剂", "散": "散剂",
    "贴剂": "贴剂", "干混悬剂": "干混悬剂", "混悬液": "混悬剂",
}
INJECTION_PREFIX = "注射用"
INJECTION_FORM = "注射用无菌粉末"


def product_form(product: str) -> tuple[str, str] | None:
    """(stem, dosage form) of a product name, when its suffix or 注射用 prefix tells the form."""
    if product.startswith(INJECTION_PREFIX) and len(product) > len(INJECTION_PREFIX) + 1:
        return product[len(INJECTION_PREFIX):], INJECTION_FORM
    for suf in sorted(FORM_SUFFIXES, key=len, reverse=True):
        if product.endswith(suf) and len(product) - len(suf) >= 2:
            return product[:-len(suf)], FORM_SUFFIXES[suf]
    return None
