"""A throwaway PostgreSQL for the tests: testing.postgresql, made to work as root.

initdb and postgres refuse to run as root, and testing.postgresql creates its directories as the calling
user, so as root the tree is handed to the ``postgres`` OS user and the binaries run through runuser.

The server trusts every connection, so it listens on no TCP address, only on a Unix socket in its 0700
``tmp`` directory: only its OS user and root can reach it.
"""
from __future__ import annotations

import os
import signal
import subprocess

import testing.postgresql

from drugnorm_admin import pgserver


class Postgresql(testing.postgresql.Postgresql):
    def __init__(self, **kw):
        bindir = pgserver.find_bindir()
        pgserver.check_extensions(bindir)
        kw.setdefault("initdb", str(bindir / "initdb"))
        kw.setdefault("postgres", str(bindir / "postgres"))
        kw.setdefault("initdb_args", f"-U postgres -A trust -E UTF8 --locale={pgserver.LOCALE} --no-sync")
        # fsync off: a throwaway cluster; faster CREATE DATABASE per test
        kw.setdefault("postgres_args", "-c listen_addresses= -c unix_socket_permissions=0700 -F "
                                       "-c logging_collector=off -c fsync=off -c max_connections=60")
        super().__init__(**kw)

    def initialize_database(self):
        if pgserver.running_as_root():
            os.chmod(self.base_dir, 0o755)
            pgserver.give_to_server_user(self.base_dir)
        if not os.path.exists(os.path.join(self.base_dir, "data", "PG_VERSION")):
            cmd = pgserver.as_server_user([self.initdb, "-D", os.path.join(self.base_dir, "data"),
                                           "--lc-messages=C"] + self.settings["initdb_args"].split())
            res = subprocess.run(cmd, capture_output=True, text=True)
            if res.returncode != 0:
                raise RuntimeError(f"initdb failed: {res.stderr}")

    def get_server_commandline(self):
        return pgserver.as_server_user(super().get_server_commandline())

    def terminate(self, *args):
        # runuser does not pass SIGINT on: signal the postmaster itself (fast shutdown), then let the
        # base class wait for runuser to exit.
        pidfile = os.path.join(self.base_dir, "data", "postmaster.pid")
        try:
            with open(pidfile) as f:
                os.kill(int(f.readline()), signal.SIGINT)
        except (OSError, ValueError):
            pass
        super().terminate(*args)

    @property
    def socket_dir(self) -> str:
        return os.path.join(self.base_dir, "tmp")   # the base class's `-k`; created 0700

    def dsn(self, **kwargs):
        # pg8000's parameters (the base class waits for the server with them): the socket, not 127.0.0.1
        params = dict(kwargs)
        params.setdefault("unix_sock", os.path.join(self.socket_dir, f".s.PGSQL.{self.settings['port']}"))
        params.setdefault("user", "postgres")
        params.setdefault("database", "test")
        return params

    def libpq_dsn(self, dbname: str = "test") -> str:
        return f"host={self.socket_dir} port={self.settings['port']} user=postgres dbname={dbname}"
