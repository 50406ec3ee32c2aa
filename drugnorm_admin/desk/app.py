"""The desk's web application (Flask): pages, decisions, and the guards around them.

Guards. Bound to a loopback address, the desk answers only requests whose Host header names that address
(a web page cannot rebind a name of its own to 127.0.0.1 and read the desk). On any other address every
request needs the token the command printed: /login?token=... sets a session cookie (HttpOnly,
SameSite=Strict) and drops the token from the address bar. Every form carries a per-session CSRF token and
is refused without it or from another origin. Pages send a Content-Security-Policy that allows only the
desk's own scripts and styles. The database decides who may do what: the desk connects with the DSN's role,
shows everything that role may read, and offers decisions only when it holds drugnorm_editor's rights
(the database refuses them otherwise anyway).
"""
from __future__ import annotations

import hmac
import ipaddress
import secrets
from pathlib import Path

from flask import Flask, abort, flash, jsonify, redirect, render_template, request, session, url_for

from .. import review
from ..db import AdminError
from . import data

PER_PAGE = 20
MATCH_LABELS = {"fuzzy": "模糊 fuzzy", "inferred": "推断 inferred", "none": "未识别 none"}
EVIDENCE_LABELS = {"exact": "精确 exact", "synonym": "同义词 synonym", "link": "关联 link", "fuzzy": "模糊 fuzzy",
                   "inferred": "推断 inferred", "unknown": "未知 unknown", "unrecorded": "未记录 unrecorded"}
