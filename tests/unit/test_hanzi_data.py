"""The hanzi data file is generated with pinned libraries: regenerating it gives the same file, so the same
release gives the same tokens in every hospital."""
from importlib import metadata

from drugnorm_admin import hanzi


def test_regenerating_the_hanzi_data_gives_the_same_file():
    assert hanzi.DATA_FILE.read_text(encoding="utf-8") == hanzi.render()


def test_the_data_file_is_stamped_with_its_generator_and_library_versions():
    head = hanzi.DATA_FILE.read_text(encoding="utf-8").splitlines()[:3]
    assert head[0].startswith(f"# drugnorm hanzi data {hanzi.DATA_VERSION}:")
    for lib in hanzi.GENERATOR_LIBRARIES:
        assert f"{lib} {metadata.version(lib)}" in head[1]


def test_rows_are_copy_text_with_readings_and_the_t2s_map():
    rows = dict((line.split("\t")[0], line.split("\t")[1:]) for line in
                hanzi.copy_rows().decode().splitlines())
    assert rows["藥"][0] == "药" and "yao" in rows["藥"][1]
    assert rows["长"][0] == "\\N" and "chang" in rows["长"][1] and "zhang" in rows["长"][1]
    assert len(rows) > 40000
