"""The hanzi table: pinyin readings (pypinyin) and the traditional->simplified map (OpenCC), per character.

The server reads them from drugnorm.hanzi, so PL/Python needs nothing outside the standard library.
"""
from __future__ import annotations

import opencc
from pypinyin import Style, pinyin
from pypinyin.pinyin_dict import pinyin_dict

from .db import connect

# Bump when the way rows are computed changes, so existing databases are refilled by the next migrate.
DATA_VERSION = "1"


def rows():
    """(ch, simplified or None, readings) for every character pypinyin knows and every OpenCC t2s source."""
    t2s = opencc.OpenCC("t2s")
    chars = {chr(cp) for cp in pinyin_dict}
    out = []
    for ch in sorted(chars):
        if not ch.isprintable():
            continue
        simp = t2s.convert(ch)
        simp = simp if len(simp) == 1 and simp != ch else None
        readings = []
        for r in pinyin(ch, style=Style.NORMAL, heteronym=True, v_to_u=False)[0]:
            r = r.strip().lower()
            if r and r.isascii() and r.isalpha() and r not in readings:
                readings.append(r)
        out.append((ch, simp, readings))
    return out


def ensure(dsn: str, force: bool = False) -> int:
    """Fill drugnorm.hanzi when it is empty or was filled by an older DATA_VERSION; returns rows written."""
    with connect(dsn) as conn:
        stamp = conn.execute("SELECT obj_description('drugnorm.hanzi'::regclass, 'pg_class')").fetchone()[0]
        filled = conn.execute("SELECT EXISTS (SELECT 1 FROM drugnorm.hanzi)").fetchone()[0]
        if filled and stamp == f"data version {DATA_VERSION}" and not force:
            return 0
        data = rows()
        with conn.transaction():
            conn.execute("DELETE FROM drugnorm.hanzi")
            with conn.cursor().copy("COPY drugnorm.hanzi (ch, simplified, readings) FROM STDIN") as cp:
                for r in data:
                    cp.write_row(r)
            conn.execute(f"COMMENT ON TABLE drugnorm.hanzi IS 'data version {DATA_VERSION}'")
            # The per-backend caches hold the t2s map: make them reload.
            conn.execute("UPDATE drugnorm.state SET settings_version = settings_version + 1")
        return len(data)