STATUS_LABELS = {"exact": "精确 exact", "fuzzy": "模糊 fuzzy", "inferred": "推断 inferred", "none": "未识别 none"}
FIELD_LABELS = {"generic_name": "通用名 generic", "trade_name": "商品名 trade", "product_name": "产品名 product",
                "dosage_form": "剂型 dosage form", "manufacturer": "厂家 manufacturer"}


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def create_app(dsn: str, host: str = "127.0.0.1", port: int = 0, token: str | None = None,
               pool: data.Pool | None = None) -> Flask:
    here = Path(__file__).parent
    app = Flask("drugnorm_admin.desk", template_folder=str(here / "templates"), static_folder=str(here / "static"))
    app.config.update(SECRET_KEY=secrets.token_bytes(32), SESSION_COOKIE_HTTPONLY=True,
                      SESSION_COOKIE_SAMESITE="Strict", SESSION_COOKIE_NAME="drugnorm_desk",
                      MAX_CONTENT_LENGTH=64 * 1024, JSON_AS_ASCII=False)
    app.json.ensure_ascii = False
    app.config["desk"] = {"dsn": dsn, "host": host, "port": port, "token": token}
    pool = pool or data.Pool(dsn)
    app.extensions["desk_pool"] = pool

    def allowed_hosts() -> set[str]:
        p = app.config["desk"]["port"]
        names = {host, "127.0.0.1", "localhost", "[::1]"} if is_loopback(host) else set()
        return {f"{h}:{p}" for h in names} | ({h for h in names} if p in (80, 0) else set())

    @app.before_request
    def guard():
        cfg = app.config["desk"]
        if cfg["token"] is None:
            if request.host not in allowed_hosts():
                abort(403, "this desk answers only at its own loopback address")
        elif request.endpoint == "login":
            return None
        elif not session.get("auth"):
            abort(403, "open the desk with the address and token that drugnorm-admin desk printed")
        if request.method == "POST":
            sent = request.form.get("csrf", "")
            if not sent or not hmac.compare_digest(sent, session.get("csrf", "")):
                abort(403, "the form is stale or came from another site: reload the page and try again")
            origin = request.headers.get("Origin")
            if origin and origin not in (f"http://{request.host}", f"https://{request.host}"):
                abort(403, "a form from another site")
        request._desk_ok = True
        return None

    @app.after_request
    def headers(resp):
        resp.headers["Content-Security-Policy"] = ("default-src 'self'; script-src 'self'; style-src 'self'; "
                                                   "img-src 'self' data:; form-action 'self'; "
                                                   "frame-ancestors 'none'; base-uri 'none'")
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["X-Frame-Options"] = "DENY"
        resp.headers["Referrer-Policy"] = "same-origin"   # no-referrer would make forms send Origin: null
        resp.headers["Cache-Control"] = "no-store"
        return resp

    @app.context_processor
    def common():
        if "csrf" not in session:
            session["csrf"] = secrets.token_urlsafe(32)
        me = request_me() if getattr(request, "_desk_ok", False) else None   # nothing for a stranger
        return {"csrf": session["csrf"], "me": me, "MATCH_LABELS": MATCH_LABELS,
                "EVIDENCE_LABELS": EVIDENCE_LABELS, "STATUS_LABELS": STATUS_LABELS, "FIELD_LABELS": FIELD_LABELS}

    def request_me():
        me = getattr(request, "_desk_me", None)
        if me is None:
            with pool.conn() as conn:
                me = data.whoami(conn)
                me["dicts"] = data.dictionaries(conn)
            request._desk_me = me
        return me

    @app.errorhandler(403)
    def forbidden(e):
        return render_template("error.html", code=403, message=e.description), 403

    @app.errorhandler(AdminError)
    def admin_error(e):
        return render_template("error.html", code=500, message=str(e)), 500

    @app.get("/login")
    def login():
        if not hmac.compare_digest(request.args.get("token", ""), app.config["desk"]["token"] or ""):
            abort(403, "wrong or missing token: use the address drugnorm-admin desk printed")
        session.clear()
        session["auth"] = True
        return redirect(url_for("queue_view"))

    @app.get("/")
    def index():
        return redirect(url_for("queue_view"))

    @app.get("/queue")
    def queue_view():
        page = max(0, request.args.get("page", 0, type=int) or 0)
        me = request_me()
        quarantined = []
        with pool.conn() as conn:
            if me["editor"]:            # folding moves events into items: an editor's right
                with conn.transaction():
                    quarantined = review.fold(conn)
            q = data.queue_page(conn, page, PER_PAGE)
        return render_template("queue.html", q=q, page=page, quarantined=quarantined,
                               dict_labels={n: a for n, a, _ in me["dicts"]})

    @app.post("/decide")
    def decide():
        me = request_me()
        if not me["editor"]:
            abort(403, f"role {me['role']} may read but not decide: decisions need a role granted drugnorm_editor")
        f = request.form
        fragment, action = f.get("fragment", ""), f.get("action", "")
        with pool.conn() as conn:
            it = data.item(conn, fragment)
        if it is None:
            flash(("error", f"{fragment!r} is no longer in the queue (decided or ignored meanwhile)"))
            return redirect(url_for("queue_view", page=f.get("page", 0, type=int)))
        if action == "accept":
            k = f.get("k", 0, type=int)
            if not 1 <= k <= len(it["candidates"]):
                abort(400, "no such candidate")
            cand = it["candidates"][k - 1]
            decision = review.Decision(1, fragment, cand["attribute"], cand["standard"])
        elif action == "standard":
            std = f.get("standard", "").strip() or fragment
            decision = review.Decision(1, fragment, f.get("dict", ""), std,
                                       f.get("generic", "").strip() or None, f.get("dosage_form", "").strip() or None)
        elif action == "ignore":
            decision = review.Decision(1, fragment, "", "", ignore=True)
        else:
            abort(400, "unknown action")
        source = Path("desk")
        try:
            summary = review.apply_decisions(app.config["desk"]["dsn"], [decision], source, log=lambda *_: None,
                                             source=f"desk:{me['role']}")
        except AdminError as e:
            errors = getattr(e, "errors", None) or [str(e)]
            flash(("error", f"{fragment}: " + "; ".join(m.removeprefix("desk:1: ") for m in errors)))
            return redirect(url_for("queue_view", page=f.get("page", 0, type=int)))
        if decision.ignore:
            flash(("ok", f"{fragment}: 已忽略 ignored; it stays out of the queue and of later exports"))
        else:
            msg = f"{fragment} → {decision.standard} ({decision.dict})"
            if summary.version is None:
                msg += ": the lexicon already had it; no new version"
            else:
                with pool.conn() as conn:
                    est = data.renormalize_estimate(conn, summary.version, data.result_columns(conn))
                parts = [f"{name}: about {n:,} rows" if n is not None else f"{name}: not counted (timeout)"
                         for name, n in est]
                msg += (f": lexicon version {summary.version}. reparse-table would redo "
                        + ("; ".join(parts) if parts else "no stored rows (no table of results found)")
                        + " (estimate: stored results older than this version whose text contains the new term)")
            flash(("ok", msg))
        return redirect(url_for("queue_view", page=f.get("page", 0, type=int)))

    @app.get("/coverage")
    def coverage_view():
        with pool.conn() as conn:
            cols = data.result_columns(conn, ttl=0 if request.args.get("refresh") else 60)
            chosen = next((c for c in cols if c["id"] == request.args.get("t")), cols[0] if cols else None)
            cov = data.coverage(conn, chosen["schema"], chosen["table"], chosen["column"]) if chosen else None
        return render_template("coverage.html", cols=cols, chosen=chosen, cov=cov)

    @app.get("/lookup")
    def lookup_view():
        q = request.args.get("q", "")
        with pool.conn() as conn:
            rows = data.lookup(conn, q)
        return render_template("lookup.html", q=q, rows=rows, dict_labels={n: a for n, a, _ in request_me()["dicts"]})

    @app.get("/entry")
    def entry_view():
        with pool.conn() as conn:
            e = data.entry(conn, request.args.get("dict", ""), request.args.get("term", ""))
        if e is None:
            abort(404)
        return render_template("entry.html", e=e, dict_labels={n: a for n, a, _ in request_me()["dicts"]})

    @app.get("/api/lookup")
    def api_lookup():
        with pool.conn() as conn:
            rows = data.lookup(conn, request.args.get("q", ""), 10)
        return jsonify([{k: r[k] for k in ("term", "standard", "attribute", "generic")} for r in rows])

    @app.errorhandler(404)
    def not_found(e):
        return render_template("error.html", code=404, message="not found"), 404

    @app.errorhandler(400)
    def bad_request(e):
        return render_template("error.html", code=400, message=e.description), 400

    return app
