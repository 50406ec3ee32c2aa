-- The inverted index that the fuzzy scoring (sql/scoring.sql) reads, kept by drugnorm-admin in the load's
-- transaction (drugnorm_admin/scoring_index.py); run by the admin, never installed (codegen leaves this
-- file alone). What scoring.sql relies on:
--   entry.tokens, dim_len, char_sq   the tokens of claim 8 of every entry of the dictionary set
--                                    (drugnorm.entry_dims, plpython/dimensions.py);
--   posting                          one row per recall token (%(recall)s: hanzi, other characters,
--                                    syllables and pairs) and entry, with the entry's characters as len
--                                    (the dim_len of %(characters)s, its positions 1-based);
--   token_stat                       the document frequency of every token of the dictionary set.
-- entry_weight follows by itself (the trigger on drugnorm.state, sql/schema.sql).

-- name: new_entries
-- Entries of the dictionary set that have no dimension columns yet (new keys).
SELECT e.id, e.key FROM drugnorm.entry e
JOIN drugnorm.dictionary d ON d.name = e.dict AND d.kind = 'set'
WHERE e.tokens IS NULL ORDER BY e.id

-- name: dims_table
CREATE TEMP TABLE IF NOT EXISTS dn_dims (id bigint, rd text, tokens text[], dim_len int4[],
    char_sq int4, pinyin text, initials text) ON COMMIT DROP

-- name: clear_dims
TRUNCATE dn_dims

-- name: compute_dims
-- One batch: ids, keys and readings (the phrase-aware pinyin, space-separated) in the same order.
INSERT INTO dn_dims
SELECT r.id, r.rd, d.tokens, d.dim_len, d.char_sq, d.pinyin, d.initials
FROM drugnorm.entry_dims(%(keys)s, %(readings)s) d
JOIN unnest(%(ids)s::bigint[], %(readings)s::text[]) WITH ORDINALITY AS r(id, rd, i) ON r.i = d.i

-- name: write_dims
UPDATE drugnorm.entry e
SET tokens = x.tokens, dim_len = x.dim_len, char_sq = x.char_sq, pinyin = x.pinyin,
    initials = x.initials, readings = string_to_array(x.rd, ' ')
FROM dn_dims x WHERE e.id = x.id

-- name: add_postings
INSERT INTO drugnorm.posting (token, entry_id, len)
SELECT DISTINCT t.tok, x.id,
       least((SELECT sum(x.dim_len[i]) FROM unnest(%(characters)s::int[]) AS c(i)), 32767)
FROM dn_dims x CROSS JOIN LATERAL unnest(x.tokens) t(tok)
WHERE left(t.tok, 1) = ANY (%(recall)s::text[])
ORDER BY 1, 2

-- name: add_token_stats
INSERT INTO drugnorm.token_stat (token, df)
SELECT t.tok, count(DISTINCT x.id) FROM dn_dims x CROSS JOIN LATERAL unnest(x.tokens) t(tok)
GROUP BY t.tok
ON CONFLICT (token) DO UPDATE SET df = drugnorm.token_stat.df + excluded.df

-- name: remove_token_stats
-- Document frequencies of the entries about to be removed (dn_doomed) go with them.
WITH d AS (SELECT t.tok, count(DISTINCT e.id) AS n
           FROM drugnorm.entry e CROSS JOIN LATERAL unnest(e.tokens) t(tok)
           WHERE e.id IN (SELECT id FROM dn_doomed) GROUP BY t.tok)
UPDATE drugnorm.token_stat ts SET df = ts.df - d.n FROM d WHERE ts.token = d.tok

-- name: drop_unused_tokens
DELETE FROM drugnorm.token_stat WHERE df <= 0

-- name: remove_postings
DELETE FROM drugnorm.posting WHERE entry_id IN (SELECT id FROM dn_doomed)
