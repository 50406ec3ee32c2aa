"""The desk's application without a browser (Flask's test client over a real database): who may decide,
the guards (CSRF, Host, token), a decision end to end with its renormalize estimate, coverage numbers equal
to the README's report queries, lookup, Chinese order."""
from __future__ import annotations

import re
import uuid

import psycopg
import pytest

from drugnorm_admin import bulk
from drugnorm_admin.desk import app as desk_app, data

QUIET = dict(log=lambda *_: None)


@pytest.fixture
def queued(mini_db):
    with psycopg.connect(mini_db, autocommit=True) as conn:
        conn.execute("UPDATE drugnorm.setting SET value = 'on' WHERE name = 'review_queue'")
        conn.execute("CREATE TABLE rx (id serial PRIMARY KEY, raw text)")
        conn.execute("INSERT INTO rx (raw) SELECT '阿莫西临胶囊 0.25g' FROM generate_series(1, 3)")
        conn.execute("INSERT INTO rx (raw) VALUES ('立普妥20mg'), ('立普妥20mg AR'), ('泽泻颗粒 10g')")
    bulk.normalize(mini_db, "rx", "raw", "norm", **QUIET)
    return mini_db


@pytest.fixture
def reader_dsn(pg_server, queued):
    role = f"desk_reader_{uuid.uuid4().hex[:8]}"
    pg_server.execute(f"CREATE ROLE {role} LOGIN IN ROLE drugnorm_reader")
    with psycopg.connect(queued, autocommit=True) as conn:
        conn.execute(f"GRANT SELECT ON rx TO {role}")
    yield psycopg.conninfo.make_conninfo(queued, user=role)
    with psycopg.connect(queued, autocommit=True) as conn:
        conn.execute(f"DROP OWNED BY {role}")     # the grant, in the test database
    pg_server.execute(f"DROP ROLE {role}")


def _client(dsn, **kw):
    app = desk_app.create_app(dsn, **kw)
    app.testing = True
    return app, app.test_client()


def _csrf(client):
    client.get("/queue")
    with client.session_transaction() as s:
        return s["csrf"]


def test_a_decision_goes_through_load_dict_and_estimates_renormalize(queued):
    app, c = _client(queued)
    page = c.get("/queue").get_data(as_text=True)
    assert "阿莫西临胶囊" in page and "阿莫西林胶囊" in page and "采用 accept" in page
    assert "阿莫西临胶囊 0.25g" in page                          # an example raw string
    token = _csrf(c)
    r = c.post("/decide", data={"csrf": token, "fragment": "阿莫西临胶囊", "action": "accept", "k": "1"},
               headers={"Origin": "http://localhost"})
    assert r.status_code == 302
    page = c.get("/queue").get_data(as_text=True)
    flash = re.search(r'<p class="flash ok"[^>]*>(.*?)</p>', page, re.S).group(1)
    assert "阿莫西临胶囊 → 阿莫西林胶囊 (product_name): lexicon version" in flash
    assert "public.rx.norm: about 3 rows" in flash, flash
    assert "阿莫西临胶囊" not in page.split("</header>")[1].replace(flash, "")   # left the queue
    # the estimate is what renormalize then does here
    assert bulk.renormalize(queued, "rx", "raw", "norm", **QUIET) == 3
    with psycopg.connect(queued) as conn:
        doc = conn.execute("SELECT drug_parse('阿莫西临胶囊 0.25g')").fetchone()[0]
        assert (doc["status"], doc["evidence"]["product_name"]) == ("exact", "synonym")
        assert conn.execute("SELECT what->>'review_import', loaded_by FROM drugnorm.lexicon_version "
                            "ORDER BY version DESC LIMIT 1").fetchone() == ("desk", "postgres")


def test_typed_standard_bad_standard_and_ignore(queued):
    app, c = _client(queued)
    token = _csrf(c)
    c.post("/decide", data={"csrf": token, "fragment": "泽泻颗粒", "action": "standard", "standard": "",
                            "dict": "product_name", "generic": "泽泻"})
    page = c.get("/queue").get_data(as_text=True)
    assert "generic &#39;泽泻&#39; of &#39;泽泻颗粒&#39; is not a standard generic_name" in page   # load-dict said no
    c.post("/decide", data={"csrf": token, "fragment": "AR", "action": "ignore"})
    page = c.get("/queue").get_data(as_text=True)
    assert "AR: 已忽略 ignored" in page
    with psycopg.connect(queued) as conn:
        assert conn.execute("SELECT ignored_at IS NOT NULL FROM drugnorm.review_item WHERE fragment = 'AR'"
                            ).fetchone() == (True,)


