-- Undo the schema change of revision 0003: 0.9.0's code table comes back (its code is put back by the
-- generated code downgrade); the release history goes.
DROP TABLE drugnorm.release_history;
CREATE TABLE drugnorm.py_module (
    name       text PRIMARY KEY,
    load_order int  NOT NULL UNIQUE,
    source     text NOT NULL
);
GRANT SELECT ON drugnorm.py_module TO drugnorm_reader;
