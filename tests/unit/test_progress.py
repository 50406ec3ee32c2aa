"""Progress lines: count, rate, ETA; rewritten in place on a terminal, whole lines into a log; silent when short."""
import io

from drugnorm_admin.progress import Progress


class Tty(io.StringIO):
    def isatty(self):
        return True


def test_a_line_says_count_share_detail_rate_and_eta():
    p = Progress("parsing distinct values", 2000, min_total=0, unit="values", stream=io.StringIO())
    p.start -= 10                      # ten seconds in
    p.detail = "54,000/90,000 rows"
    line = p.line(1200)
    assert line.startswith("parsing distinct values: 1,200/2,000 values (60.0%), 54,000/90,000 rows, 120 values/s")
    assert line.endswith("ETA 7s")
    assert p.line(2000).endswith("in 10s")


def test_into_a_log_whole_lines_every_ten_seconds_and_nothing_when_short():
    out = io.StringIO()
    p = Progress("writing rows", 100, min_total=0, unit="rows", stream=out)
    p.tick(10)
    p.done(100)
    assert out.getvalue() == ""        # under ten seconds: silent
    p.last -= 11
    p.tick(50)
    p.done(100)
    lines = out.getvalue().splitlines()
    assert len(lines) == 2 and lines[0].startswith("writing rows: 50/100 rows") and "100/100" in lines[1]
    assert "\r" not in out.getvalue()


def test_on_a_terminal_the_line_is_rewritten_in_place_every_second():
    out = Tty()
    p = Progress("parsing", 10, min_total=0, stream=out)
    p.last -= 1.1
    p.tick(3)
    p.tick(4)                          # within the second: not shown
    p.done(10)
    text = out.getvalue()
    assert text.count("\r") == 2 and text.endswith("\n") and "3/10" in text and "10/10" in text
