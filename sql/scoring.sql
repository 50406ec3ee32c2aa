-- Fuzzy matching of a second-type fragment (patent step 5, claims 7 and 9-11) as SQL aggregations.
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
-- (hanzi, non-hanzi characters, full syllables) until a posting budget is spent, ranks entries by the
-- idf they share, then by how close their length is to the fragment's, and passes the best `cand_limit`
-- entries to the exact formula.
--
-- A polyphonic query character (多音字) offers every reading as alternatives of one slot; the query reads it
-- as the candidates do (the alternative found in the candidates with the highest candidate-stage scores),
-- so the query vector is the same for every candidate and M stays a true cosine.

CREATE OR REPLACE FUNCTION drugnorm.score_fragment(
    q_tok text[], q_slot int[], q_def boolean[],
    k int, threshold float8, a float8, boosts float8[], cand_limit int, budget int, q_owner text[])
RETURNS TABLE (entry_id bigint, m float8, n float8, s float8)
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, drugnorm, pg_temp
SET jit = off      -- compiling this plan costs hundreds of milliseconds; it runs in a few
AS $fn$
BEGIN
-- EXECUTE plans with the actual arguments (array lengths, limits), which a cached generic plan cannot see.
RETURN QUERY EXECUTE $sql$
WITH q AS (
    SELECT t.tok, t.slot, t.ord, t.owner, substr(t.tok, 1, 1) AS dim, coalesce(ts.df, 0) AS df,
           1 + ln(greatest(st.n_entries, 1)::float8 / (coalesce(ts.df, 0) + 1)) AS idf,
           count(*) OVER (PARTITION BY t.slot) > 1 AS multi
    FROM unnest($1::text[], $2::int[], $3::boolean[], $10::text[]) WITH ORDINALITY AS t(tok, slot, def, owner, ord)
    LEFT JOIN drugnorm.token_stat ts ON ts.token = t.tok
    CROSS JOIN drugnorm.state st
),
recall AS (
    SELECT r.tok, r.idf
    FROM (SELECT d.tok, d.idf, d.df, sum(d.df) OVER (ORDER BY d.df, d.tok) AS cum
          FROM (SELECT DISTINCT q.tok, q.idf, q.df FROM q WHERE q.dim IN ('h', 'o', 's') AND q.df > 0) d
         ) r
    WHERE r.cum - r.df < $9          -- the rarest token always, more while the budget lasts
),
cand AS (                                -- most rare tokens shared first, then the closest length
    SELECT p.entry_id AS id, sum(r.idf) AS sc
    FROM recall r
    JOIN drugnorm.posting p ON p.token = r.tok
    GROUP BY p.entry_id
    ORDER BY sc DESC, abs(max(p.len) - (SELECT count(*) FROM q WHERE q.dim IN ('h', 'o'))), p.entry_id
    LIMIT $8
),
ce AS MATERIALIZED (
    SELECT e.id, c.sc, e.tokens, e.dim_len, e.char_sq
    FROM cand c JOIN drugnorm.entry e ON e.id = c.id
),
ct AS MATERIALIZED (                     -- the candidates' scoring tokens with tf and idf
    SELECT ce.id, t.tok, strpos('hifcpo', substr(t.tok, 1, 1)) AS i, count(*)::float8 AS tf,
           1 + ln(greatest(st.n_entries, 1)::float8 / (coalesce(ts.df, 0) + 1)) AS idf
    FROM ce CROSS JOIN LATERAL unnest(ce.tokens) AS t(tok)
    LEFT JOIN drugnorm.token_stat ts ON ts.token = t.tok
    CROSS JOIN drugnorm.state st
    WHERE substr(t.tok, 1, 1) <> 's'
    GROUP BY ce.id, t.tok, ts.df, st.n_entries
),
dt AS (                                  -- ... of those the query has
    SELECT ct.id, ct.tok, ct.tf AS dtf FROM ct WHERE ct.tok = ANY ($1::text[])
),
dn AS (                                  -- |w_d|^2, from today's document frequencies
    SELECT ct.id, sum(($7::float8[])[ct.i] * ct.tf * ct.idf * ct.idf / ce.dim_len[ct.i]) AS dnorm2
    FROM ct JOIN ce ON ce.id = ct.id
    GROUP BY ct.id
),
alt AS (                                 -- a polyphonic character reads as the best candidates having it do
    SELECT DISTINCT ON (q.slot) q.slot, q.tok
    FROM q
    LEFT JOIN LATERAL (SELECT sum(ce.sc) AS support
                       FROM dt a JOIN dt b ON b.id = a.id AND b.tok = q.owner JOIN ce ON ce.id = a.id
                       WHERE a.tok = q.tok) sup ON true
    WHERE q.multi
    ORDER BY q.slot, coalesce(sup.support, 0) DESC, q.ord
),
qv AS (                                  -- the query vector: token, dimension, idf, tf
    SELECT q.tok, q.dim, q.idf, count(*)::float8 AS qtf
    FROM q
    WHERE q.dim <> 's' AND (NOT q.multi OR (q.slot, q.tok) IN (SELECT alt.slot, alt.tok FROM alt))
    GROUP BY q.tok, q.dim, q.idf
),
qdim AS (
    SELECT qv.dim, strpos('hifcpo', qv.dim) AS i, sum(qv.qtf) AS qlen, sum(qv.qtf * qv.idf * qv.idf) AS qsq,
           sum(qv.qtf * qv.qtf) FILTER (WHERE qv.dim IN ('h', 'o')) AS cq
    FROM qv GROUP BY qv.dim
),
qconst AS (
    SELECT sum(($7::float8[])[qdim.i] * qdim.qsq / qdim.qlen) AS qnorm2, coalesce(sum(qdim.cq), 0) AS cq FROM qdim
),
dots AS (
    SELECT dt.id,
           sum(($7::float8[])[qdim.i] * sqrt(qv.qtf * dt.dtf) * qv.idf * qv.idf / sqrt(qdim.qlen * ce.dim_len[qdim.i])) AS dot,
           coalesce(sum(qv.qtf * dt.dtf) FILTER (WHERE qv.dim IN ('h', 'o')), 0) AS cdot
    FROM dt
    JOIN qv ON qv.tok = dt.tok
    JOIN qdim ON qdim.dim = qv.dim
    JOIN ce ON ce.id = dt.id
    GROUP BY dt.id
),
scored AS (
    SELECT ce.id,
           CASE WHEN qc.qnorm2 > 0 AND dn.dnorm2 > 0
                THEN least(1.0, coalesce(d.dot, 0) / sqrt(qc.qnorm2 * dn.dnorm2)) ELSE 0 END AS m,
           CASE WHEN qc.cq > 0 AND ce.char_sq > 0
                THEN least(1.0, coalesce(d.cdot, 0) / sqrt(qc.cq * ce.char_sq)) ELSE 0 END AS n
    FROM ce
    CROSS JOIN qconst qc
    LEFT JOIN dots d ON d.id = ce.id
    LEFT JOIN dn ON dn.id = ce.id
)
SELECT scored.id, scored.m, scored.n, $6 * scored.m + (1 - $6) * scored.n AS s
FROM scored
WHERE $6 * scored.m + (1 - $6) * scored.n >= $5
ORDER BY s DESC, scored.id
LIMIT $4
$sql$ USING q_tok, q_slot, q_def, k, threshold, a, boosts, cand_limit, budget, q_owner;
END
$fn$;
