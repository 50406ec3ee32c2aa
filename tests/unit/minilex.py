"""The tests' small lexicon (tests/data/mini_lexicon.tsv) as an in-memory Lexicon, for database-free tests."""
from __future__ import annotations

import csv
from pathlib import Path

import dictionary_set
import preprocess

DATA = Path(__file__).resolve().parent.parent / "data"
T2S = {"與": "与", "鹽": "盐", "酸": "酸", "鈉": "钠", "鈣": "钙", "膠": "胶", "囊": "囊", "針": "针", "藥": "药", "瑞": "瑞",
       "顆": "颗", "劑": "剂", "緩": "缓", "釋": "释", "腸": "肠", "溶": "溶", "諾": "诺", "龍": "龙",
       "齊": "齐", "魯": "鲁", "東": "东", "樂": "乐", "帕": "帕", "賽": "赛", "復": "复", "達": "达",
       "膦": "膦", "適": "适", "靈": "灵", "莫": "莫", "蘇": "苏", "臨": "临", "淨": "净", "寧": "宁"}
MODELS = [
    {"name": "BCDE", "kind": "bracket", "symbols": "()[]【】{}<>《》", "priority": 1},
    {"name": "FGH", "kind": "bar", "symbols": "|", "priority": 2},
    {"name": "IJK", "kind": "stop", "symbols": "、,。;!?", "priority": 3},
    {"name": "STU", "kind": "slash", "symbols": "/", "priority": 4},
]


def load(path: Path = DATA / "mini_lexicon.tsv") -> dictionary_set.MemoryLexicon:
    with open(path, encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    irrelevant = [r["term"] for r in rows if r["dict"] == "irrelevant_char"]
    t2s = {k: v for k, v in T2S.items() if k != v}

    def key(term):
        return preprocess.normalize_key(term, t2s, frozenset(irrelevant))

    by_term = {(r["dict"], r["term"]): r for r in rows}
    units, entries = [], []
    for i, r in enumerate(rows, 1):
        std = r["standard"] or None
        if r["dict"] in ("strength_unit", "package_unit"):
            units.append((key(r["term"]), r["dict"], std or r["term"]))
        elif r["dict"] != "irrelevant_char":
            src = by_term[(r["dict"], std)] if std else r
            entries.append({"id": i, "dict": r["dict"], "key": key(r["term"]), "term": r["term"],
                            "standard": std or r["term"], "generic": src.get("generic") or None,
                            "product": src.get("product") or None, "dosage_form": src.get("dosage_form") or None})
    return dictionary_set.MemoryLexicon.from_rows(entries, units, irrelevant, t2s, MODELS)
