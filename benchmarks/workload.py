"""Benchmark workloads: synthetic lexicons of a given size and typo queries, built from the seed data.

The synthetic lexicon is the seed's product, trade and generic names plus recombined stems and dosage-form
suffixes (as in ../shared/PERFORMANCE.md), so the character statistics are those of real drug names.
Queries are real terms with one hanzi replaced: by a homophone when the hanzi table has one (the typo a
pinyin input method makes), else by a random common hanzi.
"""
from __future__ import annotations

import csv
import random
from pathlib import Path

FORMS = ["片", "胶囊", "注射液", "缓释片", "肠溶片", "颗粒", "口服溶液", "滴眼液", "软膏", "乳膏", "分散片",
         "缓释胶囊", "肠溶胶囊", "控释片", "混悬液", "气雾剂", "栓", "凝胶", "贴剂", "糖浆", "含片", "泡腾片",
         "咀嚼片", "口腔崩解片", "干混悬剂", "注射用", "滴丸", "丸", "散", "酊", "喷雾剂", "吸入剂"]
SALTS = ["", "盐酸", "硫酸", "马来酸", "甲磺酸", "枸橼酸", "磷酸", "醋酸", "富马酸", "琥珀酸", "苯磺酸", "酒石酸"]


def _read(path: Path, col: str = "term"):
    with open(path, encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            v = (row.get(col) or "").strip()
            if v:
                yield v


def seed_terms(data_dir: Path) -> list[str]:
    terms = []
    for name in ("product_names.tsv", "generic_names.tsv", "trade_names.tsv"):
        p = data_dir / name
        if p.exists():
            terms.extend(_read(p))
    return list(dict.fromkeys(t for t in terms if 2 <= len(t) <= 40))


def synthetic_lexicon(data_dir: Path, size: int, seed: int = 7) -> list[str]:
    rnd = random.Random(seed)
    base = seed_terms(data_dir)
    stems = list(dict.fromkeys(_read(data_dir / "generic_names.tsv")))
    stems = [s for s in stems if 2 <= len(s) <= 12 and all("\u4e00" <= c <= "\u9fff" for c in s)]
    out = list(dict.fromkeys(base))[:size]
    seen = set(out)
    while len(out) < size:
        stem = rnd.choice(stems)
        salt = rnd.choice(SALTS) if not stem.startswith(tuple(s for s in SALTS if s)) else ""
        form = rnd.choice(FORMS)
        term = f"注射用{salt}{stem}" if form == "注射用" else f"{salt}{stem}{form}"
        if term not in seen:
            seen.add(term)
            out.append(term)
    return out


def typo_queries(terms: list[str], homophones: dict[str, list[str]], n: int, seed: int = 11,
                 homophone_only: bool = False):
    """[(query, truth)]: one hanzi of a real term replaced, by a homophone when it has one, else by a random
    common hanzi; with ``homophone_only`` only by a homophone (the typo a pinyin input method makes), and
    terms without a character that has one are not used. Distinct queries, none of them a term."""
    rnd = random.Random(seed)
    common = [c for cs in homophones.values() for c in cs][:3000] or list("的一是在不了有和人这")
    pool = sorted(t for t in terms if sum("\u4e00" <= c <= "\u9fff" for c in t) >= 3)
    if homophone_only:
        pool = [t for t in pool if any(len(homophones.get(c, ())) > 1 for c in t)]
    known = set(terms)
    out, seen = [], set()
    for _ in range(n * 50):
        if len(out) == n or not pool:
            break
        t = rnd.choice(pool)
        idx = [i for i, c in enumerate(t) if "\u4e00" <= c <= "\u9fff"
               and (not homophone_only or len(homophones.get(c, ())) > 1)]
        i = rnd.choice(idx)
        alts = [c for c in homophones.get(t[i], []) if c != t[i]]
        c = rnd.choice(alts) if alts else rnd.choice(common)
        if c == t[i]:
            continue
        q = t[:i] + c + t[i + 1:]
        if q not in known and q not in seen:
            seen.add(q)
            out.append((q, t))
    return out


def write_lexicon_tsv(terms: list[str], path: Path) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.write("dict\tterm\tstandard\tgeneric\n")
        for t in terms:
            f.write(f"product_name\t{t}\t\t\n")


def hospital_rows(terms: list[str], manufacturers: list[str], n: int, typo_rate: float, seed: int = 3,
                  homophones: dict[str, list[str]] | None = None) -> list[str]:
    """n raw strings with a hospital's skew: a few drugs make most rows (Zipf), a long tail, specs,
    packages and manufacturers glued on, and a share of one-character typos."""
    rnd = random.Random(seed)
    homophones = homophones or {}
    weights = [1 / (i + 1) ** 1.1 for i in range(len(terms))]
    picks = rnd.choices(terms, weights=weights, k=n)
    specs = ["0.25g", "20mg", "10mg*7片", "0.5g×24粒", "250ml:0.9%", "5ml:0.1g", "40mg1支", "100mg*30片/盒", ""]
    out = []
    variants: dict[str, str] = {}
    for t in picks:
        # the same drug is typed the same way most of the time: one variant per term and form
        key = t if rnd.random() > 0.3 else t + "#"
        if key not in variants:
            s = t
            if rnd.random() < typo_rate:
                idx = [i for i, c in enumerate(s) if "\u4e00" <= c <= "\u9fff"]
                if idx:
                    i = rnd.choice(idx)
                    alts = [c for c in homophones.get(s[i], []) if c != s[i]]
                    if alts:
                        s = s[:i] + rnd.choice(alts) + s[i + 1:]
            spec = rnd.choice(specs)
            maker = rnd.choice(manufacturers) if manufacturers and rnd.random() < 0.5 else ""
            variants[key] = f"{s}{spec}{(' ' + maker) if maker else ''}"
        out.append(variants[key])
    return out
