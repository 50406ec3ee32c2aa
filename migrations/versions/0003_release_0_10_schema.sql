-- Schema change of revision 0003 (release 0.10).

-- The code lives in the schema now, as the body of drugnorm.code_modules() (this revision's code): it
-- travels with pg_dump --schema-only and only the schema's owner can change it. Its 0.9.0 table goes.
DROP TABLE drugnorm.py_module;

-- Which release of drugnorm-admin migrated this database, and when (drugnorm.version(), stats).
CREATE TABLE drugnorm.release_history (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    release  text NOT NULL,
    revision text,
    at       timestamptz NOT NULL DEFAULT now(),
    by_role  text NOT NULL DEFAULT current_user
);
GRANT SELECT ON drugnorm.release_history TO drugnorm_reader;

-- The review queue keeps up to two raw strings each fragment came from (review export, the desk), and a
-- fragment a pharmacist ignored (not a drug, noise) stays out of later exports and the desk's queue.
ALTER TABLE drugnorm.review_event ADD COLUMN example text;
ALTER TABLE drugnorm.review_item ADD COLUMN examples text[], ADD COLUMN ignored_at timestamptz,
    ADD COLUMN ignored_by text;

-- Formulary markers: a dictionary kind of its own (insurance class, lists, symbol flags).
ALTER TABLE drugnorm.dictionary DROP CONSTRAINT dictionary_kind_check;
ALTER TABLE drugnorm.dictionary ADD CONSTRAINT dictionary_kind_check
    CHECK (kind IN ('set', 'unit', 'char', 'marker'));
INSERT INTO drugnorm.dictionary (name, attribute, kind, priority) VALUES
    ('insurance_class',    '医保类别', 'marker', 11),
    ('formulary_marker',   '目录标记', 'marker', 12);
-- The symbol flags of the bundled lexicon (※ ▲ ◆ ★) are markers from 0.10 on, no longer characters to
-- drop: a hospital's own irrelevant characters stay as they are.
DO $$
DECLARE
    v bigint;
BEGIN
    IF EXISTS (SELECT 1 FROM drugnorm.entry WHERE dict = 'irrelevant_char' AND key IN ('※', '▲', '◆', '★')
               AND source = 'drugnorm (patent claim 3 list, extended)') THEN
        SELECT max(version) + 1 INTO v FROM drugnorm.lexicon_version;
        INSERT INTO drugnorm.lexicon_version (version, what) VALUES (v, jsonb_build_object('event',
            'migration 0003: the symbol flags ※ ▲ ◆ ★ are formulary markers, no longer irrelevant characters'));
        DELETE FROM drugnorm.entry WHERE dict = 'irrelevant_char' AND key IN ('※', '▲', '◆', '★')
            AND source = 'drugnorm (patent claim 3 list, extended)';
        UPDATE drugnorm.state SET version = v;
    END IF;
END $$;

-- The lexicon history is append-only for everyone but its owner: editors keep INSERT (load-dict records
-- its version last, so the foreign key from entry waits for it), lose UPDATE and DELETE, and cannot sign
-- a row with another role's name or another time.
ALTER TABLE drugnorm.entry ALTER CONSTRAINT entry_version_fkey DEFERRABLE;
REVOKE UPDATE, DELETE ON drugnorm.lexicon_version FROM drugnorm_editor;
CREATE FUNCTION drugnorm.stamp_lexicon_version() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NOT pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER') THEN
        NEW.loaded_by := current_user;
        NEW.loaded_at := now();
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER lexicon_version_stamp BEFORE INSERT ON drugnorm.lexicon_version
    FOR EACH ROW EXECUTE FUNCTION drugnorm.stamp_lexicon_version();

-- The per-backend caches of drug_parse hold committed data only (plpython/server.py). A statement that
-- changes a table they read marks its transaction: drugnorm.uncommitted, transaction-local (ROLLBACK and
-- ROLLBACK TO SAVEPOINT undo it) and unique to the statement; calls in a marked transaction read a lexicon
-- of their own and keep nothing. The change also bumps the caches' version, so a committed hand edit
-- (UPDATE drugnorm.entry …) reloads every backend as a load does.
CREATE FUNCTION drugnorm.lexicon_changed() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM set_config('drugnorm.uncommitted', gen_random_uuid()::text, true);
    IF TG_TABLE_NAME NOT IN ('state', 'setting') THEN   -- setting bumps it itself; state is the version
        UPDATE drugnorm.state SET settings_version = settings_version + 1;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER entry_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON drugnorm.entry
    FOR EACH STATEMENT EXECUTE FUNCTION drugnorm.lexicon_changed();
CREATE TRIGGER posting_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON drugnorm.posting
    FOR EACH STATEMENT EXECUTE FUNCTION drugnorm.lexicon_changed();
CREATE TRIGGER token_stat_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON drugnorm.token_stat
    FOR EACH STATEMENT EXECUTE FUNCTION drugnorm.lexicon_changed();
CREATE TRIGGER hanzi_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON drugnorm.hanzi
    FOR EACH STATEMENT EXECUTE FUNCTION drugnorm.lexicon_changed();
CREATE TRIGGER char_model_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON drugnorm.char_model
    FOR EACH STATEMENT EXECUTE FUNCTION drugnorm.lexicon_changed();
CREATE TRIGGER dictionary_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON drugnorm.dictionary
    FOR EACH STATEMENT EXECUTE FUNCTION drugnorm.lexicon_changed();
CREATE TRIGGER setting_marked AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON drugnorm.setting
    FOR EACH STATEMENT EXECUTE FUNCTION drugnorm.lexicon_changed();
CREATE TRIGGER state_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON drugnorm.state
    FOR EACH STATEMENT EXECUTE FUNCTION drugnorm.lexicon_changed();

-- The fuzzy matcher's candidate stage also reads pairs of neighbouring syllables (or letters and digits) of
-- every entry: recall tokens 's<a>-<b>' (plpython/dimensions.py), which load-dict computes for new entries.
-- The entries an upgraded database has get them here, from the order of their 's' and 'o' tokens (one per
-- hanzi with a reading, one per letter or digit, in the key's order), with their postings and frequencies.
CREATE TEMP TABLE dn_pairs ON COMMIT DROP AS
WITH u AS (
    SELECT e.id, t.ord, substr(t.tok, 2) AS unit
    FROM drugnorm.entry e CROSS JOIN LATERAL unnest(e.tokens) WITH ORDINALITY AS t(tok, ord)
    WHERE left(t.tok, 1) IN ('s', 'o')
      AND NOT EXISTS (SELECT FROM unnest(e.tokens) x(tok) WHERE x.tok LIKE 's%-%')
), p AS (
    SELECT id, ord, 's' || unit || '-' || lead(unit) OVER (PARTITION BY id ORDER BY ord) AS tok FROM u
)
SELECT id, array_agg(tok ORDER BY ord) AS toks FROM p WHERE tok IS NOT NULL GROUP BY id;
UPDATE drugnorm.entry e SET tokens = e.tokens || p.toks FROM dn_pairs p WHERE e.id = p.id;
INSERT INTO drugnorm.posting (token, entry_id, len)
SELECT DISTINCT t.tok, e.id, least(e.dim_len[1] + e.dim_len[6], 32767)
FROM dn_pairs p JOIN drugnorm.entry e ON e.id = p.id CROSS JOIN LATERAL unnest(p.toks) AS t(tok)
ON CONFLICT DO NOTHING;
INSERT INTO drugnorm.token_stat (token, df)
SELECT t.tok, count(DISTINCT p.id) FROM dn_pairs p CROSS JOIN LATERAL unnest(p.toks) AS t(tok) GROUP BY t.tok
ON CONFLICT (token) DO UPDATE SET df = drugnorm.token_stat.df + excluded.df;
DROP TABLE dn_pairs;

-- The norms of the entries' vectors in the fuzzy scoring (sql/scoring.sql): for every entry of the
-- dictionary set and each scoring dimension (h, i, f, c, p, o), the sum over its tokens of tf * idf^2, with
-- today's document frequencies and T = state.n_entries. The scoring reads these six numbers per candidate
-- instead of looking up the frequency of every token of every candidate. They move with T and the
-- frequencies, so they are computed again whenever n_entries is set, which load-dict (and every command
-- that loads) does last, in its transaction.
CREATE TABLE drugnorm.entry_weight (
    entry_id bigint   PRIMARY KEY,   -- no foreign key, like posting
    w        float8[] NOT NULL       -- sum of tf * idf^2 per dimension, in the order h i f c p o
);
CREATE FUNCTION drugnorm.refresh_weights() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    DELETE FROM drugnorm.entry_weight x
    WHERE NOT EXISTS (SELECT FROM drugnorm.entry e WHERE e.id = x.entry_id AND e.tokens IS NOT NULL);
    INSERT INTO drugnorm.entry_weight AS x (entry_id, w)
    SELECT t.id, ARRAY[coalesce(sum(t.c) FILTER (WHERE t.d = 'h'), 0), coalesce(sum(t.c) FILTER (WHERE t.d = 'i'), 0),
                       coalesce(sum(t.c) FILTER (WHERE t.d = 'f'), 0), coalesce(sum(t.c) FILTER (WHERE t.d = 'c'), 0),
                       coalesce(sum(t.c) FILTER (WHERE t.d = 'p'), 0), coalesce(sum(t.c) FILTER (WHERE t.d = 'o'), 0)]
    FROM (SELECT e.id, left(x.tok, 1) AS d,      -- each occurrence adds idf^2: tf * idf^2 in all
                 (1 + ln((SELECT greatest(st.n_entries, 1) FROM drugnorm.state st)::float8
                         / (coalesce(ts.df, 0) + 1))) ^ 2 AS c
          FROM drugnorm.entry e CROSS JOIN LATERAL unnest(e.tokens) AS x(tok)
          LEFT JOIN drugnorm.token_stat ts ON ts.token = x.tok
          WHERE e.tokens IS NOT NULL AND left(x.tok, 1) <> 's') t
    GROUP BY t.id
    ON CONFLICT (entry_id) DO UPDATE SET w = excluded.w WHERE x.w IS DISTINCT FROM excluded.w;
    RETURN NULL;
END $$;
CREATE TRIGGER state_counts_changed AFTER UPDATE OF n_entries ON drugnorm.state
    FOR EACH STATEMENT EXECUTE FUNCTION drugnorm.refresh_weights();
CREATE TRIGGER entry_weight_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON drugnorm.entry_weight
    FOR EACH STATEMENT EXECUTE FUNCTION drugnorm.lexicon_changed();
GRANT SELECT ON drugnorm.entry_weight TO drugnorm_reader;
GRANT INSERT, UPDATE, DELETE ON drugnorm.entry_weight TO drugnorm_editor;
UPDATE drugnorm.state SET n_entries = n_entries;     -- the weights of the entries this database has
-- With the pairs the candidate stage needs fewer entries and postings for the same answers (issue 15), so
-- a new database has smaller defaults; a database that holds a lexicon keeps its settings as they are (set
-- these two rows to 16 and 700 for the faster candidate stage).
UPDATE drugnorm.setting SET value = '16'
WHERE name = 'candidate_limit' AND value = '25' AND NOT EXISTS (SELECT FROM drugnorm.entry);
UPDATE drugnorm.setting SET value = '700'
WHERE name = 'posting_budget' AND value = '8000' AND NOT EXISTS (SELECT FROM drugnorm.entry);
-- The traditional->simplified pairs, read by every new backend (plpython/server.py): 4,000 of 41,000 rows.
CREATE INDEX hanzi_t2s_idx ON drugnorm.hanzi (ch) INCLUDE (simplified) WHERE simplified IS NOT NULL AND simplified <> ch;

-- What each lexicon version changed, entry by entry, with the entry as it was before (load-dict writes it
-- in the same transaction as the entries): what `drugnorm-admin revert` restores. Append-only for editors,
-- like the versions it belongs to; the version row comes last, so the foreign key waits for the commit.
CREATE TABLE drugnorm.entry_history (
    version      bigint NOT NULL REFERENCES drugnorm.lexicon_version (version) DEFERRABLE INITIALLY DEFERRED,
    op           "char" NOT NULL CHECK (op IN ('a', 'c', 'r')),   -- added, changed, removed
    dict         text   NOT NULL,
    key          text   NOT NULL,
    term         text   NOT NULL,   -- a: as added; c, r: as it was before, with the columns below
    standard     text,              -- links as terms, as export-dict writes them
    generic      text,
    product      text,
    dosage_form  text,
    source       text,
    prev_version bigint,            -- c, r: the version the entry had before
    PRIMARY KEY (version, dict, key)
);
CREATE INDEX entry_history_key_idx ON drugnorm.entry_history (dict, key, version);
GRANT SELECT ON drugnorm.entry_history TO drugnorm_reader;
GRANT INSERT ON drugnorm.entry_history TO drugnorm_editor;

-- drug_lookup's codes: for every entry of the dictionary set, its initials and full pinyin as HIS
-- mnemonic codes are typed, one row per reading. variant 0 is the phrase-aware reading (the columns pinyin
-- and initials); then the other readings of polyphonic characters and the initials a legacy GB2312
-- generator gives, a bounded number of each. drugnorm.lookup_codes() computes them; the triggers below
-- keep them in step with the entries, whoever writes them; installing the code recomputes them all
-- (this revision's code step fills them for the entries an upgraded database has).
CREATE TABLE drugnorm.lookup_code (
    code     text     NOT NULL,
    entry_id bigint   NOT NULL,   -- no foreign key, like posting: the triggers maintain it
    kind     "char"   NOT NULL CHECK (kind IN ('i', 'p')),   -- i: initials, p: full pinyin
    variant  int2     NOT NULL    -- 0: the phrase-aware reading; the lower, the likelier
);
CREATE INDEX lookup_code_code_idx ON drugnorm.lookup_code (length(code), code text_pattern_ops)
    INCLUDE (entry_id, variant);   -- drug_lookup reads prefixes length by length, shortest first
CREATE INDEX lookup_code_entry_idx ON drugnorm.lookup_code (entry_id);

CREATE FUNCTION drugnorm.sync_lookup_codes() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    ids bigint[];
    keys text[];
    rds text[];
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM drugnorm.lookup_code WHERE entry_id IN (SELECT id FROM old_rows);
        RETURN NULL;
    ELSIF TG_OP = 'UPDATE' THEN
        SELECT array_agg(n.id), array_agg(n.key), array_agg(array_to_string(n.readings, ' ', ''))
        INTO ids, keys, rds
        FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE (n.key, n.readings) IS DISTINCT FROM (o.key, o.readings);
        DELETE FROM drugnorm.lookup_code WHERE entry_id = ANY(ids);
    ELSE
        SELECT array_agg(n.id), array_agg(n.key), array_agg(array_to_string(n.readings, ' ', ''))
        INTO ids, keys, rds
        FROM new_rows n WHERE n.readings IS NOT NULL;
    END IF;
    INSERT INTO drugnorm.lookup_code (code, entry_id, kind, variant)
    SELECT c.code, c.entry_id, c.kind, c.variant FROM drugnorm.lookup_codes(ids, keys, rds) c;
    RETURN NULL;
END $$;
CREATE TRIGGER entry_lookup_codes_insert AFTER INSERT ON drugnorm.entry
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION drugnorm.sync_lookup_codes();
CREATE TRIGGER entry_lookup_codes_update AFTER UPDATE ON drugnorm.entry
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION drugnorm.sync_lookup_codes();
CREATE TRIGGER entry_lookup_codes_delete AFTER DELETE ON drugnorm.entry
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION drugnorm.sync_lookup_codes();
GRANT SELECT ON drugnorm.lookup_code TO drugnorm_reader;
GRANT INSERT, UPDATE, DELETE ON drugnorm.lookup_code TO drugnorm_editor;

-- What renormalize checked, one row per results column of a hospital table: every result stored in
-- result_column of table tbl (filled from raw_column) was checked against lexicon version `version`, so one
-- of an older version that no later change touches is current, and normalize leaves it alone. Results keep
-- the version they were made with; nothing else is rewritten. A role sees and writes only the rows of tables
-- it may UPDATE.
CREATE TABLE drugnorm.result_check (
    tbl           oid    NOT NULL,
    raw_column    text   NOT NULL,
    result_column text   NOT NULL,
    version       bigint NOT NULL,
    checked_at    timestamptz NOT NULL DEFAULT now(),
    checked_by    text   NOT NULL DEFAULT current_user,
    PRIMARY KEY (tbl, raw_column, result_column)
);
ALTER TABLE drugnorm.result_check ENABLE ROW LEVEL SECURITY;
CREATE POLICY result_check_of_updatable_tables ON drugnorm.result_check
    USING (has_table_privilege(tbl, 'UPDATE')) WITH CHECK (has_table_privilege(tbl, 'UPDATE'));
GRANT SELECT, INSERT, UPDATE, DELETE ON drugnorm.result_check TO drugnorm_reader;

-- The code modules compiled by the server's own Python (drugnorm.compile_code(), run by every code install):
-- a new backend unmarshals them instead of compiling 130 KB of source (~20 ms of its first call). Only rows
-- of the installed code version and of this Python's bytecode magic are used; anything else (a schema-only
-- restore, another Python) compiles from drugnorm.code_modules() as before. Written only by its owner.
CREATE TABLE drugnorm.code_cache (
    name         text  PRIMARY KEY,
    code_version text  NOT NULL,
    magic        bytea NOT NULL,
    code         bytea NOT NULL
);
GRANT SELECT ON drugnorm.code_cache TO drugnorm_reader;
