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
