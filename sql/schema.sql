-- drugnorm lexicon schema: the dictionaries of patent CN105068994A as tables.
-- The current definition, for reading: databases get it through the revisions of migrations/versions/,
-- and a test checks that the chain of revisions gives exactly this (tests/db/test_upgrade.py).

CREATE EXTENSION IF NOT EXISTS plpython3u;
-- pg_trgm goes into schema drugnorm unless the database has it already; either way the opclass is found
-- through this transaction's search_path.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        CREATE EXTENSION pg_trgm WITH SCHEMA drugnorm;
    END IF;
END $$;
SELECT set_config('search_path', 'drugnorm, ' || current_setting('search_path'), true);

-- The dictionaries (patent claim 2, table 19). kind 'set' = the dictionary set used for segmentation and
-- fuzzy matching; 'unit' = 规格词典 / 包装规格词典; 'char' = 无关字符词典; 'marker' = formulary markers
-- (insurance class, lists, symbol flags), found by rule before specs and names (plpython/markers.py).
CREATE TABLE drugnorm.dictionary (
    name      text PRIMARY KEY,
    attribute text NOT NULL,
    kind      text NOT NULL CHECK (kind IN ('set', 'unit', 'char', 'marker')),
    priority  int  NOT NULL UNIQUE   -- which dictionary wins when one key is in several (lower first)
);

INSERT INTO drugnorm.dictionary (name, attribute, kind, priority) VALUES
    ('product_name',       '产品名称', 'set',  1),
    ('generic_name',       '通用名称', 'set',  2),
    ('trade_name',         '商品名称', 'set',  3),
    ('manufacturer',       '生产厂家', 'set',  4),
    ('dosage_form',        '剂型',     'set',  5),
    ('route',              '给药途径', 'set',  6),
    ('packaging_material', '包材',     'set',  7),
    ('strength_unit',      '规格',     'unit', 8),
    ('package_unit',       '包装规格', 'unit', 9),
    ('irrelevant_char',    '无关字符', 'char', 10),
    ('insurance_class',    '医保类别', 'marker', 11),
    ('formulary_marker',   '目录标记', 'marker', 12);

-- Every version of the lexicon: each load or import makes one (who, when, what). The audit trail is
-- append-only for everyone but its owner: editors may INSERT (a load records its version last, with what it
-- changed), never UPDATE or DELETE, and the trigger below stamps who and when on their rows.
CREATE TABLE drugnorm.lexicon_version (
    version   bigint PRIMARY KEY,
    loaded_at timestamptz NOT NULL DEFAULT now(),
    loaded_by text NOT NULL DEFAULT current_user,
    what      jsonb NOT NULL DEFAULT '{}'
);
INSERT INTO drugnorm.lexicon_version (version, what) VALUES (0, '{"event": "created"}');

-- One row: what the per-backend caches compare against to notice a new lexicon or new settings.
CREATE TABLE drugnorm.state (
    singleton        boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    version          bigint NOT NULL DEFAULT 0 REFERENCES drugnorm.lexicon_version (version),
    n_entries        bigint NOT NULL DEFAULT 0,   -- T of the idf formula: entries of the dictionary set
    settings_version bigint NOT NULL DEFAULT 0
);
INSERT INTO drugnorm.state DEFAULT VALUES;

CREATE TABLE drugnorm.entry (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dict           text   NOT NULL REFERENCES drugnorm.dictionary (name),
    term           text   NOT NULL CHECK (term <> ''),      -- display form, as loaded
    key            text   NOT NULL CHECK (key <> ''),       -- normalized like input strings
    standard_id    bigint REFERENCES drugnorm.entry (id),   -- null: a standard entry
    generic_id     bigint REFERENCES drugnorm.entry (id),
    product_id     bigint REFERENCES drugnorm.entry (id),
    dosage_form_id bigint REFERENCES drugnorm.entry (id),
    source         text,
    version        bigint NOT NULL REFERENCES drugnorm.lexicon_version (version)   -- last changed in;
                   DEFERRABLE,   -- load-dict defers it: the version row comes last, with what it changed
    -- Dimension columns (claim 8), computed by load-dict, never at query time.
    readings       text[],   -- phrase-aware pinyin per character ('' for non-hanzi)
    tokens         text[],   -- dimension tokens, one per occurrence: first char = dimension code
    dim_len        int4[],   -- tokens per scoring dimension (h, i, f, c, p, o)
    char_sq        int4,     -- sum of squared character counts, for the cosine N
    pinyin         text,     -- full pinyin without spaces, for drug_lookup
    initials       text,     -- pinyin initials as HIS mnemonic codes are typed
    UNIQUE (dict, key),
    CHECK (standard_id IS NULL OR (generic_id IS NULL AND product_id IS NULL AND dosage_form_id IS NULL))
);
CREATE INDEX entry_standard_idx ON drugnorm.entry (standard_id);
CREATE INDEX entry_key_idx ON drugnorm.entry (key);
CREATE INDEX entry_key_trgm_idx ON drugnorm.entry USING gin (key gin_trgm_ops);
CREATE INDEX entry_key_pattern_idx ON drugnorm.entry (key text_pattern_ops);
CREATE INDEX entry_pinyin_idx ON drugnorm.entry (pinyin text_pattern_ops);
CREATE INDEX entry_initials_idx ON drugnorm.entry (initials text_pattern_ops);
CREATE INDEX entry_initials_trgm_idx ON drugnorm.entry USING gin (initials gin_trgm_ops);
CREATE INDEX entry_pinyin_trgm_idx ON drugnorm.entry USING gin (pinyin gin_trgm_ops);

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

