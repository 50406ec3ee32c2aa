"""What load-dict asks the database to compute for new entries, with the code that handles input strings.

Keys: dictionary terms are normalized exactly as input strings are (preprocess.normalize_key), except that
the irrelevant-character dictionary keeps its own characters. Dimensions: the tokens of claim 8 from the
phrase-aware readings drugnorm-admin computed with pypinyin.
"""
from __future__ import annotations

import dimensions
import dictionary_set
import preprocess


def keys(plpy, terms, dicts):
    if terms is None or dicts is None:      # array_agg over no rows: a load with nothing staged
        return None
    t2s = {r["ch"]: r["simplified"] for r in
           plpy.execute("SELECT ch, simplified FROM drugnorm.hanzi WHERE simplified IS NOT NULL "
                        "AND simplified <> ch")}
    irrelevant = frozenset(r["key"] for r in
                           plpy.execute("SELECT key FROM drugnorm.entry WHERE dict = 'irrelevant_char'"))
    out = []
    for term, d in zip(terms, dicts):
        if term is None:
            out.append(None)
            continue
        # Irrelevant characters and symbol markers (▲) keep their own characters, whatever is irrelevant.
        drop = frozenset() if d in ("irrelevant_char",) + dictionary_set.MARKER_DICTS else irrelevant
        out.append(preprocess.normalize_key(term, t2s, drop))
    return out


def dims(keys, readings):
    """Rows (i, tokens, dim_len, char_sq, pinyin, initials); readings[i] is space-separated, one per char."""
    rows = []
    for i, (key, rd) in enumerate(zip(keys, readings), start=1):
        per_char = (rd or "").split(" ")
        if len(per_char) != len(key):
            per_char = [""] * len(key)
        toks = dimensions.entry_tokens(key, per_char)
        dim_len = [sum(1 for t in toks if t[0] == d) for d in dimensions.SCORING_DIMS]
        counts: dict[str, int] = {}
        for t in toks:
            if t[0] in "ho":
                counts[t] = counts.get(t, 0) + 1
        char_sq = sum(c * c for c in counts.values())
        full, ini = dimensions.lookup_codes(key, per_char)
        rows.append((i, toks, dim_len, char_sq, full, ini))
    return rows
