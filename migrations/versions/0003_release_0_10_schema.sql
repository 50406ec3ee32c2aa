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
