"""vigil.watch.publish: a signed webhook received by a local HTTP server, e-mail through
Django's locmem backend, the brief regenerated from a small synthetic store, the site's
pages requested, and a dry run that sends, writes and records nothing.

Every channel's reader is the public: an internal alert and one resting on a restricted
registry record must appear in none of them.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.core import mail
from django.test import override_settings

from vigil.cases.levels import Level
from vigil.errors import InputError
from vigil.watch import alerts as A
from vigil.watch import publish as P
from vigil.watch.alerts import Candidate
from vigil.watch.models import Alert, Delivery

SECRET = "s3cret-for-tests"
BASE = "https://vigil.example.org"
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"
NOW = dt.datetime(2026, 8, 18, 6, 0, tzinfo=dt.UTC)


# -- a receiver -----------------------------------------------------------------------------


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A local HTTP server: records every request, answers the statuses queued (200
    when the queue is empty; 404 for GETs of paths listed in ``missing``)."""

    url: str
    requests: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    missing: set[str] = field(default_factory=set)

    @property
    def posts(self) -> list[Received]:
        return [r for r in self.requests if r.method == "POST"]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    box = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def _answer(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            box.requests.append(Received(method, self.path, dict(self.headers.items()), body))
            status = box.statuses.pop(0) if box.statuses else 200
            if method == "GET" and self.path in box.missing:
                status = 404
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"ok")

        def do_POST(self) -> None:
            self._answer("POST")

        def do_GET(self) -> None:
            self._answer("GET")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    box.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield box
    finally:
        server.shutdown()
        server.server_close()


# -- alerts -----------------------------------------------------------------------------------


