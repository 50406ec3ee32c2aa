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
-- (hanzi, non-hanzi characters, full syllables) until a posting budget is spent, ranks entries by
-- sum(idf * length norm), and passes the best `cand_limit` entries to the exact formula.

-- Entry-side weights depend on document frequencies, so load-dict refreshes them after each load.
CREATE FUNCTION drugnorm.refresh_weights() RETURNS void
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, drugnorm, pg_temp
AS $$
    DELETE FROM drugnorm.token_stat;
    INSERT INTO drugnorm.token_stat (token, df)
    SELECT t.tok, count(DISTINCT e.id)
    FROM drugnorm.entry e
    JOIN drugnorm.dictionary d ON d.name = e.dict AND d.kind = 'set'
    CROSS JOIN LATERAL unnest(e.tokens) AS t(tok)
    GROUP BY t.tok;

    UPDATE drugnorm.state
    SET n_entries = (SELECT count(*) FROM drugnorm.entry e
                     JOIN drugnorm.dictionary d ON d.name = e.dict AND d.kind = 'set');

    WITH w AS (
        SELECT e.id, substr(t.tok, 1, 1) AS dim,
               sum(power(1 + ln(st.n_entries::float8 / (ts.df + 1)), 2)) AS sq
        FROM drugnorm.entry e
        JOIN drugnorm.dictionary d ON d.name = e.dict AND d.kind = 'set'
        CROSS JOIN LATERAL unnest(e.tokens) AS t(tok)
        JOIN drugnorm.token_stat ts ON ts.token = t.tok
        CROSS JOIN drugnorm.state st
        GROUP BY e.id, substr(t.tok, 1, 1)
    ), x AS (
        SELECT w.id, ARRAY[coalesce(sum(w.sq) FILTER (WHERE w.dim = 'h'), 0),
                           coalesce(sum(w.sq) FILTER (WHERE w.dim = 'i'), 0),
                           coalesce(sum(w.sq) FILTER (WHERE w.dim = 'f'), 0),
                           coalesce(sum(w.sq) FILTER (WHERE w.dim = 'c'), 0),
                           coalesce(sum(w.sq) FILTER (WHERE w.dim = 'p'), 0),
                           coalesce(sum(w.sq) FILTER (WHERE w.dim = 'o'), 0)]::float8[] AS sq
        FROM w GROUP BY w.id
    )
    UPDATE drugnorm.entry e
    SET dim_sq = x.sq
    FROM x
    WHERE e.id = x.id AND e.dim_sq IS DISTINCT FROM x.sq;
$$;

CREATE FUNCTION drugnorm.score_fragment(
    q_tok text[], q_slot int[], q_def boolean[],
    k int, threshold float8, a float8, boosts float8[], cand_limit int, budget int)
