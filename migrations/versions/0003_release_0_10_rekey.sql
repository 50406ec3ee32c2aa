-- Keys of revision 0003 (release 0.10), run after this revision's code and hanzi data: 0.10 normalizes
-- text differently (subscripts, invisible characters, marks, digits of other scripts; the t2s map of the
-- stamped hanzi file), and every entry's key (drugnorm.entry.key: what inputs are looked up by) was
-- computed by 0.9.0's normalization when it was loaded. Each key is computed again as load-dict computes it
-- (drugnorm.lexicon_keys: this revision's preprocess.normalize_key), irrelevant characters first (the
-- other keys are computed without them); an entry whose key changes gets its dimension columns, postings
-- and document frequencies as load-dict gives a new entry (drugnorm.entry_dims; the statements of
-- sql/scoring_index.sql), its lookup codes through the trigger on drugnorm.entry, its weights through the
-- one on drugnorm.state, and the new lexicon version this step records (what `reparse-table` redoes).
--
-- Two entries of one dictionary whose keys become one (维生素K₁ and 维生素K1, both loaded under 0.9.0):
--   * when they mean the same (the same standard, or standards of the same key with the same links), both
--     rows stay: the one whose key does not change keeps it, else the standard, else the older one takes
--     the new key; the others keep their 0.9.0 key (no 0.10 input reaches it; the answer is the same)
--     and are listed in the version's `what` ("kept_0_9_keys"), as is an entry whose new key is empty;
--   * when they mean different things the migration fails with one line naming them, and the database
--     stays at 0.9.0: only a pharmacist can say which one the hospital means.

DO $$
DECLARE
    first_pass boolean;
    v bigint;
    bad record;
