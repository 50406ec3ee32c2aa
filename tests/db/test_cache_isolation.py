"""The per-backend caches hold committed data only (issue 13, finding 5). A backend outlives transactions,
roles and pooled clients (DISCARD ALL does not clear PL/Python's GD): whatever a rolled-back transaction
let drug_parse see must not be served to anyone afterwards, nor stored by the attach trigger."""
import json
import uuid

import psycopg
import pytest

from drugnorm_admin import loader

QUIET = dict(log=lambda *_: None)
RAW = "阿莫西林胶囊 0.25g*24粒"
NEVER_PARSED_BEFORE = "阿莫西林胶囊 0.5g*12粒"
TYPO = "阿莫西临胶囊"
POISON = "UPDATE drugnorm.entry SET term = term || ' (POISONED)' WHERE key IN ('阿莫西林胶囊', '阿莫西林')"


def parse(conn, raw):
    return conn.execute("SELECT drug_parse(%s)", (raw,)).fetchone()[0]


def candidates(conn, fragment):
    return [r[0] for r in conn.execute("SELECT standard FROM drug_candidates(%s)", (fragment,))]


def poisoned(x) -> bool:
    return "POISONED" in json.dumps(x, ensure_ascii=False)


@pytest.fixture
def reader(mini_db):
    """A login-less role granted drugnorm_reader, and a table kept normalized by the attach trigger."""
    role = f"cache_probe_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(mini_db, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {role} NOLOGIN IN ROLE drugnorm_reader")
        conn.execute("CREATE TABLE rx (id int, raw text, norm jsonb)")
        conn.execute("CREATE TRIGGER rx_norm BEFORE INSERT OR UPDATE OF raw ON rx FOR EACH ROW "
                     "EXECUTE FUNCTION drugnorm.normalize_trigger('raw', 'norm')")
        conn.execute(f"GRANT SELECT, INSERT ON rx TO {role}")
    yield role
    with psycopg.connect(mini_db, autocommit=True) as conn:
        conn.execute("DROP TABLE rx")
        conn.execute(f"DROP OWNED BY {role}")
        conn.execute(f"DROP ROLE {role}")


def test_a_rolled_back_edit_is_seen_by_its_transaction_only(mini_db, reader):
    with psycopg.connect(mini_db) as conn:          # one backend, handed from client to client as a pool does
        clean = parse(conn, RAW)
        clean_candidates = candidates(conn, TYPO)
        conn.commit()
        conn.execute(POISON)
        assert poisoned(parse(conn, RAW)) and poisoned(parse(conn, NEVER_PARSED_BEFORE))   # its own data
        assert poisoned(candidates(conn, TYPO))
        conn.execute("INSERT INTO rx VALUES (0, %s)", (RAW,))
        conn.rollback()

        assert parse(conn, RAW) == clean
        assert not poisoned(parse(conn, NEVER_PARSED_BEFORE))
        assert candidates(conn, TYPO) == clean_candidates
        conn.execute(f"SET ROLE {reader}")
        assert parse(conn, RAW) == clean
        conn.execute("INSERT INTO rx VALUES (1, %s), (2, %s)", (RAW, NEVER_PARSED_BEFORE))
        conn.commit()
        rows = conn.execute("SELECT id, norm FROM rx ORDER BY id").fetchall()
        assert [i for i, _ in rows] == [1, 2] and not poisoned(rows)
        assert rows[0][1] == clean


def test_a_backend_whose_first_call_saw_uncommitted_data_keeps_none_of_it(mini_db):
    with psycopg.connect(mini_db) as clean_conn:
        clean = parse(clean_conn, RAW)
    with psycopg.connect(mini_db) as conn:
        conn.execute(POISON)
        assert poisoned(parse(conn, RAW))          # the lexicon is first read inside the transaction
        conn.rollback()
        assert parse(conn, RAW) == clean


def test_a_session_that_clears_the_marker_still_keeps_nothing(mini_db):
    with psycopg.connect(mini_db) as conn:
        clean = parse(conn, RAW)
        conn.commit()
        conn.execute(POISON)
        conn.execute("SET LOCAL drugnorm.uncommitted = ''")
        assert poisoned(parse(conn, RAW))
        conn.rollback()
        # a committed change that gives the state the version number the rolled-back one had
        conn.execute("UPDATE drugnorm.setting SET value = value WHERE name = 'k'")
        conn.commit()
        assert parse(conn, RAW) == clean


def test_a_truncated_table_rolled_back_leaves_the_fuzzy_candidates_alone(mini_db):
    with psycopg.connect(mini_db) as conn:
        before = candidates(conn, TYPO)
        conn.commit()
        conn.execute("TRUNCATE drugnorm.posting")
        assert candidates(conn, TYPO) == []
        conn.rollback()
        assert candidates(conn, TYPO) == before != []


def test_a_rolled_back_load_and_a_committed_load_of_the_same_version_are_told_apart(mini_db, tmp_path):
    """Version numbers are not unique across rollbacks: a cache is keyed to committed versions only."""
    rolled_back, committed = tmp_path / "a.tsv", tmp_path / "b.tsv"
    rolled_back.write_text("dict\tterm\tstandard\tgeneric\ngeneric_name\t新药甲\t\t\n", encoding="utf-8")
    committed.write_text("dict\tterm\tstandard\tgeneric\ngeneric_name\t新药乙\t\t\n", encoding="utf-8")
    with psycopg.connect(mini_db) as conn:
        version = parse(conn, "新药甲")["lexicon_version"]
        loader.load_rows(conn, loader.read_file(rolled_back, known_dicts=None), [], **QUIET)
        during = parse(conn, "新药甲")
        assert (during["generic_name"], during["lexicon_version"]) == ("新药甲", version + 1)
        conn.rollback()
        loader.load(mini_db, [committed], **QUIET)
        after = parse(conn, "新药甲")
        assert (after["generic_name"], after["lexicon_version"]) == (None, version + 1)
        assert parse(conn, "新药乙")["generic_name"] == "新药乙"


def test_a_committed_hand_edit_reaches_backends_that_cached_the_old_term(mini_db):
    with psycopg.connect(mini_db, autocommit=True) as reader, psycopg.connect(mini_db) as editor:
        assert parse(reader, RAW)["product_name"] == "阿莫西林胶囊"
        editor.execute("UPDATE drugnorm.entry SET term = '阿莫西林胶囊(修订)' WHERE dict = 'product_name' "
                       "AND key = '阿莫西林胶囊'")
        assert parse(reader, RAW)["product_name"] == "阿莫西林胶囊"       # not committed yet
        editor.commit()
        assert parse(reader, RAW)["product_name"] == "阿莫西林胶囊(修订)"