def test_a_reader_sees_everything_and_decides_nothing(queued, reader_dsn):
    # an editor's visit folds the events; the reader then sees the items
    _client(queued)[1].get("/queue")
    app, c = _client(reader_dsn)
    page = c.get("/queue").get_data(as_text=True)
    assert "阿莫西临胶囊" in page and "只读 read-only" in page
    assert "采用 accept" not in page and "<form method=\"post\"" not in page
    assert "public.rx.norm" in c.get("/coverage").get_data(as_text=True)
    token = _csrf(c)
    r = c.post("/decide", data={"csrf": token, "fragment": "阿莫西临胶囊", "action": "accept", "k": "1"})
    assert r.status_code == 403 and "drugnorm_editor" in r.get_data(as_text=True)


def test_forms_need_the_csrf_token_and_the_same_origin(queued):
    app, c = _client(queued)
    token = _csrf(c)
    form = {"fragment": "AR", "action": "ignore"}
    assert c.post("/decide", data=form).status_code == 403
    assert c.post("/decide", data=dict(form, csrf="x" * 43)).status_code == 403
    assert c.post("/decide", data=dict(form, csrf=token), headers={"Origin": "http://evil.example"}).status_code == 403
    with psycopg.connect(queued) as conn:
        assert conn.execute("SELECT count(*) FROM drugnorm.review_item WHERE ignored_at IS NOT NULL").fetchone() == (0,)
    r = c.get("/queue")
    assert "script-src 'self'" in r.headers["Content-Security-Policy"] and r.headers["X-Frame-Options"] == "DENY"


def test_loopback_answers_its_own_names_only_and_another_address_needs_the_token(queued):
    app, c = _client(queued, host="127.0.0.1", port=8765)
    assert c.get("/queue", headers={"Host": "127.0.0.1:8765"}).status_code == 200
    assert c.get("/queue", headers={"Host": "localhost:8765"}).status_code == 200
    r = c.get("/queue", headers={"Host": "rebound.example:8765"})
    assert r.status_code == 403 and "阿莫西临" not in r.get_data(as_text=True)
    app, c = _client(queued, host="0.0.0.0", port=8765, token="s3cret-token")
    r = c.get("/queue")
    assert r.status_code == 403 and "token" in r.get_data(as_text=True) and "postgres" not in r.get_data(as_text=True)
    assert c.get("/login?token=wrong").status_code == 403
    r = c.get("/login?token=s3cret-token")
    assert r.status_code == 302 and "token" not in r.headers["Location"]
    assert c.get("/queue").status_code == 200


def test_coverage_is_the_readme_report_numbers(queued):
    app, c = _client(queued)
    with psycopg.connect(queued) as conn:
        cols = data.result_columns(conn, ttl=0)
        assert [(x["display"], x["column"]) for x in cols] == [("public.rx", "norm")]
        cov = data.coverage(conn, "public", "rx", "norm")
        status = dict(conn.execute("SELECT f.status, count(*) FROM rx p, drugnorm.flat(p.norm) f GROUP BY 1"))
        by_field = conn.execute("""
            SELECT field, coalesce(evidence, 'unknown'), count(*) FROM rx p,
                 LATERAL (VALUES ('generic_name', p.norm->'evidence'->>'generic_name'),
                                 ('product_name', p.norm->'evidence'->>'product_name'),
                                 ('dosage_form', p.norm->'evidence'->>'dosage_form'),
                                 ('manufacturer', p.norm->'evidence'->>'manufacturer')) AS e(field, evidence)
            WHERE p.norm IS NOT NULL GROUP BY 1, 2""").fetchall()
    assert cov["rows"] == cov["results"] == 6
    assert {p["key"]: p["n"] for p in cov["status"] if p["n"]} == status
    fields = {f["field"]: {p["key"]: p["n"] for p in f["parts"] if p["n"]} for f in cov["fields"]}
    for field, ev, n in by_field:
        assert fields[field][ev] == n, (field, ev)
    assert abs(sum(p["pct"] for p in cov["status"]) - 100) < 1e-9
    assert ("泽泻颗粒 10g", "inferred", 1) in cov["unresolved"]
    page = c.get("/coverage").get_data(as_text=True)
    assert "<svg class=\"bar\"" in page and "泽泻颗粒 10g" in page


def test_lookup_entry_and_suggestions(queued):
    app, c = _client(queued)
    rows = c.get("/api/lookup?q=amxl").get_json()
    assert any(r["standard"] == "阿莫西林" for r in rows)
    page = c.get("/lookup?q=阿莫西林").get_data(as_text=True)
    assert "/entry?dict=generic_name" in page
    page = c.get("/entry?dict=generic_name&term=阿托伐他汀钙").get_data(as_text=True)
    assert "atorvastatin calcium" in page and "阿托伐他汀钙片" in page         # a synonym and a linked product
    assert c.get("/entry?dict=generic_name&term=没有这个").status_code == 404


def test_chinese_order_is_by_pinyin():
    words = ["左氧氟沙星", "阿莫西林", "布洛芬", "尼莫地平", "阿托伐他汀钙"]
    assert sorted(words, key=data.pinyin_key) == ["阿莫西林", "阿托伐他汀钙", "布洛芬", "尼莫地平", "左氧氟沙星"]
