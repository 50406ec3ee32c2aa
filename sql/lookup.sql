-- drug_lookup: the search box of a HIS. Accepts hanzi, full pinyin ('amoxilin', with tone marks or tone
-- numbers too) or pinyin initials as HIS mnemonic codes are typed ('AMXLJN'), and returns entries with a
-- score in [0, 1] and how they matched, best first: an exact code or name (1; 0.95 through another reading
-- than the phrase-aware one), then a prefix (0.6-0.9, the more of the entry typed the higher), then, for
-- hanzi, an entry containing the query (0.5-0.6), then a fuzzy match (at most 0.5: half its similarity).

-- The codes of entries, one row per reading (table drugnorm.lookup_code): variant 0 is the phrase-aware
-- reading the loader computed (the columns pinyin and initials); then the codes taking other readings of
-- polyphonic characters (重 zhong/chong, 长 chang/zhang, 乐 le/yue, 参 shen/can), fewest other readings
-- first, at most MAX_INITIALS initials and MAX_PINYIN pinyin codes per entry; and the initials the classic
-- GB2312 generator of HIS systems gives (level 1 is sorted by pinyin, so the first code of each letter
-- bounds it; level 2, sorted by radical, falls through to its last branch: 噻托溴铵 is ZTZZ) right after
-- variant 0. Self-contained (no code module): the code step of a migration runs it before the modules are
-- installed. readings[i] is the entry's readings joined by spaces, one per character of keys[i].
CREATE OR REPLACE FUNCTION drugnorm.lookup_codes(ids bigint[], keys text[], readings text[])
RETURNS TABLE (entry_id bigint, kind "char", variant int2, code text)
LANGUAGE plpython3u STRICT STABLE
SET search_path = pg_catalog, drugnorm, pg_temp
AS $drugnorm$
MAX_INITIALS, MAX_PINYIN = 16, 8
GB2312_LETTERS = ((0xB0A1, "a"), (0xB0C5, "b"), (0xB2C1, "c"), (0xB4EE, "d"), (0xB6EA, "e"), (0xB7A2, "f"),
                  (0xB8C1, "g"), (0xB9FE, "h"), (0xBBF7, "j"), (0xBFA6, "k"), (0xC0AC, "l"), (0xC2E8, "m"),
                  (0xC4C3, "n"), (0xC5B6, "o"), (0xC5BE, "p"), (0xC6DA, "q"), (0xC8BB, "r"), (0xC8F6, "s"),
                  (0xCBFA, "t"), (0xCDDA, "w"), (0xCEF4, "x"), (0xD1B9, "y"), (0xD4D1, "z"))


def is_hanzi(ch):   # plpython/chars.py's, copied as this body is self-contained (tests/unit/test_chars.py)
    o = ord(ch)
    return (0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0x20000 <= o <= 0x323AF
            or 0xF900 <= o <= 0xFAFF or o == 0x3007)


def gb2312_letter(ch):
    try:
        b = ch.encode("gb2312")
    except UnicodeEncodeError:
        return None
    code = b[0] << 8 | b[1] if len(b) == 2 else 0
    if code < 0xB0A1:
        return None
    if code >= 0xD8A1:
        return "z"
    letter = None
    for start, l in GB2312_LETTERS:
        if code < start:
            break
        letter = l
    return letter


def combos(options, cap):
    """One option per position, the first options first, then fewest others (stably), at most cap."""
    beam = [("", 0)]
    for opts in options:
        if len(opts) == 1:
            beam = [(s + opts[0], c) for s, c in beam]
        else:
            beam = sorted(((s + o, c + (j > 0)) for s, c in beam for j, o in enumerate(opts)),
                          key=lambda t: t[1])[:cap]
    return list(dict.fromkeys(s for s, _ in beam))


chars = sorted({ch for key in keys if key for ch in key if is_hanzi(ch)})
plan = SD.get("hanzi")
if plan is None:
    plan = SD["hanzi"] = plpy.prepare("SELECT ch, readings FROM drugnorm.hanzi WHERE ch = ANY($1)", ["text[]"])
others = {r["ch"]: [x for x in (r["readings"] or []) if x and x.isascii() and x.isalpha()]
          for r in plpy.execute(plan, [chars])} if chars else {}
