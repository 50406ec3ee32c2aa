-- Undo revision 0001. The schema itself stays (it holds alembic_version); roles are cluster-wide and stay.
DROP VIEW IF EXISTS drugnorm.lexicon;
DROP TABLE IF EXISTS drugnorm.review_item, drugnorm.review_event, drugnorm.py_module, drugnorm.setting, drugnorm.hanzi, drugnorm.char_model,
    drugnorm.token_stat, drugnorm.posting, drugnorm.entry, drugnorm.state, drugnorm.lexicon_version,
    drugnorm.dictionary CASCADE;
DROP FUNCTION IF EXISTS drugnorm.bump_settings_version();
DO $$
BEGIN   -- only the pg_trgm this schema installed for itself
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'
               AND extnamespace = 'drugnorm'::regnamespace) THEN
        DROP EXTENSION pg_trgm;
    END IF;
END $$;
