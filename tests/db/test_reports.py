"""Reports: every result says how much was recognized (status) and where each field came from (evidence),
and drugnorm.flat() turns a stored result into typed columns, so GROUP BY never counts a guess as a drug."""
import psycopg
import pytest


def parse(dsn, raw):
    with psycopg.connect(dsn) as conn:
        return conn.execute("SELECT drug_parse(%s)", (raw,)).fetchone()[0]


@pytest.mark.parametrize("raw, status, evidence", [
    ("阿托伐他汀钙片20mg*7片", "exact",
     {"product_name": "exact", "generic_name": "link", "dosage_form": "link"}),
    ("立普妥", "exact",   # a trade name links to its product and generic
     {"trade_name": "exact", "generic_name": "link", "product_name": "link", "dosage_form": "link"}),
    ("Lipitor 20mg", "exact",   # an English brand is a synonym of its trade name
     {"trade_name": "synonym", "generic_name": "link", "product_name": "link", "dosage_form": "link"}),
    ("阿莫西临胶囊", "fuzzy", None),
    ("瑞维鲁胺片 80mg", "inferred", {"generic_name": "inferred", "product_name": "inferred",
                                    "dosage_form": "inferred"}),
    ("12345", "none", {}),
])
def test_status_and_evidence_say_how_each_field_was_found(mini_db, raw, status, evidence):
    doc = parse(mini_db, raw)
    assert doc["status"] == status
    if evidence is not None:
        assert {k: v for k, v in doc["evidence"].items() if k != "manufacturer"} == evidence
    assert set(doc["evidence"]) == {f for f in doc["evidence"] if doc[f] is not None}


def test_flat_gives_typed_columns_of_a_stored_result(mini_db):
    with psycopg.connect(mini_db) as conn:
        conn.execute("CREATE TABLE rx (id int, raw text, norm jsonb)")
        conn.execute("INSERT INTO rx VALUES (1, '(立普妥)阿托伐他汀钙片20mg*7片', NULL), (2, '阿莫西临胶囊', NULL), "
                     "(3, NULL, NULL)")
        conn.execute("UPDATE rx SET norm = drug_parse(raw)")
        rows = conn.execute("SELECT rx.id, f.generic_name, f.strength, f.status, f.generic_evidence, f.markers, "
                            "f.lexicon_version > 0 FROM rx, drugnorm.flat(rx.norm) f ORDER BY rx.id").fetchall()
    assert rows[0] == (1, "阿托伐他汀钙", "20mg", "exact", "link", [], True)
    assert rows[1][3] == "fuzzy" and rows[1][4] == "fuzzy"
    assert len(rows) == 2      # a NULL result has no row
