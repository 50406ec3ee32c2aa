"""Unicode that hides in drug strings (zero-width characters, combining marks, other scripts' digits) gives
the terms its visible text gives, and segments still point into the raw string."""
import minilex
import pipeline

LEX = minilex.load()


def parse(raw):
    return pipeline.parse(raw, LEX, lambda fragment: [], {})


def test_zero_width_characters_neither_split_nor_block_a_match():
    raw = "阿\u200b莫西林胶囊\u2060 0.25g\ufeff"
    doc = parse(raw)
    assert (doc["product_name"], doc["strength"]) == ("阿莫西林胶囊", "0.25g")
    first = doc["segments"][0]
    assert first["text"] == "阿\u200b莫西林胶囊" == raw[first["start"]:first["end"]]


def test_combining_marks_stay_with_their_character_in_the_segment():
    raw = "阿莫西林胶囊\u0301\u0308 0.25g"
    doc = parse(raw)
    assert doc["product_name"] == "阿莫西林胶囊"
    first = doc["segments"][0]
    assert first["text"] == "阿莫西林胶囊\u0301\u0308" and first["end"] == 8


def test_digits_of_other_scripts_are_read_as_numbers():
    doc = parse("阿莫西林胶囊 ٠.٢٥g×٢٤粒")
    assert (doc["strength"], doc["package"]) == ("0.25g", "24粒")
    spec = next(s for s in doc["segments"] if s["match"] == "spec")
    assert (spec["text"], spec["value"]) == ("٠.٢٥g", "0.25")
