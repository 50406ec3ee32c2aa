-- Undo the schema change of revision 0003: 0.9.0's code table comes back (its code is put back by the
-- generated code downgrade); the release history goes.
DROP TABLE drugnorm.release_history;
DROP TABLE drugnorm.code_cache;
CREATE TABLE drugnorm.py_module (
    name       text PRIMARY KEY,
    load_order int  NOT NULL UNIQUE,
    source     text NOT NULL
);
GRANT SELECT ON drugnorm.py_module TO drugnorm_reader;

-- 0.9.0's candidate stage reads no pairs of syllables: their tokens, postings and frequencies go.
UPDATE drugnorm.entry e
SET tokens = ARRAY(SELECT t.tok FROM unnest(e.tokens) WITH ORDINALITY AS t(tok, ord)
                   WHERE t.tok NOT LIKE 's%-%' ORDER BY t.ord)
WHERE EXISTS (SELECT FROM unnest(e.tokens) x(tok) WHERE x.tok LIKE 's%-%');
DELETE FROM drugnorm.posting WHERE token LIKE 's%-%';
DELETE FROM drugnorm.token_stat WHERE token LIKE 's%-%';
DROP TRIGGER state_counts_changed ON drugnorm.state;
DROP TABLE drugnorm.entry_weight;
DROP FUNCTION drugnorm.refresh_weights();
UPDATE drugnorm.setting SET value = '25' WHERE name = 'candidate_limit' AND value = '16';
UPDATE drugnorm.setting SET value = '8000' WHERE name = 'posting_budget' AND value = '700';
DROP INDEX drugnorm.hanzi_t2s_idx;

-- The review queue as 0.9.0 has it: no example strings, no ignored fragments (they are queued again).
ALTER TABLE drugnorm.review_event DROP COLUMN example;
ALTER TABLE drugnorm.review_item DROP COLUMN examples, DROP COLUMN ignored_at, DROP COLUMN ignored_by;

-- Formulary markers go (0.9.0 has no such kind); the bundled symbol flags are irrelevant characters again.
DO $$
DECLARE
    v bigint;
    bundled boolean := EXISTS (SELECT 1 FROM drugnorm.entry WHERE dict = 'irrelevant_char'
                               AND source = 'drugnorm (patent claim 3 list, extended)');
BEGIN
    IF EXISTS (SELECT 1 FROM drugnorm.entry WHERE dict IN ('insurance_class', 'formulary_marker'))
       OR (bundled AND (SELECT count(*) FROM drugnorm.entry WHERE dict = 'irrelevant_char'
                        AND key IN ('※', '▲', '◆', '★')) < 4) THEN
        SELECT max(version) + 1 INTO v FROM drugnorm.lexicon_version;
        INSERT INTO drugnorm.lexicon_version (version, what) VALUES (v, jsonb_build_object('event',
            'downgrade of 0003: formulary markers removed, symbol flags irrelevant characters again'));
        DELETE FROM drugnorm.entry WHERE dict IN ('insurance_class', 'formulary_marker');
        INSERT INTO drugnorm.entry (dict, term, key, source, version)
        SELECT 'irrelevant_char', ch, ch, 'drugnorm (patent claim 3 list, extended)', v
        FROM unnest(ARRAY['※', '▲', '◆', '★']) AS ch WHERE bundled
        ON CONFLICT (dict, key) DO NOTHING;
        UPDATE drugnorm.state SET version = v;
    END IF;
END $$;
DELETE FROM drugnorm.dictionary WHERE kind = 'marker';
ALTER TABLE drugnorm.dictionary DROP CONSTRAINT dictionary_kind_check;
ALTER TABLE drugnorm.dictionary ADD CONSTRAINT dictionary_kind_check CHECK (kind IN ('set', 'unit', 'char'));

-- The lexicon history as 0.9.0 has it (its load-dict updates and deletes version rows).
DROP TRIGGER lexicon_version_stamp ON drugnorm.lexicon_version;
DROP FUNCTION drugnorm.stamp_lexicon_version();
GRANT UPDATE, DELETE ON drugnorm.lexicon_version TO drugnorm_editor;
ALTER TABLE drugnorm.entry ALTER CONSTRAINT entry_version_fkey NOT DEFERRABLE;

-- The marks of uncommitted lexicon changes go (0.9.0's caches do not read them).
DROP TRIGGER entry_changed ON drugnorm.entry;
DROP TRIGGER posting_changed ON drugnorm.posting;
DROP TRIGGER token_stat_changed ON drugnorm.token_stat;
DROP TRIGGER hanzi_changed ON drugnorm.hanzi;
DROP TRIGGER char_model_changed ON drugnorm.char_model;
DROP TRIGGER dictionary_changed ON drugnorm.dictionary;
DROP TRIGGER setting_marked ON drugnorm.setting;
DROP TRIGGER state_changed ON drugnorm.state;
DROP FUNCTION drugnorm.lexicon_changed();

-- The per-entry history goes (0.9.0 records versions only; they stay).
DROP TABLE drugnorm.entry_history;

-- drug_lookup's codes of every reading go (0.9.0 reads the columns pinyin and initials).
DROP TRIGGER entry_lookup_codes_insert ON drugnorm.entry;
DROP TRIGGER entry_lookup_codes_update ON drugnorm.entry;
DROP TRIGGER entry_lookup_codes_delete ON drugnorm.entry;
DROP FUNCTION drugnorm.sync_lookup_codes();
DROP TABLE drugnorm.lookup_code;

-- renormalize's record of checked results goes (0.9.0's normalize parses old results again).
DROP TABLE drugnorm.result_check;
