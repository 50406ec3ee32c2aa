"""Released migration revisions never change: hospitals' databases were migrated through them."""
import pytest

from drugnorm_admin import codegen, releases


def test_every_released_file_is_unchanged_since_its_release():
    assert releases.changed() == []


def test_release_0_9_0_is_revisions_0001_and_0002():
    files = {p for r, p, _ in releases.released() if r == "0.9.0"}
    assert files == {f"versions/{rev}{suffix}" for rev in ("0001_lexicon_schema", "0002_functions")
                     for suffix in (".py", ".sql", "_down.sql")}


def test_codegen_refuses_to_overwrite_a_released_revision():
    with pytest.raises(SystemExit, match="released"):
        codegen.main(["--revision", "0002_functions"])
    assert releases.changed() == []


def test_a_changed_released_file_is_reported(tmp_path):
    (tmp_path / "versions").mkdir()
    (tmp_path / "versions" / "0001_x.sql").write_text("SELECT 1;\n")
    (tmp_path / releases.LIST).write_text("# header\n")
    assert releases.cut("1.0.0", tmp_path) == ["versions/0001_x.sql"]
    assert releases.changed(tmp_path) == []
    (tmp_path / "versions" / "0001_x.sql").write_text("SELECT 2;\n")
    assert releases.changed(tmp_path) == ["versions/0001_x.sql (released in 1.0.0) changed since its release"]
