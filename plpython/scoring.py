"""Pure-Python reference of the fuzzy scoring in sql/scoring.sql (patent claims 7, 9-11).

``Index.search`` does what ``drugnorm.score_fragment`` does, step for step: the candidate stage, the
reading of polyphonic characters, the exact M, N and S. The tests require both to agree; with
``exhaustive=True`` it scores every entry instead of the candidates, which measures the recall of the
candidate stage. It is also the in-process floor of the benchmarks. Formulas: see sql/scoring.sql.
"""
from __future__ import annotations

import math
from collections import Counter

import dimensions
from settings import DEFAULTS

DIMS = dimensions.SCORING_DIMS
# The built-in boosts (plpython/settings.py), for a caller that gives none.
BOOSTS = tuple(DEFAULTS["boost_" + d] for d in DIMS)


class Index:
    """Entries as {id: tokens}; document frequencies and postings over them."""

    def __init__(self, entries: dict[int, list[str]]):
        self.entries = entries
        self.df: Counter = Counter()
        self.postings: dict[str, list[int]] = {}
        self.length: dict[int, int] = {}
        for eid, toks in entries.items():
            distinct = set(toks)
            self.df.update(distinct)
            for t in distinct:
                if t[0] in "hos":
                    self.postings.setdefault(t, []).append(eid)
            self.length[eid] = sum(1 for t in toks if t[0] in "ho")
        self.n = len(entries)

    def idf(self, tok: str) -> float:
        return 1 + math.log(max(self.n, 1) / (self.df.get(tok, 0) + 1))

    def candidates(self, slots, limit: int = DEFAULTS["candidate_limit"],
                   budget: int = DEFAULTS["posting_budget"]) -> list[tuple[int, float]]:
        """[(entry id, shared idf)]: entries holding the rarest recall tokens, as the SQL stage picks them."""
        recall = sorted({t for t, *_ in slots if t[0] in "hos" and self.df.get(t, 0) > 0},
                        key=lambda t: (self.df[t], t))
        picked, cum = [], 0
        for t in recall:      # the rarest always, more while their postings fit the budget
            if picked and cum + self.df[t] > budget:
                break
            picked.append(t)
            cum += self.df[t]
        sc: Counter = Counter()
        for t in picked:
            for eid in self.postings.get(t, ()):
                sc[eid] += self.idf(t)
        qlen = sum(1 for t, *_ in slots if t[0] in "ho")
        ranked = sorted(sc.items(), key=lambda r: (-r[1], abs(self.length[r[0]] - qlen), r[0]))
        return ranked[:limit]

    def query_vector(self, slots, cands) -> Counter:
        """Query token frequencies; a polyphonic slot reads as the best candidates having its character."""
        by_slot: dict[int, list[tuple[str, str]]] = {}
        for tok, slot, _default, owner in slots:
            by_slot.setdefault(slot, []).append((tok, owner))
        qtf: Counter = Counter()
        for alts in by_slot.values():
            if alts[0][0][0] == dimensions.RECALL_DIM:
                continue
            if len(alts) == 1:
                qtf[alts[0][0]] += 1
                continue
            support = [sum(sc for eid, sc in cands
                           if tok in self._scoring_tokens(eid) and owner in self._scoring_tokens(eid))
                       for tok, owner in alts]
            best = max(range(len(alts)), key=lambda i: (support[i], -i))
            qtf[alts[best][0]] += 1
        return qtf

    def _scoring_tokens(self, eid) -> set:
        return {t for t in self.entries[eid] if t[0] != dimensions.RECALL_DIM}

    def score(self, qtf: Counter, entry_tokens: list[str], a: float = DEFAULTS["a"], boosts=BOOSTS):
        """(m, n, s) of a query vector against one entry's tokens."""
        b = dict(zip(DIMS, boosts))
        dtf = Counter(t for t in entry_tokens if t[0] != dimensions.RECALL_DIM)
        qlen = Counter(t[0] for t in qtf.elements())
        dlen = Counter(t[0] for t in dtf.elements())
        dot = sum(math.sqrt(q * dtf[t]) * self.idf(t) ** 2 * b[t[0]] / math.sqrt(qlen[t[0]] * dlen[t[0]])
                  for t, q in qtf.items() if dtf.get(t))
        qn = sum(q * self.idf(t) ** 2 * b[t[0]] / qlen[t[0]] for t, q in qtf.items())
        dn = sum(c * self.idf(t) ** 2 * b[t[0]] / dlen[t[0]] for t, c in dtf.items())
        m = min(1.0, dot / math.sqrt(qn * dn)) if qn > 0 and dn > 0 else 0.0
        qc = {t: c for t, c in qtf.items() if t[0] in "ho"}
        dc = {t: c for t, c in dtf.items() if t[0] in "ho"}
        cq = sum(c * c for c in qc.values())
        cd = sum(c * c for c in dc.values())
        n = min(1.0, sum(c * dc.get(t, 0) for t, c in qc.items()) / math.sqrt(cq * cd)) if cq and cd else 0.0
        return m, n, a * m + (1 - a) * n

    def search(self, slots, k: int = DEFAULTS["k"], a: float = DEFAULTS["a"], boosts=BOOSTS,
               limit: int = DEFAULTS["candidate_limit"], budget: int = DEFAULTS["posting_budget"],
               exhaustive: bool = False):
        """[(s, m, n, id)] of the best k entries, best first."""
        cands = self.candidates(slots, limit, budget)
        qtf = self.query_vector(slots, cands)
        pool = self.entries if exhaustive else [eid for eid, _ in cands]
        scored = []
        for eid in pool:
            m, n, s = self.score(qtf, self.entries[eid], a, boosts)
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
