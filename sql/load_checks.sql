-- The checks of load-dict (drugnorm_admin/validation.py), over the rows staged in dn_stage; run by
-- drugnorm-admin itself in the load's transaction, never installed (codegen leaves this file alone).
-- Each check_* section returns (file, line, message) of offending rows, and runs in file order; the first
-- section with a row reports its first row by file and line. The link_* sections run once per link column
-- (validation.LINKS), with {column}, {term}, {key}, {target}, {allowed} and {allowed_text} filled in.
-- No parameters: psycopg sends the text as it is, so format()'s %s and %L stay intact.

-- name: stage
-- The rows of the files, with their keys (computed by drugnorm.lexicon_keys once staged).
CREATE TEMP TABLE dn_stage (
    file text, line int, dict text, term text, standard text, generic text, product text,
    dosage_form text, source text,
    key text, std_key text, generic_key text, product_key text, dosage_form_key text
) ON COMMIT DROP

-- name: check_same_key_defined_differently
-- Two rows of one file or of several files define the same key differently.
SELECT b.file, b.line, format('%s %L normalizes like %L at %s:%s but is defined differently',
                              b.dict, b.term, a.term, a.file, a.line)
FROM dn_stage a JOIN dn_stage b ON a.dict = b.dict AND a.key = b.key
     AND (a.file, a.line) < (b.file, b.line)
WHERE a.std_key IS DISTINCT FROM b.std_key
   OR (a.std_key IS NULL AND (a.generic_key IS DISTINCT FROM b.generic_key
       OR a.product_key IS DISTINCT FROM b.product_key
       OR a.dosage_form_key IS DISTINCT FROM b.dosage_form_key))

-- name: check_empty_key
SELECT file, line, format('term %L normalizes to nothing', term) FROM dn_stage WHERE key = ''

-- name: check_own_standard
SELECT file, line, format('%s %L is its own standard: leave standard empty for a standard entry', dict, term)
FROM dn_stage WHERE std_key = key

-- name: check_links_on_synonym
SELECT s.file, s.line, format('links (generic, product, dosage_form) belong on the standard entry, '
                              'not on synonym %L', s.term)
FROM dn_stage s WHERE s.std_key IS NOT NULL
  AND (s.generic_key IS NOT NULL OR s.product_key IS NOT NULL OR s.dosage_form_key IS NOT NULL)

-- name: check_standard_is_synonym
SELECT s.file, s.line, format('standard %L of %s %L is itself a synonym (of %L); point to the standard',
                              s.standard, s.dict, s.term, coalesce(t.standard, es.term))
FROM dn_stage s
LEFT JOIN dn_stage t ON t.dict = s.dict AND t.key = s.std_key
LEFT JOIN drugnorm.entry e ON e.dict = s.dict AND e.key = s.std_key
LEFT JOIN drugnorm.entry es ON es.id = e.standard_id
WHERE s.std_key IS NOT NULL
  AND (t.std_key IS NOT NULL OR (t.key IS NULL AND e.standard_id IS NOT NULL))

-- name: check_standard_nowhere
-- Entries of replaced dictionaries, and entries a revert removes (dn_remove), do not count as there.
SELECT s.file, s.line, format('standard %L of %s %L is nowhere: not in the file(s) and not in the %s '
                              'dictionary', s.standard, s.dict, s.term, s.dict)
FROM dn_stage s
WHERE s.std_key IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM dn_stage t WHERE t.dict = s.dict AND t.key = s.std_key)
  AND NOT EXISTS (SELECT 1 FROM drugnorm.entry e WHERE e.dict = s.dict AND e.key = s.std_key
                  AND e.dict NOT IN (SELECT dict FROM dn_replace)
                  AND NOT EXISTS (SELECT 1 FROM dn_remove x WHERE x.dict = e.dict AND x.key = e.key))

-- name: link_dictionary
-- A link column on a row of a dictionary that may not carry it.
SELECT s.file, s.line, format('column %s is only for %s rows, not %s', {column}, {allowed_text}, s.dict)
FROM dn_stage s WHERE s.{key} IS NOT NULL
  AND s.dict <> ALL ({allowed})

-- name: link_target
-- A link to a term that is not a standard of its dictionary, in the files or (staying) in the database.
SELECT s.file, s.line, format('%s %L of %L is not a standard %s (not in the file(s) nor in the database)',
                              {column}, s.{term}, s.term, {target})
FROM dn_stage s
WHERE s.{key} IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM dn_stage t WHERE t.dict = {target}
                  AND t.key = s.{key} AND t.std_key IS NULL)
  AND NOT EXISTS (SELECT 1 FROM drugnorm.entry e WHERE e.dict = {target}
                  AND e.key = s.{key} AND e.standard_id IS NULL
                  AND NOT EXISTS (SELECT 1 FROM dn_stage t2 WHERE t2.dict = e.dict
                                  AND t2.key = e.key AND t2.std_key IS NOT NULL)
                  AND e.dict NOT IN (SELECT dict FROM dn_replace)
                  AND NOT EXISTS (SELECT 1 FROM dn_remove x
                                  WHERE x.dict = e.dict AND x.key = e.key))