-- drug_lookup's codes: for every entry of the dictionary set, its initials and full pinyin as HIS
-- mnemonic codes are typed, one row per reading. variant 0 is the phrase-aware reading (the columns pinyin
-- and initials); then the other readings of polyphonic characters and the initials a legacy GB2312
-- generator gives, a bounded number of each. drugnorm.lookup_codes() computes them; the triggers below
-- keep them in step with the entries, whoever writes them; installing the code recomputes them all.
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

-- The inverted index (dimension token -> entries) of the dictionary set. Our own character tokens, so
-- it works whatever the database's LC_CTYPE (pg_trgm extracts nothing from Chinese under C).
CREATE TABLE drugnorm.posting (
    token    text   NOT NULL,
    entry_id bigint NOT NULL,   -- no foreign key: load-dict maintains postings, and per-row checks cost
    len      int2   NOT NULL,   -- the entry's characters (hanzi and non-hanzi letters or digits)
    PRIMARY KEY (token, entry_id) INCLUDE (len)   -- index-only scans in the candidate stage
);
CREATE INDEX posting_entry_idx ON drugnorm.posting (entry_id);

-- Document frequencies T(t) of every token of the dictionary set, kept current by load-dict.
CREATE TABLE drugnorm.token_stat (
    token text PRIMARY KEY,
    df    int  NOT NULL CHECK (df >= 0)
);

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

-- 字符模型库: the character-model library as data; plpython/char_models.py implements each kind's rule.
CREATE TABLE drugnorm.char_model (
    name        text PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('bracket', 'bar', 'stop', 'slash')),
    symbols     text NOT NULL,
    priority    int  NOT NULL,
    description text NOT NULL
);

-- Pinyin readings and the traditional->simplified map, loaded from the stamped data file
-- migrations/data/hanzi_N.tsv (drugnorm_admin/hanzi.py generates it with pinned pypinyin and OpenCC).
CREATE TABLE drugnorm.hanzi (
    ch         text PRIMARY KEY CHECK (length(ch) = 1),
    simplified text CHECK (length(simplified) = 1),
    readings   text[] NOT NULL DEFAULT '{}'   -- toneless, 'ü' as 'v', most common first
);
-- The traditional->simplified pairs, read by every new backend (plpython/server.py): 4,000 of 41,000 rows.
CREATE INDEX hanzi_t2s_idx ON drugnorm.hanzi (ch) INCLUDE (simplified) WHERE simplified IS NOT NULL AND simplified <> ch;

-- Settings; a session can override any of them with SET drugnorm.<name> = ...
CREATE TABLE drugnorm.setting (
    name        text PRIMARY KEY,
    value       text NOT NULL,
    description text NOT NULL
);
INSERT INTO drugnorm.setting (name, value, description) VALUES
    ('a',                '0.4',  'weight of M in S = a*M + (1-a)*N (patent example: 0.4)'),
    ('k',                '10',   'candidates returned per fragment'),
    ('threshold',        '0',    'drop candidates whose S is below this'),
    ('accept',           '0.6',  'a fuzzy top candidate fills the flat fields when its S reaches this'),
    ('ambiguous_margin', '0.02', 'flag a fragment ambiguous when the top two standards are this close in S'),
    ('boost_h',          '1.0',  'boost of the hanzi dimension'),
    ('boost_i',          '0.5',  'boost of the pinyin-initial (声母) dimension'),
    ('boost_f',          '0.5',  'boost of the pinyin-final (韵母) dimension'),
    ('boost_c',          '1.0',  'boost of the first-character dimension'),
    ('boost_p',          '0.5',  'boost of the first-character-pinyin dimension'),
    ('boost_o',          '1.0',  'boost of the non-hanzi-character dimension'),
    ('candidate_limit',  '16',   'entries the candidate stage passes to full scoring'),
    ('posting_budget',   '700', 'postings the candidate stage may read, rarest tokens first'),
    ('cache_entries',    '20000','parse results cached per backend (0 disables)'),
    ('review_queue',     'off',  'on: drug_parse_review, the attach trigger and normalize record fragments to review');

CREATE FUNCTION drugnorm.bump_settings_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE drugnorm.state SET settings_version = settings_version + 1;
    RETURN NULL;
