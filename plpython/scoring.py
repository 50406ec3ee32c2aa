"""Pure-Python reference of the fuzzy scoring in sql/scoring.sql (patent claims 7, 9-11).

It scores every entry (no candidate stage), so it is the yardstick for the SQL path: the tests check
that both give the same M, N, S, and the benchmark measures how often the SQL candidate stage finds the
exhaustive top-1 (its recall). It is also the in-process floor of the benchmarks. Formulas: see the
header of sql/scoring.sql.
"""
from __future__ import annotations

import math
from collections import Counter

import dimensions

DIMS = dimensions.SCORING_DIMS


class Index:
    """Entries as {id: tokens}; document frequencies over them."""

    def __init__(self, entries: dict[int, list[str]]):
        self.entries = entries
        self.df: Counter = Counter()
        for toks in entries.values():
            self.df.update(set(toks))
        self.n = len(entries)

    def idf(self, tok: str) -> float:
        return 1 + math.log(max(self.n, 1) / (self.df.get(tok, 0) + 1))

    def score(self, slots, entry_tokens: list[str], a: float = 0.4, boosts=None) -> tuple[float, float, float]:
        """(m, n, s) of a query (dimensions.query_slots) against one entry's tokens."""
        boosts = dict(zip(DIMS, boosts or [1.0] * len(DIMS)))
        dtf = Counter(t for t in entry_tokens if t[0] != dimensions.RECALL_DIM)
        by_slot: dict[int, list[tuple[str, bool]]] = {}
        for tok, slot, default in slots:
            if tok[0] != dimensions.RECALL_DIM:
                by_slot.setdefault(slot, []).append((tok, default))
        qtf: Counter = Counter()
        for alts in by_slot.values():
            have = [t for t, _ in alts if t in dtf]
            qtf[have[0] if have else next(t for t, d in alts if d)] += 1
        qlen = Counter(t[0] for t in qtf.elements())
        dlen = Counter(t[0] for t in dtf.elements())
        dot = sum(math.sqrt(q * dtf[t]) * self.idf(t) ** 2 * boosts[t[0]] / math.sqrt(qlen[t[0]] * dlen[t[0]])
                  for t, q in qtf.items() if dtf.get(t))
        qn = sum(q * self.idf(t) ** 2 * boosts[t[0]] / qlen[t[0]] for t, q in qtf.items())
        dn = sum(c * self.idf(t) ** 2 * boosts[t[0]] / dlen[t[0]] for t, c in dtf.items())
        m = min(1.0, dot / math.sqrt(qn * dn)) if qn > 0 and dn > 0 else 0.0
        qc = {t: c for t, c in qtf.items() if t[0] in "ho"}
        dc = {t: c for t, c in dtf.items() if t[0] in "ho"}
        cq = sum(c * c for c in qc.values())
        cd = sum(c * c for c in dc.values())
        n = min(1.0, sum(c * dc.get(t, 0) for t, c in qc.items()) / math.sqrt(cq * cd)) if cq and cd else 0.0
        return m, n, a * m + (1 - a) * n

    def top(self, slots, k: int = 10, a: float = 0.4, boosts=None):
        """[(s, m, n, id)] of the best k entries, scoring all of them."""
        scored = []
        for eid, toks in self.entries.items():
            m, n, s = self.score(slots, toks, a, boosts)
            scored.append((s, m, n, eid))
        scored.sort(key=lambda r: (-r[0], r[3]))
        return scored[:k]


def cosine_hanzi(a: str, b: str) -> float:
    """Claim 11's N on two strings: cosine of their character-count vectors.

    >>> round(cosine_hanzi('尼莫地平注射液', '尼莫地平'), 3)
    0.756
    """
    ca, cb = Counter(ch for ch in a if ch.isalnum()), Counter(ch for ch in b if ch.isalnum())
    dot = sum(c * cb.get(t, 0) for t, c in ca.items())
    na, nb = math.sqrt(sum(c * c for c in ca.values())), math.sqrt(sum(c * c for c in cb.values()))
    return dot / (na * nb) if na and nb else 0.0
