"""Settings with nonsense values: a clear one-line warning naming the setting and its range, the default is
used, and no call fails (through the attach trigger a failure would lose the INSERT)."""
import psycopg
import pytest

import settings
RAW = "阿莫西临胶囊 0.25g*24粒"
# what drugnorm-admin attach creates
ATTACH = ("CREATE TRIGGER rx_norm BEFORE INSERT OR UPDATE OF raw ON rx FOR EACH ROW "
          "EXECUTE FUNCTION drugnorm.normalize_trigger('raw', 'norm')")
NONSENSE = {"k": "ten", "candidate_limit": "-1", "boost_h": "-1e308", "a": "NaN", "posting_budget": "1e99"}


def connect_with_notices(dsn, **kw):
    conn = psycopg.connect(dsn, **kw)
    conn.notices = []
    conn.add_notice_handler(lambda d: conn.notices.append((d.severity_nonlocalized, d.message_primary)))
    return conn


def warnings_of(conn):
    return [m for sev, m in conn.notices if sev == "WARNING"]


def test_the_table_defaults_are_the_codes_defaults(mini_db):
    """The limits added in 0.10 (max_input, fuzzy_budget) have no row: an upgrade adds no settings rows, and
    the built-in default holds until the owner inserts one."""
    with psycopg.connect(mini_db) as conn:
        rows = dict(conn.execute("SELECT name, value FROM drugnorm.setting"))
    assert set(settings.SPECS) - set(rows) == {"max_input", "fuzzy_budget"}
    for name, value in rows.items():
        if name in settings.SPECS:
            assert settings.check(name, value) == settings.SPECS[name].default, name


def test_nonsense_session_values_warn_and_the_defaults_are_used(mini_db):
    with psycopg.connect(mini_db) as conn:
        expected = conn.execute("SELECT drug_parse(%s)", (RAW,)).fetchone()[0]
        n_default = len(conn.execute("SELECT * FROM drug_candidates('阿莫西临胶囊')").fetchall())
    with connect_with_notices(mini_db) as conn:
        for name, value in NONSENSE.items():
            conn.execute(f"SET drugnorm.{name} = '{value}'")
        doc = conn.execute("SELECT drug_parse(%s)", (RAW,)).fetchone()[0]
        assert doc == expected
        assert len(conn.execute("SELECT * FROM drug_candidates('阿莫西临胶囊')").fetchall()) == n_default
        said = warnings_of(conn)
    for name, value in NONSENSE.items():
        (msg,) = [m for m in said if m.startswith(f"drugnorm.{name} = ")]
        assert f"'{value}' ignored: must be {settings.describe(name)}; using" in msg
    assert len(said) == len(NONSENSE)     # once per change of the session's values, not once per call


def test_the_attach_trigger_never_loses_an_insert_to_a_bad_setting(mini_db):
    with psycopg.connect(mini_db) as conn:
        conn.execute("CREATE TABLE rx (id int, raw text, norm jsonb)")
        conn.execute(ATTACH)
    with connect_with_notices(mini_db) as conn:
        for name, value in NONSENSE.items():
            conn.execute(f"SET drugnorm.{name} = '{value}'")
        conn.execute("INSERT INTO rx (id, raw) VALUES (1, %s), (2, '立普妥20mg')", (RAW,))
        conn.commit()
        rows = conn.execute("SELECT id, norm->>'product_name', norm->>'trade_name' FROM rx ORDER BY id").fetchall()
        assert rows == [(1, "阿莫西林胶囊", None), (2, "阿托伐他汀钙片", "立普妥")]
        assert warnings_of(conn)


def test_a_nonsense_value_in_the_table_gives_way_to_the_builtin_default(mini_db):
    with psycopg.connect(mini_db) as conn:
        expected = conn.execute("SELECT drug_parse(%s)", (RAW,)).fetchone()[0]
        conn.execute("UPDATE drugnorm.setting SET value = 'lots' WHERE name = 'k'")
        conn.commit()
    with connect_with_notices(mini_db) as conn:
        assert conn.execute("SELECT drug_parse(%s)", (RAW,)).fetchone()[0]["segments"] == expected["segments"]
        assert warnings_of(conn) == ["drugnorm.setting k = 'lots' ignored: must be an integer from 0 to 1000; "
                                     "using 10"]


@pytest.mark.parametrize("name, value", [("k", "1"), ("boost_h", "0")])
def test_valid_session_values_still_take_effect_without_warnings(mini_db, name, value):
    with connect_with_notices(mini_db) as conn:
        conn.execute(f"SET drugnorm.{name} = '{value}'")
        rows = conn.execute("SELECT * FROM drug_candidates('阿莫西临胶囊')").fetchall()
        assert rows and warnings_of(conn) == []
        if name == "k":
            assert len(rows) == 1