BEGIN
    SELECT greatest(s.version, (SELECT max(version) FROM drugnorm.lexicon_version)) + 1 INTO v
    FROM drugnorm.state s;
    SET CONSTRAINTS drugnorm.entry_version_fkey DEFERRED;   -- the version row comes last, with what changed
    CREATE TEMP TABLE dn_rekeyed (id bigint PRIMARY KEY, dict text, term text, old_key text, key text,
                                  kept boolean) ON COMMIT DROP;
    FOREACH first_pass IN ARRAY ARRAY[true, false] LOOP
        CREATE TEMP TABLE dn_keys ON COMMIT DROP AS
        SELECT u.id, u.dict, u.old_key, u.key, false AS kept
        FROM (SELECT array_agg(id ORDER BY id) AS ids, array_agg(dict ORDER BY id) AS ds,
                     array_agg(key ORDER BY id) AS ks,
                     drugnorm.lexicon_keys(array_agg(term ORDER BY id), array_agg(dict ORDER BY id)) AS nk
              FROM drugnorm.entry WHERE (dict = 'irrelevant_char') = first_pass
              HAVING count(*) > 0) a
        CROSS JOIN LATERAL unnest(a.ids, a.ds, a.ks, a.nk) AS u(id, dict, old_key, key);

        -- What an entry means: its standard's new key and links (a synonym's links are its standard's).
        CREATE TEMP TABLE dn_groups ON COMMIT DROP AS
        SELECT k.id, k.dict, k.key, k.old_key, e.standard_id IS NULL AS is_standard,
               (sk.key, s.generic_id, s.product_id, s.dosage_form_id)::text AS meaning,
               e.term || coalesce(' (' || nullif(concat_ws(', ', 'synonym of ' || nullif(s.term, e.term),
                                                           'generic ' || g.term, 'product ' || p.term,
                                                           'dosage_form ' || f.term), '') || ')', '') AS shown
        FROM dn_keys k
        JOIN drugnorm.entry e ON e.id = k.id
        JOIN drugnorm.entry s ON s.id = coalesce(e.standard_id, e.id)
        JOIN dn_keys sk ON sk.id = s.id
        LEFT JOIN drugnorm.entry g ON g.id = s.generic_id
        LEFT JOIN drugnorm.entry p ON p.id = s.product_id
        LEFT JOIN drugnorm.entry f ON f.id = s.dosage_form_id
        WHERE (k.dict, k.key) IN (SELECT dict, key FROM dn_keys GROUP BY 1, 2 HAVING count(*) > 1);
        SELECT g.dict, g.key, string_agg(g.shown, ' and ' ORDER BY g.id) AS terms,
               count(*) OVER () AS n
        INTO bad
        FROM dn_groups g GROUP BY g.dict, g.key HAVING count(DISTINCT g.meaning) > 1
        ORDER BY g.dict, g.key LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION '%', format('migration 0003: %s entries %s get the same key %L under 0.10''s '
                'normalization but mean different things%s; with drugnorm-admin 0.9.0 make them agree (load one '
                'as a synonym of the other''s standard) or remove one, then migrate again',
                bad.dict, bad.terms, bad.key,
                CASE WHEN bad.n > 1 THEN format(' (and %s more such keys)', bad.n - 1) ELSE '' END);
        END IF;
        UPDATE dn_keys k SET kept = true
        FROM (SELECT id, row_number() OVER (PARTITION BY dict, key
                                            ORDER BY old_key = key DESC, is_standard DESC, id) AS rank
              FROM dn_groups) g
        WHERE g.id = k.id AND g.rank > 1 AND k.key <> k.old_key;
        UPDATE dn_keys SET kept = true WHERE key = '';
        DELETE FROM dn_keys WHERE key = old_key;
        INSERT INTO dn_rekeyed SELECT k.id, k.dict, e.term, k.old_key, k.key, k.kept
        FROM dn_keys k JOIN drugnorm.entry e ON e.id = k.id;
        DELETE FROM dn_keys WHERE kept;

        -- Readings of the new keys: the old phrase-aware ones (pypinyin's, computed by load-dict) when the new
        -- key has as many characters with a reading as the old one had readings, else each character's most
        -- common reading (drugnorm.hanzi, the stamped data of this release).
        CREATE TEMP TABLE dn_dims ON COMMIT DROP AS
        WITH c AS (
            SELECT k.id, c.pos, h.readings[1] AS r1, h.ch IS NOT NULL AS han,
                   count(*) FILTER (WHERE h.ch IS NOT NULL) OVER (PARTITION BY k.id ORDER BY c.pos) AS nth,
                   count(*) FILTER (WHERE h.ch IS NOT NULL) OVER (PARTITION BY k.id) AS n_han
            FROM dn_keys k
            JOIN drugnorm.dictionary d ON d.name = k.dict AND d.kind = 'set'
            CROSS JOIN LATERAL regexp_split_to_table(k.key, '') WITH ORDINALITY AS c(ch, pos)
            LEFT JOIN drugnorm.hanzi h ON h.ch = c.ch AND h.readings[1] <> ''
        ), o AS (
            SELECT e.id, ARRAY(SELECT r FROM unnest(e.readings) WITH ORDINALITY AS x(r, i) WHERE r <> ''
                               ORDER BY i) AS rs
            FROM drugnorm.entry e WHERE e.id IN (SELECT id FROM dn_keys)
        ), rd AS (
            SELECT c.id, string_agg(CASE WHEN NOT c.han THEN '' WHEN cardinality(o.rs) = c.n_han THEN o.rs[c.nth]
                                         ELSE c.r1 END, ' ' ORDER BY c.pos) AS rd
            FROM c JOIN o ON o.id = c.id GROUP BY c.id
        )
        SELECT r.id, r.rd, d.tokens, d.dim_len, d.char_sq, d.pinyin, d.initials
        FROM (SELECT array_agg(rd.id ORDER BY rd.id) AS ids, array_agg(k.key ORDER BY rd.id) AS ks,
                     array_agg(rd.rd ORDER BY rd.id) AS rds
              FROM rd JOIN dn_keys k ON k.id = rd.id HAVING count(*) > 0) a
        CROSS JOIN LATERAL drugnorm.entry_dims(a.ks, a.rds) d
        JOIN unnest(a.ids, a.rds) WITH ORDINALITY AS r(id, rd, i) ON r.i = d.i;

        -- The old tokens' frequencies and postings go (sql/scoring_index.sql, remove_token_stats ...).
        WITH d AS (SELECT t.tok, count(DISTINCT e.id) AS n
                   FROM drugnorm.entry e CROSS JOIN LATERAL unnest(e.tokens) t(tok)
                   WHERE e.id IN (SELECT id FROM dn_dims) GROUP BY t.tok)
        UPDATE drugnorm.token_stat ts SET df = ts.df - d.n FROM d WHERE ts.token = d.tok;
        DELETE FROM drugnorm.posting WHERE entry_id IN (SELECT id FROM dn_dims);

        UPDATE drugnorm.entry e
        SET key = k.key, version = v,
            tokens = coalesce(x.tokens, e.tokens), dim_len = coalesce(x.dim_len, e.dim_len),
            char_sq = coalesce(x.char_sq, e.char_sq), pinyin = coalesce(x.pinyin, e.pinyin),
            initials = coalesce(x.initials, e.initials),
            readings = coalesce(string_to_array(x.rd, ' '), e.readings)
        FROM dn_keys k LEFT JOIN dn_dims x ON x.id = k.id
        WHERE e.id = k.id;

        -- The new tokens' postings and frequencies (sql/scoring_index.sql, add_postings, add_token_stats:
        -- recall tokens h, o, s; len = the entry's characters, dim_len of h and o).
        INSERT INTO drugnorm.posting (token, entry_id, len)
        SELECT DISTINCT t.tok, x.id, least(x.dim_len[1] + x.dim_len[6], 32767)
        FROM dn_dims x CROSS JOIN LATERAL unnest(x.tokens) t(tok)
        WHERE left(t.tok, 1) = ANY (ARRAY['h', 'o', 's']);
        INSERT INTO drugnorm.token_stat (token, df)
        SELECT t.tok, count(DISTINCT x.id) FROM dn_dims x CROSS JOIN LATERAL unnest(x.tokens) t(tok)
        GROUP BY t.tok
        ON CONFLICT (token) DO UPDATE SET df = drugnorm.token_stat.df + excluded.df;
        DELETE FROM drugnorm.token_stat WHERE df <= 0;

        DROP TABLE dn_keys, dn_groups, dn_dims;
    END LOOP;

    IF EXISTS (SELECT FROM dn_rekeyed) THEN
        INSERT INTO drugnorm.lexicon_version (version, what)
        SELECT v, jsonb_build_object(
            'event', 'migration 0003: keys computed again by 0.10''s normalization',
            'rekeyed', count(*) FILTER (WHERE NOT kept),
            'kept_0_9_keys', coalesce(jsonb_agg(jsonb_build_object('dict', dict, 'term', term, 'key', old_key,
                                                                   'new_key', key) ORDER BY id)
                                      FILTER (WHERE kept), '[]'))
        FROM dn_rekeyed;
        -- A new version for the caches and reparse-table; the same n_entries, set again: the weights follow.
        UPDATE drugnorm.state SET version = v, n_entries = n_entries;
    END IF;
    DROP TABLE dn_rekeyed;
END $$;
