"""The README's report queries run, on a table normalized the way a hospital does it."""
import re
from pathlib import Path

import psycopg

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
SECTION = README.split("### Reports", 1)[1].split("\n### ", 1)[0]
QUERIES = re.findall(r"```sql\n(.*?)\n```", SECTION, flags=re.S)


def test_the_readme_has_the_report_queries():
    assert len(QUERIES) >= 4


def test_every_report_query_of_the_readme_runs(mini_db):
    with psycopg.connect(mini_db) as conn:
        conn.execute("CREATE TABLE prescriptions (drug_text text, drug_norm jsonb)")
        conn.execute("INSERT INTO prescriptions (drug_text) VALUES ('(立普妥)阿托伐他汀钙片20mg*7片'), "
                     "('(立普妥)阿托伐他汀钙片20mg*7片'), ('阿莫西临胶囊'), ('瑞维鲁胺片'), ('12345'), (NULL)")
        conn.execute("UPDATE prescriptions SET drug_norm = drug_parse(drug_text)")
        results = [conn.execute(q).fetchall() for q in QUERIES]
    by_generic, by_status = results[0], dict((r[0], r[1]) for r in results[1])
    assert by_generic[0] == ("阿托伐他汀钙", 2)
    assert by_status["exact"] == 2 and by_status["none"] == 1
    assert ("瑞维鲁胺片", "inferred", 1) in results[2]
