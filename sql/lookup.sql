-- drug_lookup: the search box of a HIS. Accepts hanzi, full pinyin ('amoxilin') or pinyin initials as HIS
-- mnemonic codes are typed ('AMXLJN'), and returns entries with a score in [0, 1] and how they matched.
-- Prefix ranges use the text_pattern_ops indexes (~>=~ / ~<~ work with a parameter, LIKE would not);
-- pg_trgm on the ASCII pinyin columns catches typos in pinyin (ASCII works under any LC_CTYPE); hanzi
-- typos go to drug_candidates.
-- pg_trgm lives in schema drugnorm, or wherever the database had it before drugnorm came (often public).
-- The function's search_path never includes such a schema (others may create objects there), so its
-- similarity() and % are called qualified with the extension's schema, read from pg_extension on each
-- call (it follows ALTER EXTENSION ... SET SCHEMA); the argument types are exact (text, text), so no
-- overload someone adds there can win.
CREATE OR REPLACE FUNCTION drugnorm.drug_lookup(query text, k int DEFAULT 10)
RETURNS TABLE (term text, standard text, attribute text, generic text, score float8, match text)
LANGUAGE plpgsql STABLE PARALLEL UNSAFE
SET search_path = pg_catalog, drugnorm, pg_temp
AS $$
DECLARE
    q text := drugnorm.normalize(query);
    trgm text;
BEGIN
    IF q IS NULL OR q = '' OR k IS NULL OR k <= 0 THEN
        RETURN;
    END IF;
    q := replace(q, ' ', '');
    IF q ~ '^[a-z0-9]+$' THEN
        SELECT n.nspname INTO trgm FROM pg_catalog.pg_extension x
        JOIN pg_catalog.pg_namespace n ON n.oid = x.extnamespace WHERE x.extname = 'pg_trgm';
        IF trgm IS NULL THEN
            RAISE EXCEPTION 'drug_lookup needs the extension pg_trgm: run drugnorm-admin migrate';
        END IF;
        RETURN QUERY EXECUTE format($query$
        WITH hits AS (
            SELECT e.id, 1.0::float8 AS score, 'initials'::text AS match FROM drugnorm.entry e WHERE e.initials = $1
            UNION ALL
            SELECT e.id, 1.0, 'pinyin' FROM drugnorm.entry e WHERE e.pinyin = $1
            UNION ALL
            (SELECT e.id, length($1)::float8 / length(e.initials), 'initials' FROM drugnorm.entry e
             WHERE e.initials ~>=~ $1 AND e.initials ~<~ ($1 || '{') ORDER BY length(e.initials), e.id LIMIT 200)
            UNION ALL
            (SELECT e.id, length($1)::float8 / length(e.pinyin), 'pinyin' FROM drugnorm.entry e
             WHERE e.pinyin ~>=~ $1 AND e.pinyin ~<~ ($1 || '{') ORDER BY length(e.pinyin), e.id LIMIT 200)
            UNION ALL
            (SELECT e.id, 0.9 * %1$I.similarity(e.pinyin, $1), 'pinyin~' FROM drugnorm.entry e
             WHERE e.pinyin OPERATOR(%1$I.%%) $1 ORDER BY %1$I.similarity(e.pinyin, $1) DESC, e.id LIMIT 50)
            UNION ALL
            -- HIS mnemonic generators skip or replace rare characters (阿德福韦酯 typed ADFW): near codes
            (SELECT e.id, 0.8 * %1$I.similarity(e.initials, $1), 'initials~' FROM drugnorm.entry e
             WHERE length($1) >= 4 AND e.initials OPERATOR(%1$I.%%) $1
             ORDER BY %1$I.similarity(e.initials, $1) DESC, e.id LIMIT 50)
        )
        SELECT x.term, x.standard, x.attribute, x.generic, x.score, x.match FROM (
            SELECT DISTINCT ON (e.id) e.term, coalesce(s.term, e.term) AS standard, e.dict AS attribute,
                   g.term AS generic, h.score, h.match, d.priority, e.standard_id IS NULL AS is_std, e.id
            FROM hits h
            JOIN drugnorm.entry e ON e.id = h.id
            JOIN drugnorm.dictionary d ON d.name = e.dict AND d.kind = 'set'
            LEFT JOIN drugnorm.entry s ON s.id = e.standard_id
            LEFT JOIN drugnorm.entry g ON g.id = coalesce(s.generic_id, e.generic_id)
            ORDER BY e.id, h.score DESC
        ) x
        ORDER BY x.score DESC, x.priority, x.is_std DESC, length(x.term), x.id
        LIMIT $2
        $query$, trgm) USING q, k;
    ELSE
        RETURN QUERY
        WITH hits AS (
            (SELECT e.id, length(q)::float8 / length(e.key) AS score, 'prefix'::text AS match
             FROM drugnorm.entry e
             WHERE e.key ~>=~ q AND e.key ~<~ (q || chr(1114111)) ORDER BY length(e.key), e.id LIMIT 200)
            UNION ALL
            SELECT e.id, c.s, 'fuzzy'
            FROM drugnorm.drug_candidates(q, k) c
            JOIN drugnorm.entry e ON e.dict = c.attribute AND e.term = c.term
        )
        SELECT x.term, x.standard, x.attribute, x.generic, x.score, x.match FROM (
            SELECT DISTINCT ON (e.id) e.term, coalesce(s.term, e.term) AS standard, e.dict AS attribute,
                   g.term AS generic, h.score, h.match, d.priority, e.standard_id IS NULL AS is_std, e.id
            FROM hits h
            JOIN drugnorm.entry e ON e.id = h.id
            JOIN drugnorm.dictionary d ON d.name = e.dict AND d.kind = 'set'
            LEFT JOIN drugnorm.entry s ON s.id = e.standard_id
            LEFT JOIN drugnorm.entry g ON g.id = coalesce(s.generic_id, e.generic_id)
            ORDER BY e.id, h.score DESC
        ) x
        ORDER BY x.score DESC, x.priority, x.is_std DESC, length(x.term), x.id
        LIMIT k;
    END IF;
END
$$;
