"""Passwords never printed: a DSN in a message shows ``password=***`` / ``user:***@host``, as libpq tools do.

``mask_dsn`` masks one connection string (URI or key=value); ``scrub`` masks every DSN-shaped password in a
message, and any password of a DSN this process was given (``remember``) wherever it still appears.

>>> mask_dsn("postgresql://postgres:s3cret@db:5432/hospital?sslmode=require")
'postgresql://postgres:***@db:5432/hospital?sslmode=require'
>>> mask_dsn("host=db user=postgres password='two words' dbname=hospital")
'host=db user=postgres password=*** dbname=hospital'
>>> scrub("cannot connect to postgres://u:pw@h/x?password=pw2 (host=h password=pw3)")
'cannot connect to postgres://u:***@h/x?password=*** (host=h password=***'
>>> scrub(f"cannot connect to PostgreSQL ({mask_dsn('host=h password=pw3')})")
'cannot connect to PostgreSQL (host=h password=***)'
"""
from __future__ import annotations

import re
from urllib.parse import unquote

MASK = "***"

# user:password@ in a URI (the userinfo ends at the first @ before the host; '@' in a password is %40)
_URI_USERINFO = re.compile(r"(?P<head>\bpostgres(?:ql)?://[^:@/?#\s]*):(?P<pw>[^@/?#\s]*)@", re.I)
# password=... as a URI query parameter
_URI_PARAM = re.compile(r"(?P<head>[?&]password=)(?P<pw>[^&#\s]*)", re.I)
# password=... (or sslpassword=...) as a key=value pair: a quoted value (backslash escapes) or a bare word
_KEYWORD = re.compile(r"(?P<head>(?<![\w.])(?:ssl)?password\s*=\s*)(?P<pw>'(?:[^'\\]|\\.)*'|\S+)", re.I)

_remembered: set[str] = set()
_MIN_LONE = 4     # a shorter password is masked where it appears in a DSN, not as any word of a message


def _passwords(dsn: str) -> set[str]:
    """The password(s) of a DSN, as written and decoded; empty when there is none or it does not parse."""
    found = set()
    for rx in (_URI_USERINFO, _URI_PARAM, _KEYWORD):
        for m in rx.finditer(dsn):
            pw = m.group("pw")
            if pw.startswith("'") and pw.endswith("'") and len(pw) >= 2:
                found.add(pw)
                pw = re.sub(r"\\(.)", r"\1", pw[1:-1])
            found.add(pw)
            found.add(unquote(pw))
            if rx is _KEYWORD and not pw.startswith("'"):
                # an unquoted password with spaces is malformed, and libpq's error quotes the word after the
                # space ('missing "=" after "word"'): those words are the password's too
                for word in dsn[m.end():].split():
                    if "=" in word:
                        break
                    found.add(word.strip('"'))
    try:
        from psycopg.conninfo import conninfo_to_dict
        pw = conninfo_to_dict(dsn).get("password")
        if pw:
            found.add(str(pw))
    except Exception:   # noqa: BLE001 - a malformed DSN: the patterns above did what they could
        pass
    return {p for p in found if p and p != MASK}


def mask_dsn(dsn: str | None) -> str:
    """The DSN with its password replaced by ***; None or '' as given."""
    if not dsn:
        return dsn or ""
    out = _URI_USERINFO.sub(lambda m: f"{m.group('head')}:{MASK}@", dsn)
    out = _URI_PARAM.sub(_masked, out)
    return _KEYWORD.sub(_masked, out)


def _masked(m: re.Match) -> str:
    # a value masked already keeps what follows it (a message's closing bracket)
    return m.group(0) if m.group("pw").startswith(MASK) else m.group("head") + MASK


def remember(dsn: str | None) -> None:
    """Note a DSN this process uses: ``scrub`` then masks its password wherever it appears."""
    if dsn:
        _remembered.update(p for p in _passwords(dsn))


def scrub(text: str) -> str:
    """A message with every password masked: DSN-shaped ones, then any remembered password still there."""
    out = mask_dsn(text)
    for pw in sorted(_remembered, key=len, reverse=True):
        if len(pw) >= _MIN_LONE and pw in out:
            out = out.replace(pw, MASK)
    return out
