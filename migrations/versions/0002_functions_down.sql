-- Undo revision 0002: the functions and the frozen Python modules.
DROP FUNCTION IF EXISTS public.drug_lookup(text, int), drugnorm.drug_lookup(text, int),
    public.drug_parse(text), public.drug_candidates(text, int, float8),
    drugnorm.drug_parse(text), drugnorm.drug_candidates(text, int, float8), drugnorm.normalize(text),
    drugnorm.normalize_trigger(), drugnorm.record_review(jsonb, int), drugnorm.drug_parse_review(text),
    public.drug_parse_review(text),
    drugnorm.lexicon_keys(text[], text[]), drugnorm.entry_dims(text[], text[]),
    drugnorm.score_fragment(text[], int[], boolean[], int, float8, float8, float8[], int, int, text[]);
DELETE FROM drugnorm.py_module;
