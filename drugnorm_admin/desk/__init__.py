"""`drugnorm-admin desk`: the pharmacist's desk, a small local web application over the library functions the
CLI uses (review.py's queue and decisions, load-dict's validation, drug_lookup, drugnorm.flat).

Pages: the queue (decide: accept a candidate, type a standard, ignore), coverage of a table of stored
results, lookup of the lexicon. Served by waitress on 127.0.0.1 by default; another address needs the token
printed at start. Ctrl-C (or SIGTERM) stops it cleanly: the server closes its socket, the connections close.
"""
from __future__ import annotations

import secrets
import signal
import sys

from ..db import AdminError, connect

DEFAULT_PORT = 8765


def serve(dsn: str, host: str = "127.0.0.1", port: int = DEFAULT_PORT, threads: int = 4, log=print,
          out=None) -> None:
    """Serve until Ctrl-C or SIGTERM. The address to open goes to ``out`` (stdout), notes to ``log``."""
    try:
        from waitress.server import create_server
    except ImportError as e:    # pragma: no cover - a dependency of the package
        raise AdminError(f"the desk needs waitress and flask ({e}); reinstall drugnorm-admin") from e
    from . import app as app_mod, data

    out = out or sys.stdout
    with connect(dsn) as conn:      # fail now, in one line, rather than on the first page
        me = data.whoami(conn)
    token = None if app_mod.is_loopback(host) else secrets.token_urlsafe(24)
    pool = data.Pool(dsn, threads)
    app = app_mod.create_app(dsn, host, port, token, pool)
    try:
        server = create_server(app, host=host, port=port, threads=threads, ident="drugnorm-desk",
                               clear_untrusted_proxy_headers=True)
    except OSError as e:
        raise AdminError(f"desk: cannot listen on {host}:{port}: {e.strerror or e}") from e
    real_port = server.effective_port
    app.config["desk"]["port"] = real_port
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{real_port}/" + (f"login?token={token}" if token else "")
    log(f"desk: role {me['role']} ({'may decide' if me['editor'] else 'read-only: decisions need drugnorm_editor'}), "
        f"lexicon version {me['version']}")
    if token:
        log(f"desk: listening on {host}, not a loopback address: only the address below (with its token) opens it")
    log("desk: Ctrl-C stops it")
    print(url, file=out, flush=True)

    def stop(*_):
        raise KeyboardInterrupt
    # Ctrl-C stops the desk even when started with SIGINT ignored (a background job of a script)
    previous = signal.signal(signal.SIGTERM, stop), signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        server.run()         # returns when Ctrl-C (or SIGTERM) interrupts it, the socket closed
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous[0])
        signal.signal(signal.SIGINT, previous[1])
        try:
            server.close()       # waitress closed it already when it saw the interrupt; this is idempotent
        except OSError:
            pass
        pool.close()
    log("desk: stopped")