END $$;
CREATE TRIGGER setting_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON drugnorm.setting
    FOR EACH STATEMENT EXECUTE FUNCTION drugnorm.bump_settings_version();

-- Who and when of a lexicon version are the inserting role's and the transaction's, whatever an INSERT
-- says, unless the table's owner (or a superuser: migrations, restores) writes the row.
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

-- The review queue. Callers only append events (no unique index, so recording never waits on a lock);
-- drugnorm-admin review export folds them into review_item.
CREATE TABLE drugnorm.review_event (
    fragment   text NOT NULL,
    match      text NOT NULL,
    candidates jsonb,
    n          int  NOT NULL DEFAULT 1,
    seen_at    timestamptz NOT NULL DEFAULT now(),
    example    text         -- the raw string the fragment came from (its first 200 characters)
);
CREATE TABLE drugnorm.review_item (
    fragment          text PRIMARY KEY,
    match             text NOT NULL,
    count             bigint NOT NULL,
    first_seen        timestamptz NOT NULL,
    last_seen         timestamptz NOT NULL,
    candidates        jsonb,
    resolved_dict     text REFERENCES drugnorm.dictionary (name),
    resolved_standard text,
    resolved_version  bigint REFERENCES drugnorm.lexicon_version (version),
    examples          text[],        -- up to two raw strings the fragment came from, the latest first
    ignored_at        timestamptz,   -- a pharmacist said "not a drug / ignore": it stays out of the queue
    ignored_by        text
);

-- Which release of drugnorm-admin migrated this database, and when (drugnorm.version(), stats).
CREATE TABLE drugnorm.release_history (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    release  text NOT NULL,
    revision text,
    at       timestamptz NOT NULL DEFAULT now(),
    by_role  text NOT NULL DEFAULT current_user
);

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

-- One view per dictionary, for people browsing the lexicon.
CREATE VIEW drugnorm.lexicon AS
SELECT e.id, e.dict, d.attribute, e.term, e.key,
       coalesce(s.term, e.term) AS standard, e.standard_id IS NULL AS is_standard,
       g.term AS generic, p.term AS product, f.term AS dosage_form, e.source, e.version
FROM drugnorm.entry e
JOIN drugnorm.dictionary d ON d.name = e.dict
LEFT JOIN drugnorm.entry s ON s.id = e.standard_id
LEFT JOIN drugnorm.entry g ON g.id = coalesce(s.generic_id, e.generic_id)
LEFT JOIN drugnorm.entry p ON p.id = coalesce(s.product_id, e.product_id)
LEFT JOIN drugnorm.entry f ON f.id = coalesce(s.dosage_form_id, e.dosage_form_id);

-- The character models of 实施例一 (symbols as they are after normalization: full-width forms are ASCII).
INSERT INTO drugnorm.char_model (name, kind, symbols, priority, description) VALUES
    ('BCDE', 'bracket', '()[]【】{}<>《》', 1, 'B(D): text with a bracketed part; B and D are cut out'),
    ('FGH',  'bar',     '|',               2, 'F|H: two names joined by a vertical bar; F and H are cut out'),
    ('IJK',  'stop',    '、,。;!?',         3, 'I、K: a list or sentence stop between names; I and K are cut out'),
    ('STU',  'slash',   '/',               4, 'S/U: kept whole when neither S nor U matches the dictionary set');

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
CREATE TRIGGER entry_weight_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON drugnorm.entry_weight
    FOR EACH STATEMENT EXECUTE FUNCTION drugnorm.lexicon_changed();

-- Least privilege: readers call the functions; editors may also change the lexicon. Roles are
-- cluster-wide, so they are created once and left in place by downgrades.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'drugnorm_reader') THEN
        CREATE ROLE drugnorm_reader NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'drugnorm_editor') THEN
        CREATE ROLE drugnorm_editor NOLOGIN IN ROLE drugnorm_reader;
    END IF;
END $$;
GRANT USAGE ON SCHEMA drugnorm TO drugnorm_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA drugnorm TO drugnorm_reader;
GRANT INSERT, UPDATE, DELETE ON drugnorm.entry, drugnorm.posting, drugnorm.token_stat,
    drugnorm.lookup_code TO drugnorm_editor;
GRANT INSERT ON drugnorm.lexicon_version TO drugnorm_editor;   -- append-only: the audit trail
GRANT INSERT ON drugnorm.entry_history TO drugnorm_editor;     -- append-only too
GRANT UPDATE ON drugnorm.state TO drugnorm_editor;
GRANT INSERT, UPDATE, DELETE ON drugnorm.entry_weight TO drugnorm_editor;   -- a load sets n_entries
GRANT INSERT ON drugnorm.review_event TO drugnorm_reader;
GRANT SELECT, INSERT, UPDATE, DELETE ON drugnorm.review_event, drugnorm.review_item TO drugnorm_editor;
