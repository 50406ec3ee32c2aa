-- Fuzzy matching of second-type fragments (patent step 5, claims 7 and 9-11) as SQL aggregations.
--
-- Per token t with term frequency tf, inverse document frequency idf(t) = 1 + ln(T / (T(t) + 1)) and a
-- per-dimension boost b, each side x (query q, entry d) has the weight
--     w_x(t) = sqrt(tf_x(t)) * idf(t) * sqrt(b) / sqrt(len_x(dim))
-- so that the patent's sum  M_raw = sum_t tf * idf^2 * boost * norm  is the inner product <w_q, w_d>.
-- M = <w_q, w_d> / (|w_q| |w_d|): by Cauchy-Schwarz in [0, 1], and 1 for identical token bags, whatever
-- the lengths (dividing by the query's self-score alone could exceed 1 for a shorter entry).
-- N = cosine of the character-count vectors (claim 11; for pure-hanzi strings exactly the patent's N).
-- S = a*M + (1-a)*N.
--
-- Scoring every posting of every token is what makes the naive form slow (the initial and final tokens are
-- shared by most entries), so a candidate stage first reads the postings of the rarest recall tokens
-- (hanzi, non-hanzi characters, syllables and pairs of neighbouring syllables, see plpython/dimensions.py)
-- while their postings fit a budget (the rarest token whatever its postings), ranks entries by the idf they share, then by how close their length is
-- to the fragment's, and passes the best `cand_limit` entries to the exact formula. A homophone typo keeps
-- every syllable pair of the name meant, and pairs are rare, so a few hundred postings find it. The
-- entries' |w_d|^2 come per dimension from drugnorm.entry_weight (computed by each load, see
-- sql/schema.sql), so only the tokens a candidate shares with the fragment are looked at. The postings,
-- the document frequencies and the entries' tokens are kept by drugnorm-admin (sql/scoring_index.sql).
--
-- A polyphonic query character (多音字) offers every reading as alternatives of one slot; the query reads it
-- as the candidates do (the alternative found in the candidates with the highest candidate-stage scores),
-- so the query vector is the same for every candidate and M stays a true cosine.
--
-- One call scores every fragment of a string (drug_parse sends them together): q_frag numbers the
-- fragment of each query token, whose tokens are consecutive. The statement below is planned once per
-- backend (a generic plan: plan_cache_mode) and must be fast whatever the sizes it is planned for, so the
-- tables are read only through `= ANY (array)` index scans and everything else is joined by hashing
-- (enable_nestloop off: the sets joined are small, and a nested loop over them is quadratic).
-- plpython/scoring.py is the pure-Python reference the tests compare with, step for step.

CREATE OR REPLACE FUNCTION drugnorm.score_fragment(
    q_frag int[], q_tok text[], q_slot int[], q_owner text[],
    k int, threshold float8, a float8, boosts float8[], cand_limit int, budget int)
RETURNS TABLE (frag int, entry_id bigint, m float8, n float8, s float8)
LANGUAGE plpgsql STABLE PARALLEL SAFE
ROWS 20                                   -- k per fragment: the caller joins its rows to entry by index
SET search_path = pg_catalog, drugnorm, pg_temp
SET jit = off                             -- compiling this plan costs hundreds of milliseconds; it runs in one
SET enable_nestloop = off
SET enable_sort = off                     -- hashing, not sorting, where a plan may choose (ORDER BY still sorts)
SET plan_cache_mode = force_generic_plan  -- planning costs more than running; the plan fits every fragment
AS $fn$
DECLARE
    f int;
    lo int := 1;
    hi int;
    tot float8;
    n_tok int := coalesce(cardinality(q_tok), 0);
BEGIN
SELECT greatest(st.n_entries, 1)::float8 INTO tot FROM drugnorm.state st;
WHILE lo <= n_tok LOOP
    f := q_frag[lo];
    hi := lo;
    WHILE hi < n_tok AND q_frag[hi + 1] = f LOOP
        hi := hi + 1;
    END LOOP;
RETURN QUERY
WITH q AS MATERIALIZED (                  -- the fragment's tokens with document frequency and idf
    SELECT t.tok, t.slot, t.ord, t.owner, left(t.tok, 1) AS dim, coalesce(ts.df, 0) AS df,
           1 + ln(tot / (coalesce(ts.df, 0) + 1)) AS idf,
           count(*) OVER (PARTITION BY t.slot) > 1 AS multi
    FROM unnest(q_tok[lo:hi], q_slot[lo:hi], q_owner[lo:hi]) WITH ORDINALITY AS t(tok, slot, owner, ord)
    LEFT JOIN (SELECT ts.token, ts.df FROM drugnorm.token_stat ts WHERE ts.token = ANY (q_tok[lo:hi])) ts
         ON ts.token = t.tok
),
recall AS MATERIALIZED (                  -- the rarest token always, more while their postings fit the budget
    SELECT r.tok, r.idf
    FROM (SELECT d.tok, d.idf, d.df, sum(d.df) OVER (ORDER BY d.df, d.tok COLLATE "C") AS cum
          FROM (SELECT DISTINCT q.tok, q.idf, q.df FROM q WHERE q.dim IN ('h', 'o', 's') AND q.df > 0) d
         ) r
    WHERE r.cum <= budget OR r.cum = r.df
),
cand AS MATERIALIZED (                    -- most rare tokens shared first, then the closest length
    SELECT p.entry_id AS id, sum(r.idf) AS sc
    FROM drugnorm.posting p JOIN recall r ON r.tok = p.token
    WHERE p.token = ANY (ARRAY(SELECT recall.tok FROM recall))
    GROUP BY p.entry_id
    ORDER BY sc DESC, abs(max(p.len) - (SELECT count(*) FROM q WHERE q.dim IN ('h', 'o'))), p.entry_id
    LIMIT cand_limit
),
ce AS MATERIALIZED (                      -- the candidates with |w_d|^2 (drugnorm.entry_weight)
    SELECT e.id, c.sc, e.tokens, e.dim_len, e.char_sq,
           CASE WHEN e.dim_len[1] > 0 THEN boosts[1] * w.w[1] / e.dim_len[1] ELSE 0 END     -- one term per
           + CASE WHEN e.dim_len[2] > 0 THEN boosts[2] * w.w[2] / e.dim_len[2] ELSE 0 END   -- dimension: no
           + CASE WHEN e.dim_len[3] > 0 THEN boosts[3] * w.w[3] / e.dim_len[3] ELSE 0 END   -- subquery per
           + CASE WHEN e.dim_len[4] > 0 THEN boosts[4] * w.w[4] / e.dim_len[4] ELSE 0 END   -- candidate
           + CASE WHEN e.dim_len[5] > 0 THEN boosts[5] * w.w[5] / e.dim_len[5] ELSE 0 END
           + CASE WHEN e.dim_len[6] > 0 THEN boosts[6] * w.w[6] / e.dim_len[6] ELSE 0 END AS dnorm2
    FROM drugnorm.entry e JOIN cand c ON c.id = e.id
    LEFT JOIN (SELECT w.entry_id, w.w FROM drugnorm.entry_weight w
               WHERE w.entry_id = ANY (ARRAY(SELECT cand.id FROM cand))) w ON w.entry_id = e.id
    WHERE e.id = ANY (ARRAY(SELECT cand.id FROM cand))
),
ct AS MATERIALIZED (                      -- the candidates' tokens that the query has, with tf
    SELECT ce.id, x.tok, count(*)::float8 AS tf
    FROM ce CROSS JOIN LATERAL unnest(ce.tokens) AS x(tok)
    WHERE x.tok IN (SELECT q.tok FROM q WHERE q.dim <> 's')
    GROUP BY ce.id, x.tok
),
sup AS (                                  -- candidates having both a reading and its character
    SELECT x.slot, x.tok, sum(ce.sc) AS support
    FROM (SELECT q.slot, q.tok, q.owner, c1.id
          FROM q JOIN ct c1 ON c1.tok = q.tok
          WHERE q.multi AND q.dim <> 's') x
    JOIN ce ON ce.id = x.id
    WHERE (x.id, x.owner) IN (SELECT c2.id, c2.tok FROM ct c2)
    GROUP BY x.slot, x.tok
),
qv AS MATERIALIZED (                      -- the query vector: a polyphonic character reads as the best
    SELECT q.tok, q.dim, q.idf, count(*)::float8 AS qtf      -- candidates having it do
    FROM q
    WHERE q.dim <> 's' AND (NOT q.multi OR (q.slot, q.tok) IN (
        SELECT DISTINCT ON (q2.slot) q2.slot, q2.tok
        FROM q q2 LEFT JOIN sup ON sup.slot = q2.slot AND sup.tok = q2.tok
        WHERE q2.multi AND q2.dim <> 's'
        ORDER BY q2.slot, coalesce(sup.support, 0) DESC, q2.ord))
    GROUP BY q.tok, q.dim, q.idf
),
qdim AS MATERIALIZED (
    SELECT qv.dim, sum(qv.qtf) AS qlen, sum(qv.qtf * qv.idf * qv.idf) AS qsq,
           sum(qv.qtf * qv.qtf) FILTER (WHERE qv.dim IN ('h', 'o')) AS cq
    FROM qv GROUP BY qv.dim
),
qconst AS MATERIALIZED (                  -- |w_q|^2 and the query's side of N
    SELECT sum(boosts[strpos('hifcpo', qdim.dim)] * qdim.qsq / qdim.qlen) AS qnorm2,
           coalesce(sum(qdim.cq), 0) AS cq
    FROM qdim
),
qw AS MATERIALIZED (                      -- the query's factor of each token's term of <w_q, w_d>
    SELECT qv.tok, qv.qtf, qv.idf * qv.idf / sqrt(qdim.qlen) AS w
    FROM qv JOIN qdim ON qdim.dim = qv.dim
),
agg AS (                                  -- <w_q, w_d> and N's dot
    SELECT ct.id,
           sum(boosts[ct.i] * sqrt(qw.qtf * ct.tf) * qw.w / sqrt(ce.dim_len[ct.i])) AS dot,
           coalesce(sum(qw.qtf * ct.tf) FILTER (WHERE ct.i IN (1, 6)), 0) AS cdot
    FROM (SELECT ct.id, ct.tok, ct.tf, strpos('hifcpo', left(ct.tok, 1)) AS i FROM ct) ct
    JOIN ce ON ce.id = ct.id
    JOIN qw ON qw.tok = ct.tok
    GROUP BY ct.id
),
scored AS (
    SELECT ce.id,
           CASE WHEN qc.qnorm2 > 0 AND ce.dnorm2 > 0
                THEN least(1.0, coalesce(g.dot, 0) / sqrt(qc.qnorm2 * ce.dnorm2)) ELSE 0 END AS m,
           CASE WHEN qc.cq > 0 AND ce.char_sq > 0
                THEN least(1.0, coalesce(g.cdot, 0) / sqrt(qc.cq * ce.char_sq)) ELSE 0 END AS n
    FROM ce
    CROSS JOIN qconst qc
    LEFT JOIN agg g ON g.id = ce.id
)
SELECT f, sc.id, sc.m, sc.n, a * sc.m + (1 - a) * sc.n
FROM scored sc
WHERE a * sc.m + (1 - a) * sc.n >= threshold
ORDER BY a * sc.m + (1 - a) * sc.n DESC, sc.id
LIMIT k;
    lo := hi + 1;
END LOOP;
END
$fn$;
