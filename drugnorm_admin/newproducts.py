"""New product names without links, at load time (load-dict, review import).

A product_name standard tells drug_parse its generic name and dosage form through its links. A new one
loaded without them would make every string naming it lose what drug_parse read before: 丙泊酚注射液 was
the generic 丙泊酚 and the form 注射液 side by side; matched whole as a product without links, it named
neither. So before a load writes such a product, each name is parsed with the lexicon as it is: when the
parse reads the whole name as this very product, with a generic name and a dosage form the lexicon holds as
standards (not from a fuzzy guess), the missing links are set to them and a note says so; otherwise a
warning names the product, so the pharmacist can give the columns generic and dosage_form.

Works on load-dict's staging table (dn_stage), inside the load's transaction, after its checks.
"""
from __future__ import annotations

SHOWN = 10      # products named in one note or warning


def complete(conn, log) -> tuple[int, int]:
    """Fill the missing generic/dosage_form links of new product standards where the name tells them
    unambiguously; warn about the others. Returns (completed, left without a link)."""
    new = conn.execute("""
        SELECT DISTINCT ON (s.key) s.key, s.term, s.file, s.line, s.generic_key IS NULL, s.dosage_form_key IS NULL
        FROM dn_stage s
        WHERE s.dict = 'product_name' AND s.std_key IS NULL
          AND (s.generic_key IS NULL OR s.dosage_form_key IS NULL)
          AND NOT EXISTS (SELECT 1 FROM drugnorm.entry e WHERE e.dict = 'product_name' AND e.key = s.key)
        ORDER BY s.key, s.file, s.line""").fetchall()
    if not new:
        return 0, 0
    # What drug_parse reads in each name, with the lexicon as it is before this load. A link is taken when
    # the parse names this very product, and the generic and form are standards of the lexicon read from
    # exact matches, their links or the name's shape, never from a fuzzy guess.
    read = {k: (g, gk, f, fk) for k, g, gk, f, fk in conn.execute("""
        WITH p AS (
            SELECT u.key, drugnorm.drug_parse(u.term) AS d
            FROM unnest(%s::text[], %s::text[]) AS u(key, term)),
        named AS (
            SELECT p.key, p.d->>'generic_name' AS generic, p.d->>'dosage_form' AS form, p.d->'evidence' AS ev,
                   drugnorm.lexicon_keys(ARRAY[p.d->>'product_name', p.d->>'generic_name', p.d->>'dosage_form'],
                                         ARRAY['product_name', 'generic_name', 'dosage_form']) AS k
            FROM p)
        SELECT n.key, g.term, g.key, f.term, f.key
        FROM named n
        LEFT JOIN drugnorm.entry g ON g.dict = 'generic_name' AND g.key = n.k[2] AND g.standard_id IS NULL
             AND coalesce(n.ev->>'generic_name', '') NOT IN ('', 'fuzzy')
        LEFT JOIN drugnorm.entry f ON f.dict = 'dosage_form' AND f.key = n.k[3] AND f.standard_id IS NULL
             AND coalesce(n.ev->>'dosage_form', '') NOT IN ('', 'fuzzy')
        WHERE n.k[1] = n.key""", ([r[0] for r in new], [r[1] for r in new]))}
    done, lacking = [], []
    for key, term, file, line, no_generic, no_form in new:
        g, gk, f, fk = read.get(key, (None, None, None, None))
        set_generic = no_generic and g is not None
        set_form = no_form and f is not None
        if set_generic or set_form:
            conn.execute("""UPDATE dn_stage SET generic = CASE WHEN %(g)s THEN %(gt)s ELSE generic END,
                                                generic_key = CASE WHEN %(g)s THEN %(gk)s ELSE generic_key END,
                                                dosage_form = CASE WHEN %(f)s THEN %(ft)s ELSE dosage_form END,
                                                dosage_form_key = CASE WHEN %(f)s THEN %(fk)s ELSE dosage_form_key END
                            WHERE dict = 'product_name' AND key = %(k)s AND std_key IS NULL""",
                         {"g": set_generic, "gt": g, "gk": gk, "f": set_form, "ft": f, "fk": fk, "k": key})
            done.append(f"{file}:{line}: {term} → " + ", ".join(
                x for x in (f"generic {g}" if set_generic else "", f"dosage form {f}" if set_form else "") if x))
        missing = [name for name, gone in (("generic", no_generic and not set_generic),
                                          ("dosage_form", no_form and not set_form)) if gone]
        if missing:
            lacking.append(f"{file}:{line}: {term} (no {' and no '.join(missing)})")
    if done:
        log(f"note: {len(done)} new product name(s) without generic/dosage_form links got them from their name, "
            f"as drug_parse reads it (fill the columns generic and dosage_form to choose yourself): "
            + "; ".join(done[:SHOWN]) + (f"; and {len(done) - SHOWN} more" if len(done) > SHOWN else ""))
    if lacking:
        log(f"warning: {len(lacking)} new product name(s) have no generic or dosage form link and their name does "
            "not tell them unambiguously; drug_parse reports a generic name and form for them only as far as it "
            "can read them off the name (fill the columns generic and dosage_form): "
            + "; ".join(lacking[:SHOWN]) + (f"; and {len(lacking) - SHOWN} more" if len(lacking) > SHOWN else ""))
    return len(done), len(lacking)
