-- drugnorm functions. A template: drugnorm_admin/codegen.py fills in the module loader of each function
-- body and the sources of the Python modules, and writes the result into a migration revision. Every
-- statement can run again (CREATE OR REPLACE): an upgrade replaces the code and keeps grants and the
-- hospital's objects that depend on the functions (attach triggers, views).

-- The server-side Python modules (plpython/*.py) as the body of a function: code is schema, so it
-- travels with pg_dump (--schema-only too) and only the owner of the schema can change it.
CREATE OR REPLACE FUNCTION drugnorm.code_modules() RETURNS TABLE (name text, source text)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $drugnorm_code$
{{MODULES}}
$drugnorm_code$;

-- What is installed: the release recorded by the last migrate, the schema revision and the code version.
CREATE OR REPLACE FUNCTION drugnorm.version() RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = pg_catalog, drugnorm, pg_temp
AS $$
SELECT jsonb_build_object(
    'release', (SELECT release FROM drugnorm.release_history ORDER BY at DESC, id DESC LIMIT 1),
    'revision', (SELECT version_num FROM drugnorm.alembic_version LIMIT 1),
    'code', '{{CODE_VERSION}}')
$$;

-- The whole patent pipeline. STABLE: it reads the lexicon tables. PARALLEL UNSAFE: every plpy.execute
-- opens a subtransaction, which PostgreSQL forbids while a parallel query runs (in workers and in the
-- leader alike); whole tables are parallelized by drugnorm-admin parse-table --jobs instead.
CREATE OR REPLACE FUNCTION drugnorm.drug_parse(raw text) RETURNS jsonb
LANGUAGE plpython3u STRICT STABLE PARALLEL UNSAFE
SET search_path = pg_catalog, drugnorm, pg_temp
AS $drugnorm$
{{PRELUDE}}
return _dn.parse(plpy, GD, raw)
$drugnorm$;

-- Fuzzy candidates of one fragment (patent step 5), best first.
CREATE OR REPLACE FUNCTION drugnorm.drug_candidates(fragment text, k int DEFAULT NULL, threshold float8 DEFAULT NULL)
RETURNS TABLE (term text, standard text, attribute text, generic text, m float8, n float8, s float8)
LANGUAGE plpython3u STABLE PARALLEL UNSAFE
SET search_path = pg_catalog, drugnorm, pg_temp
AS $drugnorm$
if fragment is None:
    return []
{{PRELUDE}}
return _dn.candidates(plpy, GD, fragment, k, threshold)
$drugnorm$;

-- Preprocessing alone (patent step 2), as input strings get it.
CREATE OR REPLACE FUNCTION drugnorm.normalize(raw text) RETURNS text
LANGUAGE plpython3u STRICT STABLE PARALLEL UNSAFE
SET search_path = pg_catalog, drugnorm, pg_temp
AS $drugnorm$
{{PRELUDE}}
return _dn.normalize(plpy, GD, raw)
$drugnorm$;

-- Load-time helpers of drugnorm-admin: keys and dimension columns of new lexicon entries, computed by the
-- same code that handles input strings. The t2s map and the irrelevant characters are read in the
-- caller's transaction, so a load that adds irrelevant characters uses them at once.
CREATE OR REPLACE FUNCTION drugnorm.lexicon_keys(terms text[], dicts text[]) RETURNS text[]
LANGUAGE plpython3u STABLE
SET search_path = pg_catalog, drugnorm, pg_temp
AS $drugnorm$
{{PRELUDE}}
return _dn.load("loadtime").keys(plpy, terms, dicts)
$drugnorm$;

CREATE OR REPLACE FUNCTION drugnorm.entry_dims(keys text[], readings text[])
RETURNS TABLE (i int, tokens text[], dim_len int[], char_sq int, pinyin text, initials text)
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, drugnorm, pg_temp
AS $drugnorm$
{{PRELUDE}}
return _dn.load("loadtime").dims(keys, readings)
$drugnorm$;

-- Records the fragments of a drug_parse result that a pharmacist should review (fuzzy, inferred or
-- unmatched), when the setting review_queue is on, and returns the result unchanged. VOLATILE because it
-- writes; an error while recording is swallowed so that it never fails the caller's statement.
CREATE OR REPLACE FUNCTION drugnorm.record_review(doc jsonb, n int DEFAULT 1) RETURNS jsonb
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, drugnorm, pg_temp
AS $$
BEGIN
    IF doc IS NULL OR coalesce(nullif(current_setting('drugnorm.review_queue', true), ''),
                               (SELECT value FROM drugnorm.setting WHERE name = 'review_queue')) <> 'on' THEN
        RETURN doc;
    END IF;
    BEGIN
        INSERT INTO drugnorm.review_event (fragment, match, candidates, n, example)
        SELECT seg->>'text', seg->>'match', seg->'candidates', n, left(doc->>'input', 200)
        FROM jsonb_array_elements(doc->'segments') AS seg
        -- one character names nothing (the lexicon keeps no one-character drug): nothing to decide
        WHERE seg->>'match' IN ('fuzzy', 'inferred', 'none') AND length(seg->>'text') BETWEEN 2 AND 200;
    EXCEPTION WHEN OTHERS THEN
        RAISE WARNING 'drugnorm: review queue not recorded: %', SQLERRM;
    END;
    RETURN doc;
END
$$;

CREATE OR REPLACE FUNCTION drugnorm.drug_parse_review(raw text) RETURNS jsonb
LANGUAGE sql VOLATILE
AS $$ SELECT drugnorm.record_review(drugnorm.drug_parse(raw)) $$;

-- Keeps a column normalized (drugnorm-admin attach): TG_ARGV = (raw column, result column). It runs as the
-- role that writes the row, so writers need drugnorm_reader. A failure of drug_parse (no privilege, a bad
-- lexicon, anything but a cancel) never loses the row: the result column is stored NULL, which
-- drugnorm-admin parse-table fills later, and a WARNING says why.
CREATE OR REPLACE FUNCTION drugnorm.normalize_trigger() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, drugnorm, pg_temp
AS $$
DECLARE
    doc jsonb;
BEGIN
    BEGIN
        doc := drugnorm.record_review(drugnorm.drug_parse(to_jsonb(NEW) ->> TG_ARGV[0]));
    EXCEPTION WHEN OTHERS THEN
        doc := NULL;
        RAISE WARNING 'drugnorm: %.%.% left NULL, drug_parse failed: %', quote_ident(TG_TABLE_SCHEMA),
            quote_ident(TG_TABLE_NAME), quote_ident(TG_ARGV[1]), SQLERRM
            USING HINT = CASE WHEN SQLSTATE = '42501'
                              THEN format('the role that writes the table needs drugnorm_reader: GRANT drugnorm_reader TO %I', current_user)
                              ELSE 'drugnorm-admin parse-table fills the NULL results later' END;
    END;
    NEW := jsonb_populate_record(NEW, jsonb_build_object(TG_ARGV[1], doc));
    RETURN NEW;
END
$$;

-- A stored drug_parse result as typed columns, for reports: SELECT f.* FROM rx, drugnorm.flat(rx.norm) f.
-- One row per result (none for NULL); *_evidence says where each field came from (exact, synonym, link,
-- fuzzy, inferred).
CREATE OR REPLACE FUNCTION drugnorm.flat(norm jsonb)
RETURNS TABLE (generic_name text, trade_name text, product_name text, dosage_form text, route text,
               manufacturer text, packaging_material text, strength text, package text,
               insurance_class text, self_pay_ratio text, markers text[], status text,
               generic_evidence text, trade_evidence text, product_evidence text, dosage_form_evidence text,
               manufacturer_evidence text, lexicon_version bigint)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT norm->>'generic_name', norm->>'trade_name', norm->>'product_name', norm->>'dosage_form', norm->>'route',
       norm->>'manufacturer', norm->>'packaging_material', norm->>'strength', norm->>'package',
       norm->>'insurance_class', norm->>'self_pay_ratio',
       ARRAY(SELECT jsonb_array_elements_text(coalesce(norm->'markers', '[]'))),
       coalesce(norm->>'status', CASE WHEN norm->>'generic_name' IS NULL AND norm->>'product_name' IS NULL
                                      THEN 'none' END),
       norm->'evidence'->>'generic_name', norm->'evidence'->>'trade_name', norm->'evidence'->>'product_name',
       norm->'evidence'->>'dosage_form', norm->'evidence'->>'manufacturer', (norm->>'lexicon_version')::bigint
WHERE norm IS NOT NULL
$$;

-- Unqualified names for every role that was granted drugnorm_reader (public is on everyone's path).
CREATE OR REPLACE FUNCTION public.drug_parse(raw text) RETURNS jsonb
LANGUAGE sql STRICT STABLE PARALLEL UNSAFE
AS $$ SELECT drugnorm.drug_parse(raw) $$;

CREATE OR REPLACE FUNCTION public.drug_candidates(fragment text, k int DEFAULT NULL, threshold float8 DEFAULT NULL)
RETURNS TABLE (term text, standard text, attribute text, generic text, m float8, n float8, s float8)
LANGUAGE sql STABLE PARALLEL UNSAFE
AS $$ SELECT * FROM drugnorm.drug_candidates(fragment, k, threshold) $$;

CREATE OR REPLACE FUNCTION public.drug_parse_review(raw text) RETURNS jsonb
LANGUAGE sql VOLATILE
AS $$ SELECT drugnorm.drug_parse_review(raw) $$;

CREATE OR REPLACE FUNCTION public.drug_lookup(query text, k int DEFAULT 10)
RETURNS TABLE (term text, standard text, attribute text, generic text, score float8, match text)
LANGUAGE sql STABLE PARALLEL UNSAFE
AS $$ SELECT * FROM drugnorm.drug_lookup(query, k) $$;

REVOKE ALL ON FUNCTION drugnorm.drug_lookup(text, int), public.drug_lookup(text, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION drugnorm.drug_lookup(text, int), public.drug_lookup(text, int) TO drugnorm_reader;
REVOKE ALL ON FUNCTION drugnorm.drug_parse(text), drugnorm.drug_candidates(text, int, float8),
    drugnorm.normalize(text), drugnorm.lexicon_keys(text[], text[]), drugnorm.entry_dims(text[], text[]),
    drugnorm.score_fragment(int[], text[], int[], text[], int, float8, float8, float8[], int, int),
    public.drug_parse(text), public.drug_candidates(text, int, float8) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION drugnorm.drug_parse(text), drugnorm.drug_candidates(text, int, float8),
    drugnorm.normalize(text), drugnorm.normalize_trigger(), drugnorm.record_review(jsonb, int),
    drugnorm.drug_parse_review(text), public.drug_parse_review(text),
    drugnorm.score_fragment(int[], text[], int[], text[], int, float8, float8, float8[], int, int),
    public.drug_parse(text), public.drug_candidates(text, int, float8) TO drugnorm_reader;
GRANT EXECUTE ON FUNCTION drugnorm.lexicon_keys(text[], text[]), drugnorm.entry_dims(text[], text[])
    TO drugnorm_editor;
REVOKE ALL ON FUNCTION drugnorm.code_modules(), drugnorm.version() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION drugnorm.code_modules(), drugnorm.version() TO drugnorm_reader;
REVOKE ALL ON FUNCTION drugnorm.flat(jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION drugnorm.flat(jsonb) TO drugnorm_reader;

-- The modules compiled by the server's own Python into drugnorm.code_cache (see sql/schema.sql), run by
-- every install of this code: a new backend's first call unmarshals them instead of compiling the sources.
CREATE OR REPLACE FUNCTION drugnorm.compile_code() RETURNS int
LANGUAGE plpython3u VOLATILE
SET search_path = pg_catalog, drugnorm, pg_temp
AS $drugnorm$
import importlib.util, marshal
plpy.execute("DELETE FROM drugnorm.code_cache")
put = plpy.prepare("INSERT INTO drugnorm.code_cache (name, code_version, magic, code) VALUES ($1, $2, $3, $4)",
                   ["text", "text", "bytea", "bytea"])
rows = plpy.execute("SELECT name, source FROM drugnorm.code_modules()")
for r in rows:
    code = compile(r["source"], "plpython/" + r["name"] + ".py", "exec")   # as the loader of each function does
    plpy.execute(put, [r["name"], "{{CODE_VERSION}}", importlib.util.MAGIC_NUMBER, marshal.dumps(code)])
return len(rows)
$drugnorm$;
REVOKE ALL ON FUNCTION drugnorm.compile_code() FROM PUBLIC;
SELECT drugnorm.compile_code();