RETURNS TABLE (entry_id bigint, m float8, n float8, s float8)
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, drugnorm, pg_temp
AS $$
WITH q AS (
    SELECT t.tok, t.slot, t.def, t.ord, substr(t.tok, 1, 1) AS dim, coalesce(ts.df, 0) AS df,
           1 + ln(greatest(st.n_entries, 1)::float8 / (coalesce(ts.df, 0) + 1)) AS idf
    FROM unnest(q_tok, q_slot, q_def) WITH ORDINALITY AS t(tok, slot, def, ord)
    LEFT JOIN drugnorm.token_stat ts ON ts.token = t.tok
    CROSS JOIN drugnorm.state st
),
recall AS (
    SELECT r.tok, r.idf
    FROM (SELECT d.tok, d.idf, d.df, sum(d.df) OVER (ORDER BY d.df, d.tok) AS cum
          FROM (SELECT DISTINCT q.tok, q.idf, q.df FROM q WHERE q.dim IN ('h', 'o', 's') AND q.df > 0) d
         ) r
    WHERE r.cum - r.df < budget          -- the rarest token always, more while the budget lasts
),
cand AS (
    SELECT p.entry_id
    FROM recall r
    JOIN drugnorm.posting p ON p.token = r.tok
    GROUP BY p.entry_id
    ORDER BY sum(r.idf * p.w) DESC, p.entry_id
    LIMIT cand_limit
),
ce AS (
    SELECT e.id, e.tokens, e.dim_len, e.dim_sq, e.char_sq
    FROM cand c JOIN drugnorm.entry e ON e.id = c.entry_id
),
dt AS (                                  -- the candidates' term frequencies of the query's tokens
    SELECT ce.id, t.tok, count(*) AS tf
    FROM ce CROSS JOIN LATERAL unnest(ce.tokens) AS t(tok)
    WHERE t.tok = ANY (q_tok)
    GROUP BY ce.id, t.tok
),
chosen AS (                              -- per slot: the reading this entry has, else the most common one
    SELECT DISTINCT ON (ce.id, q.slot) ce.id, q.tok, q.dim, q.idf, dt.tf AS dtf
    FROM ce CROSS JOIN q
    LEFT JOIN dt ON dt.id = ce.id AND dt.tok = q.tok
    WHERE q.dim <> 's'
    ORDER BY ce.id, q.slot, (dt.tf IS NOT NULL) DESC, q.ord
),
qt AS (
    SELECT c.id, c.tok, c.dim, c.idf, count(*)::float8 AS qtf, max(c.dtf)::float8 AS dtf
    FROM chosen c GROUP BY c.id, c.tok, c.dim, c.idf
),
qd AS (
    SELECT qt.id, qt.dim, sum(qt.qtf) AS qlen, sum(qt.qtf * qt.idf * qt.idf) AS qsq,
           sum(sqrt(qt.qtf * coalesce(qt.dtf, 0)) * qt.idf * qt.idf) AS dot,
           sum(qt.qtf * coalesce(qt.dtf, 0)) FILTER (WHERE qt.dim IN ('h', 'o')) AS cdot,
           sum(qt.qtf * qt.qtf) FILTER (WHERE qt.dim IN ('h', 'o')) AS cq
    FROM qt GROUP BY qt.id, qt.dim
),
agg AS (
    SELECT qd.id,
           sum(CASE WHEN ce.dim_len[b.i] > 0 THEN b.boost * qd.dot / sqrt(qd.qlen * ce.dim_len[b.i]) ELSE 0 END) AS dot,
           sum(b.boost * qd.qsq / qd.qlen) AS qnorm2,
           (SELECT sum(boosts[j] * ce.dim_sq[j] / ce.dim_len[j])
            FROM generate_series(1, 6) AS j WHERE ce.dim_len[j] > 0) AS dnorm2,
           coalesce(sum(qd.cdot), 0) AS cdot, sum(qd.cq) AS cq, ce.char_sq
    FROM qd
    JOIN ce ON ce.id = qd.id
    JOIN LATERAL (SELECT strpos('hifcpo', qd.dim) AS i, boosts[strpos('hifcpo', qd.dim)] AS boost) b ON true
    GROUP BY qd.id, ce.dim_len, ce.dim_sq, ce.char_sq
),
scored AS (
    SELECT agg.id,
           CASE WHEN agg.qnorm2 > 0 AND agg.dnorm2 > 0
                THEN least(1.0, agg.dot / sqrt(agg.qnorm2 * agg.dnorm2)) ELSE 0 END AS m,
           CASE WHEN agg.cq > 0 AND agg.char_sq > 0
                THEN least(1.0, agg.cdot / sqrt(agg.cq * agg.char_sq)) ELSE 0 END AS n
    FROM agg
)
SELECT scored.id, scored.m, scored.n, a * scored.m + (1 - a) * scored.n AS s
FROM scored
WHERE a * scored.m + (1 - a) * scored.n >= threshold
ORDER BY s DESC, scored.id
LIMIT k
$$;