out = []
for eid, key, rd in zip(ids, keys, readings):
    if eid is None or not key or rd is None:
        continue
    per_char = rd.split(" ")
    if len(per_char) != len(key):
        per_char = [""] * len(key)
    ini, full, legacy = [], [], []
    for ch, py in zip(key, per_char):
        if is_hanzi(ch):
            rs = others.get(ch, [])
            letter = gb2312_letter(ch)
            first = py[0] if py else ""
            ini.append(list(dict.fromkeys([first] + [r[0] for r in rs] + ([letter] if letter else []))))
            full.append(list(dict.fromkeys([py] + rs)))
            legacy.append(letter or first)
        elif ch.isalnum():
            ini.append([ch])
            full.append([ch])
            legacy.append(ch)
    codes = combos(ini, MAX_INITIALS)
    old = "".join(legacy)
    if old in codes[1:]:
        codes.remove(old)
    if old != codes[0]:
        codes = (codes[:1] + [old] + codes[1:])[:MAX_INITIALS]
    for n, c in enumerate(codes):
        if c:
            out.append((eid, "i", n, c))
    for n, c in enumerate(combos(full, MAX_PINYIN)):
        if c:
            out.append((eid, "p", n, c))
return out
$drugnorm$;
REVOKE ALL ON FUNCTION drugnorm.lookup_codes(bigint[], text[], text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION drugnorm.lookup_codes(bigint[], text[], text[]) TO drugnorm_editor;

-- Installing the code computes every entry's codes anew, by this code's rules (an upgrade fills them).
DELETE FROM drugnorm.lookup_code;
INSERT INTO drugnorm.lookup_code (code, entry_id, kind, variant)
SELECT c.code, c.entry_id, c.kind, c.variant
FROM (SELECT array_agg(id ORDER BY id) AS ids, array_agg(key ORDER BY id) AS keys,
             array_agg(array_to_string(readings, ' ', '') ORDER BY id) AS rds
      FROM drugnorm.entry WHERE readings IS NOT NULL) e
CROSS JOIN LATERAL drugnorm.lookup_codes(e.ids, e.keys, e.rds) c;

-- Codes go through lookup_code's (length, code) index, hanzi through entry_key_pattern_idx (~>=~ / ~<~
-- work with a parameter, LIKE would not), "contains" through the postings of the query's rarest
-- character. The slower matchers run only when those find too little: pg_trgm on the ASCII pinyin columns
-- (typos in pinyin, mnemonic codes that skip a character; ASCII works under any LC_CTYPE) when fewer than
-- k entries start with the code, which cannot change the k best; drug_candidates (hanzi typos, ~30 ms)
-- only when no entry starts with or contains the hanzi.
-- pg_trgm lives in schema drugnorm, or wherever the database had it before drugnorm came (often public).
-- The function's search_path never includes such a schema (others may create objects there), so its
-- similarity() and % are called qualified with the extension's schema, read from pg_extension on each
-- call (it follows ALTER EXTENSION ... SET SCHEMA); the argument types are exact (text, text), so no
-- overload someone adds there can win.
CREATE OR REPLACE FUNCTION drugnorm.drug_lookup(query text, k int DEFAULT 10)
RETURNS TABLE (term text, standard text, attribute text, generic text, score float8, match text)
LANGUAGE plpgsql STABLE PARALLEL UNSAFE
SET search_path = pg_catalog, drugnorm, pg_temp
AS $$
DECLARE
    q text := drugnorm.normalize(query);
    trgm text;