@pytest.fixture
def secret(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("VIGIL_WEBHOOK_SECRET", SECRET)
    return SECRET


def week(day: str, gained: float) -> Candidate:
    return Candidate(
        key=f"territory:week_gain:deepstate-daily:{day}",
        topic="territory",
        kind="week_gain",
        title=f"{gained} km² gained in the week of {day}",
        body="More than the threshold of 50 km².",
        figures={"gained_km2": gained, "lost_km2": 1.2},
        source="deepstate-daily",
        snapshots=[day, day],
        command=f"vigil territory change --source deepstate-daily --from {day} --to {day}",
        api=f"/api/territory/change?from={day}&to={day}&source=deepstate-daily",
        link=f"/figures/?week={day}",
    )


@pytest.fixture
def made(db) -> dict[str, Alert]:
    """A public territory alert, an internal system alert and a public case alert whose
    case is restricted (so no public reader may see it)."""
    from vigil.cases import models as m

    case = m.Case.objects.create(number="1-283/2026", title="A closed case", visibility=2)
    open_case = m.Case.objects.create(number="1-17/2026", title="An open case", visibility=0)
    cands = [
        week("2026-08-10", 62.3),
        Candidate(
            key="system:fetch_failed:deepstate-daily:x",
            topic="system",
            kind="fetch_failed",
            title="Fetch failed: connection refused",
            level=Level.INTERNAL,
        ),
        Candidate(
            key=f"cases:hearing_soon:hearing:{case.pk}",
            topic="cases",
            kind="hearing_soon",
            title="Hearing of the closed case in 3 days",
            refs=[("Case", case.pk, ("number", "title"))],
        ),
        Candidate(
            key=f"cases:hearing_soon:hearing:{open_case.pk}",
            topic="cases",
            kind="hearing_soon",
            title="Hearing of the open case in 5 days",
            refs=[("Case", open_case.pk, ("number", "title"))],
        ),
    ]
    new = A.record(cands, now=NOW).new
    return {
        "week": new[0],
        "internal": new[1],
        "restricted": new[2],
        "open_case": new[3],
    }


def hook(receiver: Receiver, path: str = "/hook") -> P.Settings:
    return P.Settings(webhook=P.Webhook(url=receiver.url + path))


def run(alerts: list[Alert], settings: P.Settings, **kw: object) -> P.PublishReport:
    args: dict = {"base_url": BASE, "store": None, "new_maps": False, "now": NOW} | kw
    return P.publish(alerts, settings, **args)


HIDDEN = ("internal", "restricted")


# -- webhook ----------------------------------------------------------------------------------


def test_webhook_is_signed_and_carries_only_public_alerts(made, receiver, secret):
    report = run(list(made.values()), hook(receiver))
    assert report.ok, report.lines()
    assert [r.path for r in receiver.posts] == ["/hook"]
    got = receiver.posts[0]
    h = {k.lower(): v for k, v in got.headers.items()}
    assert h["content-type"] == "application/json"
    assert h["x-vigil-event"] == "alerts"
    assert len(h["x-vigil-delivery"]) == 36  # a UUID
    assert P.verify(
        SECRET, h["x-vigil-timestamp"], got.body, h["x-vigil-signature"], now=NOW.timestamp()
    )
    assert not P.verify(
        "wrong", h["x-vigil-timestamp"], got.body, h["x-vigil-signature"], now=NOW.timestamp()
    )
    assert not P.verify(
        SECRET, h["x-vigil-timestamp"], got.body + b" ", h["x-vigil-signature"], now=NOW.timestamp()
    )
    data = json.loads(got.body)
    public = [made["week"], made["open_case"]]
    assert data["alerts"] == [A.as_json(a, BASE) for a in public]
    assert data["sent"] == NOW.isoformat()
    assert {a["key"] for a in data["alerts"]}.isdisjoint({made[k].key for k in HIDDEN})
    assert data["alerts"][0]["reproduce"]["api"].startswith(BASE + "/api/territory/change?")
    rows = Delivery.objects.filter(channel="webhook")
    assert {(d.alert_id, d.target, d.attempts) for d in rows} == {
        (a.pk, receiver.url + "/hook", 1) for a in public
    }
    assert all(d.sent == NOW for d in rows)
    assert report.withheld == 2


def test_signature_is_hmac_of_timestamp_and_body_as_a_receiver_computes_it(receiver, made, secret):
    import hashlib
    import hmac

    run([made["week"]], hook(receiver))
    got = receiver.posts[0]
    h = {k.lower(): v for k, v in got.headers.items()}
    ts = h["x-vigil-timestamp"]
    mac = hmac.new(SECRET.encode(), ts.encode() + b"." + got.body, hashlib.sha256).hexdigest()
    assert h["x-vigil-signature"] == "sha256=" + mac
    assert int(ts) == int(NOW.timestamp())


def test_verify_refuses_an_old_or_unreadable_timestamp():
    body = b'{"alerts": []}'
    signature = P.sign(SECRET, 1000, body)
    assert P.verify(SECRET, "1000", body, signature, tolerance=300, now=1200)
    assert not P.verify(SECRET, "1000", body, signature, tolerance=300, now=1301)
    assert not P.verify(SECRET, "1000", body, signature, tolerance=300, now=699)
    assert not P.verify(SECRET, "soon", body, signature, now=1000)
    assert not P.verify(SECRET, "1000", body, signature.replace("sha256=", ""), now=1000)


def test_a_failed_webhook_is_retried_next_run_and_sent_once(made, receiver, secret):
    settings = hook(receiver)
    receiver.statuses = [500]
    first = run([made["week"]], settings)
    assert not first.ok
    (failed,) = first.errors
    assert (failed.channel, failed.status, failed.detail) == ("webhook", 500, "HTTP 500")
    row = Delivery.objects.get(alert=made["week"], channel="webhook")
    assert (row.sent, row.attempts, row.error) == (None, 1, "HTTP 500")

    # The next run has a new alert of its own: one POST carries both, oldest first.
    later = A.record([week("2026-08-17", 70.0)], now=NOW + dt.timedelta(days=7)).new
    second = run(later, settings)
    assert second.ok, second.lines()
    assert len(receiver.posts) == 2
    keys = [a["key"] for a in json.loads(receiver.posts[1].body)["alerts"]]
    assert keys == [made["week"].key, later[0].key]
    row.refresh_from_db()
    assert (row.sent is not None, row.attempts, row.error) == (True, 2, "")

    # Delivered: never again, whether a later run passes it again or not.
    third = run([made["week"], *later], settings)
    fourth = run([], settings)
    assert len(receiver.posts) == 2
    assert third.skipped["webhook"] == fourth.skipped["webhook"] == "nothing to send"


@override_settings(EMAIL_BACKEND=LOCMEM)
def test_a_superseded_alert_is_not_retried_its_correction_is_sent(made, receiver, secret):
    mail.outbox.clear()
    settings = P.Settings(
        webhook=P.Webhook(url=receiver.url + "/hook"), email=P.Email(to=("a@example.org",))
    )
    receiver.statuses = [503]
    run([made["week"]], settings)
    (old, new) = A.record([week("2026-08-10", 64.0)], now=NOW).corrections[0]
    assert old.pk == made["week"].pk
    run([new], settings)
    sent = json.loads(receiver.posts[1].body)["alerts"]
    assert [a["id"] for a in sent] == [new.pk]
    assert sent[0]["supersedes"]["id"] == old.pk
    assert "Corrects the alert of 2026-08-18 (gained_km2 62.3; lost_km2 1.2)" in (
        mail.outbox[1].body
    )


def test_a_network_error_is_reported_not_raised(made, secret):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = P.Settings(webhook=P.Webhook(url=f"http://127.0.0.1:{port}/hook", timeout=2))
    report = run([made["week"]], settings)
    (failed,) = report.errors
    assert failed.channel == "webhook" and failed.status is None
    assert "\n" not in failed.detail and failed.detail
    row = Delivery.objects.get(alert=made["week"])
    assert row.sent is None and row.error == failed.detail


def test_a_webhook_without_its_secret_is_a_one_line_error(made, receiver, monkeypatch):
    monkeypatch.delenv("VIGIL_WEBHOOK_SECRET", raising=False)
    settings = hook(receiver)
    with pytest.raises(InputError, match="VIGIL_WEBHOOK_SECRET") as caught:
        P.check(settings)
    assert "\n" not in str(caught.value)
    # publish() itself keeps the alert for a run that has the secret
    report = run([made["week"]], settings)
    assert receiver.posts == []
    assert "VIGIL_WEBHOOK_SECRET" in report.errors[0].detail
    assert Delivery.objects.get(alert=made["week"]).sent is None
    monkeypatch.setenv("VIGIL_WEBHOOK_SECRET", SECRET)
    P.check(settings)
    assert run([], settings).ok
    assert [a["key"] for a in json.loads(receiver.posts[0].body)["alerts"]] == [made["week"].key]


def test_the_secret_is_read_from_the_variable_the_settings_name(made, receiver, monkeypatch):
    monkeypatch.setenv("OTHER_SECRET", "other")
    settings = P.Settings(webhook=P.Webhook(url=receiver.url, secret_env="OTHER_SECRET"))
    run([made["week"]], settings)
    got = receiver.posts[0]
    h = {k.lower(): v for k, v in got.headers.items()}
    assert P.verify(
        "other", h["x-vigil-timestamp"], got.body, h["x-vigil-signature"], now=NOW.timestamp()
    )


# The receiver of docs/watch.md ("Verifying it", under "Webhook"), read from the page
# itself: it must accept what Vigil sends, without Vigil installed.
def _receiver_example() -> str:
    """The receiver verification example of docs/watch.md, read from its Python block,
    so that the documented code is the tested code and cannot drift from it."""
    import re  # only here: the rest of the module has no use for it

    text = (Path(__file__).resolve().parents[2] / "docs" / "watch.md").read_text("utf-8")
    blocks = [b for b in re.findall(r"```python\n(.*?)```", text, re.S) if "def is_from_vigil" in b]
    assert len(blocks) == 1, "docs/watch.md: expected one Python block defining is_from_vigil"
    return blocks[0]


RECEIVER_EXAMPLE = _receiver_example()


def test_the_documented_receiver_accepts_what_vigil_sends(made, receiver, secret, monkeypatch):
    run([made["week"]], hook(receiver), now=dt.datetime.now(dt.UTC))
    got = receiver.posts[0]
    space: dict = {}
    exec(RECEIVER_EXAMPLE, space)
    headers = {k.title(): v for k, v in got.headers.items()}
    assert space["is_from_vigil"](headers, got.body)
    assert not space["is_from_vigil"](headers, got.body.replace(b"62.3", b"92.3"))
    monkeypatch.setenv("VIGIL_WEBHOOK_SECRET", "another")
    assert not space["is_from_vigil"](headers, got.body)


def test_settings_and_verify_need_no_django(tmp_path):
    code = (
        "import sys, vigil.watch.publish as p; s = p.Settings();"
        "print(s.webhook.secret_env, p.verify('k', 1, b'x', p.sign('k', 1, b'x'), now=1),"
        " 'django.apps' in sys.modules and __import__('django.apps').apps.ready)"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=env | {"VIGIL_HOME": str(tmp_path)},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["VIGIL_WEBHOOK_SECRET", "True", "False"]


# -- e-mail -----------------------------------------------------------------------------------


@override_settings(EMAIL_BACKEND=LOCMEM, DEFAULT_FROM_EMAIL="vigil@example.org")
def test_one_message_per_address_lists_the_public_alerts(made):
    mail.outbox.clear()
    settings = P.Settings(email=P.Email(to=("a@example.org", "b@example.org")))
    report = run(list(made.values()), settings)
    assert report.ok, report.lines()
    assert [m.to for m in mail.outbox] == [["a@example.org"], ["b@example.org"]]
    msg = mail.outbox[0]
    assert msg.from_email == "vigil@example.org"
    w, c = made["week"], made["open_case"]
    assert msg.subject == f"[Vigil] 2 alerts: {w.title}; {c.title}"
    text = msg.body
    for needle in (w.title, w.body, "gained_km2 62.3", w.command, BASE + w.api, BASE + w.link):
        assert needle in text
    assert c.title in text
    for k in HIDDEN:
        assert made[k].title not in text and made[k].title not in msg.subject
    assert Delivery.objects.filter(channel="email", sent__isnull=False).count() == 4
    # a second run sends nothing more
    again = run(list(made.values()), settings)
    assert len(mail.outbox) == 2 and again.skipped["email"] == "nothing to send"


@override_settings(EMAIL_BACKEND=LOCMEM)
def test_a_new_address_gets_the_new_alerts_only_and_a_long_subject_is_cut(made):
    mail.outbox.clear()
    run([made["week"]], P.Settings(email=P.Email(to=("a@example.org",))))
    titles = [week(f"2026-09-{d:02}", 100.0 + d) for d in range(1, 8)]
    later = A.record(titles, now=NOW).new
    run(later, P.Settings(email=P.Email(to=("a@example.org", "c@example.org"), subject_prefix="")))
    assert [m.to for m in mail.outbox[1:]] == [["a@example.org"], ["c@example.org"]]
    subject = mail.outbox[1].subject
    assert subject.startswith("7 alerts: ") and subject.endswith("…") and len(subject) == 150
    assert made["week"].title not in mail.outbox[2].body


@override_settings(EMAIL_BACKEND=P.NO_MAIL)
def test_email_without_a_mail_server_reports_not_configured(made):
    settings = P.Settings(email=P.Email(to=("a@example.org",)))
    with pytest.raises(InputError, match="VIGIL_EMAIL_HOST"):
        P.check(settings)
    report = run([made["week"]], settings)
    (failed,) = report.errors
    assert "no mail server is configured" in failed.detail
    assert Delivery.objects.get(alert=made["week"]).sent is None


def test_email_settings_come_from_the_environment(tmp_path):
    code = (
        "import vigil.web.settings as s;"
        "print(s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_USE_TLS,"
        " s.EMAIL_HOST_USER, s.EMAIL_HOST_PASSWORD, s.DEFAULT_FROM_EMAIL)"
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_EMAIL_")}
    base["VIGIL_HOME"] = str(tmp_path)

    def settings(**env: str) -> list[str]:
        done = subprocess.run(
            [sys.executable, "-c", code], env=base | env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.split()

    assert settings() == [P.NO_MAIL, "localhost", "25", "False", "vigil@localhost"]
    assert settings(
        VIGIL_EMAIL_HOST="smtp.example.org",
        VIGIL_EMAIL_USE_TLS="1",
        VIGIL_EMAIL_USER="vigil",
        VIGIL_EMAIL_PASSWORD="pw",
        VIGIL_EMAIL_FROM="alerts@example.org",
    ) == [
        "django.core.mail.backends.smtp.EmailBackend",
        "smtp.example.org",
        "587",
        "True",
        "vigil",
        "pw",
        "alerts@example.org",
    ]
    bad = subprocess.run(
        [sys.executable, "-c", code],
        env=base | {"VIGIL_EMAIL_PORT": "smtp"},
        capture_output=True,
        text=True,
    )
    assert bad.returncode != 0 and "VIGIL_EMAIL_PORT" in bad.stderr


# -- the brief ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Five synthetic daily maps (tests/territory/test_cli.py), ingested."""
    from tests.territory.test_cli import write_map
    from vigil.territory.api import Territory

    folder = write_map(tmp_path_factory.mktemp("maps") / "daily")
    store = tmp_path_factory.mktemp("store") / "tiny.sqlite"
    with Territory(store, create=True) as t:
        t.ingest([folder])
    return store


def test_the_brief_is_the_one_the_cli_writes_and_is_replaced_whole(
    db, tiny_store, tmp_path, capsys
):
    from tests.cli_runner import vigil

    cli = tmp_path / "cli" / "brief.md"
    assert vigil(capsys, "territory", "brief", "--store", tiny_store, "-o", cli).code == 0
    out = tmp_path / "site" / "brief.md"
    settings = P.Settings(brief=P.Brief(outputs=(str(out),)))
    report = run([], settings, store=tiny_store, new_maps=True)
    assert report.ok, report.lines()
    assert [(o.channel, o.target, o.detail) for o in report.outcomes] == [
        ("brief", str(out), "written")
    ]
    assert out.read_text(encoding="utf-8") == cli.read_text(encoding="utf-8")
    assert sorted(p.name for p in out.parent.iterdir()) == sorted(
        p.name for p in cli.parent.iterdir()
    )  # the charts beside it, no temporary folder left
    # nothing new: left as it is
    stamp = out.stat().st_mtime_ns
    quiet = run([], settings, store=tiny_store, new_maps=False)
    assert quiet.skipped["brief"].startswith("unchanged") and not quiet.outcomes
    assert out.stat().st_mtime_ns == stamp


def test_a_territory_alert_rewrites_the_brief_and_a_failure_keeps_the_old_one(
    made, tiny_store, tmp_path
):
    out = tmp_path / "brief.html"
    settings = P.Settings(brief=P.Brief(outputs=(str(out),)))
    assert run([made["open_case"]], settings, store=tiny_store).outcomes[0].detail == "written"
    out.write_text("the old brief", encoding="utf-8")
    kept = run([made["open_case"]], settings, store=tiny_store)
    assert kept.skipped["brief"].startswith("unchanged") and not kept.outcomes
    assert run([made["week"]], settings, store=tiny_store).outcomes[0].detail == "written"
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    out.write_text("the old brief", encoding="utf-8")
    broken = run([made["week"]], settings, store=tmp_path / "no-such-store.sqlite")
    (failed,) = broken.errors
    assert failed.channel == "brief" and "\n" not in failed.detail
    assert out.read_text(encoding="utf-8") == "the old brief"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no work folder


def test_a_brief_that_fails_half_way_leaves_the_old_brief_and_charts(
    db, tiny_store, tmp_path, monkeypatch
):
    from vigil.territory import render

    out = tmp_path / "brief.md"
    settings = P.Settings(brief=P.Brief(outputs=(str(out),)))
    assert run([], settings, store=tiny_store, new_maps=True).ok
    for p in tmp_path.iterdir():  # marked, so a redrawn chart (the same bytes) shows
        p.write_bytes(b"the old " + p.name.encode())
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert "brief-weekly.png" in before

    def full(*args: object, **kw: object) -> str:
        raise OSError(28, "No space left on device")  # the charts are drawn by now

    monkeypatch.setattr(render, "brief_markdown", full)
    report = run([], settings, store=tiny_store, new_maps=True)
    assert "No space left on device" in report.errors[0].detail
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


# -- the site's caches ------------------------------------------------------------------------


def test_pages_are_requested_after_new_data_and_failures_reported(db, receiver):
    receiver.missing = {"/hearings/"}
    settings = P.Settings(site=P.Site(url=receiver.url + "/"))
    report = run([], settings, new_maps=True)
    assert [r.path for r in receiver.requests] == ["/", "/figures/", "/alerts/", "/hearings/"]
    assert [(o.target, o.status, o.ok) for o in report.channel("site")] == [
        (receiver.url + p, 404 if p == "/hearings/" else 200, p != "/hearings/")
        for p in ("/", "/figures/", "/alerts/", "/hearings/")
    ]
    assert all(o.seconds is not None and o.seconds >= 0 for o in report.channel("site"))
    # nothing new: no request
    assert run([], settings).skipped["site"].startswith("nothing new")
    assert len(receiver.requests) == 4


# -- dry run ------------------------------------------------------------------------------------


@override_settings(EMAIL_BACKEND=LOCMEM)
def test_a_dry_run_sends_writes_and_records_nothing(made, receiver, secret, tiny_store, tmp_path):
    mail.outbox.clear()
    out = tmp_path / "brief.md"
    settings = P.Settings(
        webhook=P.Webhook(url=receiver.url + "/hook"),
        email=P.Email(to=("a@example.org",)),
        brief=P.Brief(outputs=(str(out),)),
        site=P.Site(url=receiver.url),
    )
    # a correction and a new alert as a dry run of record() gives them: unsaved
    planned = A.record([week("2026-08-10", 65.0), week("2026-08-24", 80.0)], now=NOW, dry_run=True)
    alerts = [*made.values(), *planned.alerts]
    count = Alert.objects.count()
    report = run(alerts, settings, store=tiny_store, new_maps=True, dry_run=True)
    assert report.ok and report.dry_run
    assert receiver.requests == [] and mail.outbox == [] and not out.exists()
    assert Delivery.objects.count() == 0 and Alert.objects.count() == count
    assert all(a.pk is None for a in planned.alerts)
    wanted = [made["week"].key, made["open_case"].key, *(a.key for a in planned.alerts)]
    by = {o.channel: o for o in report.outcomes}
    assert sorted(by["webhook"].alerts) == sorted(wanted)
    assert by["webhook"].detail == "would POST" and by["email"].detail == "would send"
    assert by["brief"].detail == "would write"
    assert [o.detail for o in report.channel("site")] == ["would GET"] * 4
    assert report.withheld == 2


def test_nothing_configured_is_said_per_channel(made):
    report = run(list(made.values()), P.Settings())
    assert report.outcomes == [] and report.ok
    assert set(report.skipped) == {"webhook", "email", "brief", "site"}
    assert all(why.startswith("off") for why in report.skipped.values())


def test_report_lines_name_each_target(made, receiver, secret):
    report = run([made["week"]], hook(receiver))
    assert report.lines()[0].startswith(f"webhook: 1 alert(s) {receiver.url}/hook: HTTP 200")