BEGIN
    IF q IS NULL OR q = '' OR k IS NULL OR k <= 0 THEN
        RETURN;
    END IF;
    -- Pinyin with tone marks (āmòxīlín) or tone numbers after its syllables (a1mo4xi1lin2) is toneless
    -- pinyin; ü is v. A digit after a consonant stays (维生素B1 is WSSB1).
    q := translate(replace(q, ' ', ''), 'āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ', 'aaaaeeeeiiiioooouuuuvvvvvnnnm');
    IF q ~ '^([a-z]*[aeiouvnrg][1-5])+[a-z]*$' THEN
        q := regexp_replace(q, '([aeiouvnrg])[1-5]', '\1', 'g');
    END IF;
    IF q ~ '^[a-z0-9]+$' THEN
        SELECT n.nspname INTO trgm FROM pg_catalog.pg_extension x
        JOIN pg_catalog.pg_namespace n ON n.oid = x.extnamespace WHERE x.extname = 'pg_trgm';
        IF trgm IS NULL THEN
            RAISE EXCEPTION 'drug_lookup needs the extension pg_trgm: run drugnorm-admin migrate';
        END IF;
        RETURN QUERY EXECUTE format($query$
        WITH codes AS (   -- the 500 shortest codes starting with the query, one length at a time
            SELECT c.* FROM generate_series(length($1), (SELECT max(length(code)) FROM drugnorm.lookup_code)) l(n)
            CROSS JOIN LATERAL (
                SELECT x.entry_id AS id, x.variant, x.kind, l.n AS len FROM drugnorm.lookup_code x
                WHERE length(x.code) = l.n AND x.code ~>=~ $1 AND x.code ~<~ ($1 || '{')
                ORDER BY x.variant, x.entry_id LIMIT 500) c
            LIMIT 500
        ), found AS (
            SELECT c.id, CASE WHEN c.len > length($1) THEN 0.6 + 0.3 * length($1) / c.len
                              WHEN c.variant = 0 THEN 1.0 ELSE 0.95 END::float8 AS score,
                   CASE c.kind WHEN 'i' THEN 'initials' ELSE 'pinyin' END AS match, c.variant
            FROM codes c
        ), hits AS (
            SELECT f.id, f.score, f.match, f.variant FROM found f
            UNION ALL
            (SELECT e.id, 0.5 * %1$I.similarity(e.pinyin, $1), 'pinyin~', 0::int2 FROM drugnorm.entry e
             WHERE (SELECT count(DISTINCT id) FROM found) < $2 AND e.pinyin OPERATOR(%1$I.%%) $1
             ORDER BY %1$I.similarity(e.pinyin, $1) DESC, e.id LIMIT 50)
            UNION ALL
            -- HIS mnemonic generators skip or replace rare characters (阿德福韦酯 typed ADFW): near codes
            (SELECT e.id, 0.45 * %1$I.similarity(e.initials, $1), 'initials~', 0::int2 FROM drugnorm.entry e
             WHERE (SELECT count(DISTINCT id) FROM found) < $2 AND length($1) >= 4
               AND e.initials OPERATOR(%1$I.%%) $1
             ORDER BY %1$I.similarity(e.initials, $1) DESC, e.id LIMIT 50)
        )
        SELECT x.term, x.standard, x.attribute, x.generic, x.score, x.match FROM (
            SELECT DISTINCT ON (e.id) e.term, coalesce(s.term, e.term) AS standard, e.dict AS attribute,
                   g.term AS generic, h.score, h.match, h.variant, d.priority,
                   e.standard_id IS NULL AS is_std, e.id
            FROM hits h
            JOIN drugnorm.entry e ON e.id = h.id
            JOIN drugnorm.dictionary d ON d.name = e.dict AND d.kind = 'set'
            LEFT JOIN drugnorm.entry s ON s.id = e.standard_id
            LEFT JOIN drugnorm.entry g ON g.id = coalesce(s.generic_id, e.generic_id)
            ORDER BY e.id, h.score DESC, h.variant
        ) x
        ORDER BY x.score DESC, x.variant, x.priority, x.is_std DESC, length(x.term), x.id
        LIMIT $2
        $query$, trgm) USING q, k;
    ELSE
        RETURN QUERY
        WITH pre AS (
            SELECT e.id, CASE WHEN e.key = q THEN 1.0 ELSE 0.6 + 0.3 * length(q) / length(e.key) END::float8
                   AS score, CASE WHEN e.key = q THEN 'exact' ELSE 'prefix' END AS match
            FROM drugnorm.entry e
            WHERE e.key ~>=~ q AND e.key ~<~ (q || chr(1114111))
            ORDER BY length(e.key), e.id LIMIT 200
        ), rarest AS (
            SELECT t.token FROM unnest(string_to_array(q, NULL)) AS c(ch)
            JOIN drugnorm.token_stat t ON t.token IN ('h' || c.ch, 'o' || c.ch)
            WHERE (SELECT count(*) FROM pre) < k
            ORDER BY t.df, t.token LIMIT 1
        ), inside AS (
            SELECT e.id, (0.5 + 0.1 * length(q) / length(e.key))::float8 AS score, 'contains'::text AS match
            FROM drugnorm.posting p JOIN drugnorm.entry e ON e.id = p.entry_id
            WHERE p.token = (SELECT r.token FROM rarest r) AND strpos(e.key, q) > 1
            ORDER BY p.len, e.id LIMIT 200
        ), hits AS (
            SELECT * FROM pre
            UNION ALL
            SELECT * FROM inside
            UNION ALL
            SELECT e.id, 0.5 * c.s, 'fuzzy'
            FROM drugnorm.drug_candidates(q, k) c
            JOIN drugnorm.entry e ON e.dict = c.attribute AND e.term = c.term
            WHERE NOT EXISTS (SELECT FROM pre) AND NOT EXISTS (SELECT FROM inside)
        )
        SELECT x.term, x.standard, x.attribute, x.generic, x.score, x.match FROM (
            SELECT DISTINCT ON (e.id) e.term, coalesce(s.term, e.term) AS standard, e.dict AS attribute,
                   g.term AS generic, h.score, h.match, d.priority, e.standard_id IS NULL AS is_std, e.id
            FROM hits h
            JOIN drugnorm.entry e ON e.id = h.id
            JOIN drugnorm.dictionary d ON d.name = e.dict AND d.kind = 'set'
            LEFT JOIN drugnorm.entry s ON s.id = e.standard_id
            LEFT JOIN drugnorm.entry g ON g.id = coalesce(s.generic_id, e.generic_id)
            ORDER BY e.id, h.score DESC
        ) x
        ORDER BY x.score DESC, x.priority, x.is_std DESC, length(x.term), x.id
        LIMIT k;
    END IF;
END
$$;
