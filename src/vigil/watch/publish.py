"""Publishing a run's alerts: a signed JSON webhook, e-mail, the written brief, the
site's caches.

**Who reads.** Every channel speaks to the public: it sends only what
:func:`vigil.watch.alerts.visible` returns for ``Level.PUBLIC`` (an internal "fetch
failed" alert, or one resting on a hearing made restricted, goes nowhere).

**Once, and again until it arrives.** Each alert sent to a target (the webhook's URL,
an address) is a :class:`~vigil.watch.models.Delivery`. A target is sent the alerts of
this run plus every alert whose earlier delivery to it failed (a ``Delivery`` whose
``sent`` is empty), as long as that alert is still current and public; never an alert
already delivered to it. A failed channel (a receiver answering 500, a network error, a
mail server refusing) is reported, does not stop the others, does not fail the run, and
is retried at the next run.

**The brief** is regenerated as ``vigil territory brief -o PATH`` would write it, when
the run brought new maps or a territory alert (or the file is missing), written beside
the old one and renamed over it, so a reader never sees half a brief.

**The site's caches** need no flushing: their keys hold the store's content version
(:func:`vigil.web.territory.version`), so new data make new keys. After new data the
pages in :class:`Site` are requested once, so the first reader does not pay for them.

**A receiver verifies the webhook** with :func:`verify` (docs/watch.md shows the ten
lines it takes without Vigil).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import json
import os
import shutil
import tempfile
import textwrap
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vigil.cases.levels import Level
from vigil.errors import InputError, VigilError

if TYPE_CHECKING:  # importable without Django (the configuration, a receiver's verify)
    from vigil.watch.models import Alert

#: The reader every channel speaks to.
READER = Level.PUBLIC
#: The mail backend web/settings.py sets when no mail server is configured.
NO_MAIL = "django.core.mail.backends.dummy.EmailBackend"
#: How old a webhook's timestamp may be, by default, when a receiver checks it (seconds).
TOLERANCE = 300


# -- settings ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Webhook:
    """POST the alerts as signed JSON to ``url`` (empty: off). The HMAC key is read from
    the environment variable ``secret_env``, never from the configuration file."""

    url: str = ""
    secret_env: str = "VIGIL_WEBHOOK_SECRET"
    timeout: float = 10


@dataclass(frozen=True)
class Email:
    """One message per run to each address of ``to`` (empty: off), through Django's
    mail settings (web/settings.py reads them from ``VIGIL_EMAIL_*``)."""

    to: tuple[str, ...] = ()
    subject_prefix: str = "[Vigil] "


@dataclass(frozen=True)
class Brief:
    """Briefs (``.md`` or ``.html``) rewritten when new maps or territory alerts come;
    ``source``: the store's source to brief (None: its default, as the CLI)."""

    outputs: tuple[str, ...] = ()
    source: str | None = None


@dataclass(frozen=True)
class Site:
    """The running site (``url`` empty: off) whose ``paths`` are requested after new
    data, so that its caches are warm."""

    url: str = ""
    paths: tuple[str, ...] = ("/", "/figures/", "/alerts/", "/hearings/")
    timeout: float = 60


@dataclass(frozen=True)
class Settings:
    """The ``[publish.*]`` sections of the watch configuration."""

    webhook: Webhook = field(default_factory=Webhook)
    email: Email = field(default_factory=Email)
    brief: Brief = field(default_factory=Brief)
    site: Site = field(default_factory=Site)


def check(settings: Settings) -> None:
    """Stop on a configuration no run could publish with (one line, naming what to set):
    a webhook URL without its secret, addresses without a mail server. ``vigil watch``
    calls it before a run; :func:`publish` itself only reports these, and keeps the
    alerts for a later run."""
    problem = _webhook_problem(settings.webhook) or _email_problem(settings.email)
    if problem:
        raise InputError(problem)


def _webhook_problem(hook: Webhook) -> str:
    if hook.url and not os.environ.get(hook.secret_env):
        return (
            f"publish.webhook.url is set but the environment variable {hook.secret_env}"
            " (the webhook's HMAC secret) is not"
        )
    return ""


def _email_problem(mail: Email) -> str:
    from django.conf import settings

    if mail.to and settings.EMAIL_BACKEND == NO_MAIL:
        return (
            "publish.email.to is set but no mail server is configured"
            " (set VIGIL_EMAIL_HOST, docs/watch.md)"
        )
    return ""


# -- the report ---------------------------------------------------------------------------


@dataclass
class Outcome:
    """What one channel did (or, in a dry run, would do) for one target."""

    channel: str  # webhook, email, brief, site
    target: str  # the URL, the address, the file
    ok: bool
    detail: str  # "HTTP 200", "would send", the error
    alerts: list[str] = field(default_factory=list)  # keys of the alerts sent
    status: int | None = None  # HTTP status (webhook, site)
    seconds: float | None = None

    def line(self) -> str:
        what = f"{len(self.alerts)} alert(s) " if self.alerts else ""
        took = f" in {self.seconds:.2f} s" if self.seconds is not None else ""
        mark = "" if self.ok else "FAILED "
        return f"{self.channel}: {mark}{what}{self.target}: {self.detail}{took}"


@dataclass
class PublishReport:
    """Per channel, what was (or would be) sent and written, and what failed."""

    dry_run: bool = False
    alerts: list[Alert] = field(default_factory=list)  # public alerts of this run
    withheld: int = 0  # alerts of this run no public reader may see
    outcomes: list[Outcome] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # channel -> why nothing

    @property
    def errors(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.ok]

    @property
    def ok(self) -> bool:
        return not self.errors

    def channel(self, name: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.channel == name]

    def lines(self) -> list[str]:
        """The report as lines for a person (the run's output)."""
        out = [o.line() for o in self.outcomes]
        out += [f"{name}: {why}" for name, why in self.skipped.items()]
        if self.withheld:
            out.append(f"{self.withheld} alert(s) not public: sent nowhere")
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "alerts": [a.key for a in self.alerts],
            "withheld": self.withheld,
            "outcomes": [o.__dict__ for o in self.outcomes],
            "skipped": self.skipped,
        }


# -- publishing -----------------------------------------------------------------------------


def publish(
    alerts: Sequence[Alert],
    settings: Settings,
    *,
    base_url: str,
    store: Path | None,
    new_maps: bool,
    dry_run: bool = False,
    now: dt.datetime | None = None,
) -> PublishReport:
    """Publish this run's ``alerts`` on every configured channel (see the module's
    docstring); never raises for a channel that fails: the report says so.

    ``base_url`` begins the links (the site's public address); ``store`` is the
    territory store the brief reads (None: the default, as the CLI). ``dry_run``
    reports what would be sent and written, to whom, and sends, writes and records
    nothing (``alerts`` may then be the unsaved ones of ``record(..., dry_run=True)``).
    """
    from django.utils import timezone

    now = now or timezone.now()
    report = PublishReport(dry_run=dry_run)
    public = _public(alerts)
    report.alerts = [a for a in alerts if _ident(a) in {_ident(p) for p in public}]
    report.withheld = len(alerts) - len(report.alerts)

    targets = _targets(settings)
    due = _due(report.alerts, targets)

    if settings.webhook.url:
        batch = due[("webhook", settings.webhook.url)]
        if batch:
            outcome = _webhook(batch, settings.webhook, base_url, now, dry_run)
            report.outcomes.append(outcome)
            if not dry_run:
                _record(batch, "webhook", settings.webhook.url, outcome, now)
        else:
            report.skipped["webhook"] = "nothing to send"
    else:
        report.skipped["webhook"] = "off (no publish.webhook.url)"

    if settings.email.to:
        batches = {address: due[("email", address)] for address in settings.email.to}
        if any(batches.values()):
            for outcome, batch in _email(batches, settings.email, base_url, now, dry_run):
                report.outcomes.append(outcome)
                if not dry_run:
                    _record(batch, "email", outcome.target, outcome, now)
        else:
            report.skipped["email"] = "nothing to send"
    else:
        report.skipped["email"] = "off (no publish.email.to)"

    territory = any(a.topic == "territory" for a in report.alerts)
    if settings.brief.outputs:
        for output in settings.brief.outputs:
            path = Path(output)
            if new_maps or territory or not path.exists():
                report.outcomes.append(_brief(path, store, settings.brief.source, dry_run))
            else:  # nothing done: not an outcome (the run's summary counts outcomes)
                report.skipped["brief"] = "unchanged (no new maps, no territory alert)"
    else:
        report.skipped["brief"] = "off (no publish.brief.outputs)"

    if settings.site.url:
        if new_maps or report.alerts:
            report.outcomes += _warm(settings.site, dry_run)
        else:
            report.skipped["site"] = "nothing new: caches left as they are"
    else:
        report.skipped["site"] = "off (no publish.site.url)"
    return report


def _ident(alert: Alert) -> object:
    """An alert's identity, saved or not (a dry run's alerts have no key in the database)."""
    return alert.pk if alert.pk is not None else id(alert)


def _public(alerts: Sequence[Alert]) -> list[Alert]:
    """The ``alerts`` a public reader may see, as :func:`alerts.visible` decides.

    Unsaved alerts (a dry run's) are saved for the question inside a transaction that is
    rolled back, so that the one read rule decides them too; as copies not ``current``,
    which no other alert's key can conflict with.
    """
    from django.db import transaction

    from vigil.watch import alerts as A
    from vigil.watch.models import Alert

    saved = [a for a in alerts if a.pk is not None]
    unsaved = [a for a in alerts if a.pk is None]
    if not unsaved:
        return A.visible(READER, Alert.objects.filter(pk__in=[a.pk for a in saved]))
    with transaction.atomic():
        copies: dict[int, Alert] = {}
        for a in unsaved:
            values = {
                f.attname: getattr(a, f.attname)
                for f in Alert._meta.concrete_fields
                if not f.primary_key
            }
            copy = Alert(**{**values, "current": False, "run_id": None, "supersedes_id": None})
            copy.save()
            copies[copy.pk] = a
        shown = A.visible(READER, Alert.objects.filter(pk__in=[*copies, *(a.pk for a in saved)]))
        transaction.set_rollback(True)
    by_pk = {a.pk: a for a in saved}
    return [copies.get(a.pk) or by_pk[a.pk] for a in shown]


def _targets(settings: Settings) -> list[tuple[str, str]]:
    """(channel, target) of every delivery a public alert is owed."""
    targets = [("webhook", settings.webhook.url)] if settings.webhook.url else []
    return targets + [("email", address) for address in settings.email.to]


def claim(alerts: list[Alert], settings: Settings) -> int:
    """Owe each public alert of ``alerts`` a delivery to every target: a Delivery row not
    yet sent, made in the transaction that stores the alerts (``vigil watch`` calls it
    there). Then an alert recorded by a run that died before or while publishing is still
    sent, by the next run (which retries every delivery not sent): at least once. The
    number of rows made."""
    from vigil.watch.models import Delivery

    targets = _targets(settings)
    saved = [a for a in alerts if a.pk is not None]
    if not targets or not saved:
        return 0
    public = _public(saved)
    rows = [Delivery(alert=a, channel=c, target=t) for a in public for c, t in targets]
    return len(Delivery.objects.bulk_create(rows, ignore_conflicts=True))


def _due(run_alerts: list[Alert], targets: list[tuple[str, str]]) -> dict[tuple[str, str], list]:
    """Per (channel, target): this run's public alerts not yet delivered there, plus the
    still current, still public alerts whose delivery there failed before; oldest first."""
    from django.db.models import Q

    from vigil.watch import alerts as A
    from vigil.watch.models import Alert, Delivery

    if not targets:
        return {}
    pending: dict[tuple[str, str], set[int]] = {t: set() for t in targets}
    sent: dict[tuple[str, str], set[int]] = {t: set() for t in targets}
    run_pks = [a.pk for a in run_alerts if a.pk is not None]
    rows = Delivery.objects.filter(
        Q(sent__isnull=True, alert__current=True) | Q(alert_id__in=run_pks),
        channel__in={c for c, _ in targets},
        target__in={t for _, t in targets},
    )
    for channel, target, alert_id, when in rows.values_list(
        "channel", "target", "alert_id", "sent"
    ):
        if (channel, target) in pending:
            (sent if when is not None else pending)[(channel, target)].add(alert_id)
    retry = set().union(*pending.values()) - set(run_pks)
    older = A.visible(READER, Alert.objects.filter(pk__in=retry)) if retry else []
    out: dict[tuple[str, str], list] = {}
    for t in targets:
        batch = [a for a in run_alerts if a.pk is None or a.pk not in sent[t]]
        batch += [a for a in older if a.pk in pending[t]]
        out[t] = sorted(batch, key=lambda a: (a.created, a.pk or 0))
    return out


def _record(batch: list[Alert], channel: str, target: str, outcome: Outcome, now: Any) -> None:
    """One Delivery per alert and target: sent now, or failed with the reason."""
    from django.db import transaction

    from vigil.watch.models import Delivery

    with transaction.atomic():
        for alert in batch:
            row, _ = Delivery.objects.get_or_create(alert=alert, channel=channel, target=target)
            row.attempts = min(row.attempts + 1, 32767)
            row.sent = now if outcome.ok else None
            row.error = "" if outcome.ok else outcome.detail[:2000]
            row.save()


# -- webhook --------------------------------------------------------------------------------


def sign(secret: str | bytes, timestamp: str | int, body: bytes) -> str:
    """The X-Vigil-Signature of ``body`` sent at ``timestamp`` (Unix seconds):
    ``sha256=`` and the hex HMAC-SHA256, keyed with ``secret``, of ``"<timestamp>." + body``
    (the timestamp is signed so a captured request cannot be replayed later)."""
    key = secret.encode() if isinstance(secret, str) else secret
    digest = hmac.new(key, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(
    secret: str | bytes,
    timestamp: str | int,
    body: bytes,
    signature: str,
    tolerance: float = TOLERANCE,
    *,
    now: float | None = None,
) -> bool:
    """Whether a webhook request is Vigil's: ``signature`` (the X-Vigil-Signature
    header) matches ``body`` (the raw bytes received) and ``timestamp`` (the
    X-Vigil-Timestamp header), which lies within ``tolerance`` seconds of ``now``
    (default: the clock). Compared in constant time."""
    try:
        sent = int(str(timestamp).strip())
    except ValueError:
        return False
    clock = time.time() if now is None else now
    if abs(clock - sent) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, sent, body), str(signature).strip())


def payload(batch: Iterable[Alert], base_url: str, now: dt.datetime) -> bytes:
    """The webhook's body: the alerts as the API shows them, when, and Vigil's version."""
    from vigil import __version__
    from vigil.watch import alerts as A

    data = {
        "alerts": [A.as_json(a, base_url) for a in batch],
        "sent": now.isoformat(),
        "vigil": __version__,
    }
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


def _webhook(
    batch: list[Alert], hook: Webhook, base_url: str, now: dt.datetime, dry_run: bool
) -> Outcome:
    keys = [a.key for a in batch]
    problem = _webhook_problem(hook)
    if dry_run:
        detail = f"would POST ({problem})" if problem else "would POST"
        return Outcome("webhook", hook.url, not problem, detail, keys)
    if problem:
        return Outcome("webhook", hook.url, False, problem, keys)
    import requests

    body = payload(batch, base_url, now)
    stamp = str(int(now.timestamp()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": _agent(),
        "X-Vigil-Event": "alerts",
        "X-Vigil-Delivery": str(uuid.uuid4()),
        "X-Vigil-Timestamp": stamp,
        "X-Vigil-Signature": sign(os.environ[hook.secret_env], stamp, body),
    }
    began = time.perf_counter()
    try:
        answer = requests.post(hook.url, data=body, headers=headers, timeout=hook.timeout)
    except requests.RequestException as exc:
        return Outcome(
            "webhook", hook.url, False, _one_line(exc), keys, seconds=time.perf_counter() - began
        )
    took = time.perf_counter() - began
    ok = 200 <= answer.status_code < 300
    return Outcome(
        "webhook", hook.url, ok, f"HTTP {answer.status_code}", keys, answer.status_code, took
    )


def _agent() -> str:
    from vigil import __version__

    return f"Vigil/{__version__} (vigil watch)"


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:500]


# -- e-mail ---------------------------------------------------------------------------------


def subject(batch: Sequence[Alert], prefix: str = "[Vigil] ", width: int = 150) -> str:
    """``[Vigil] 3 alerts: first title; second title; …`` on one line, cut to ``width``."""
    n = len(batch)
    head = f"{prefix}{n} alert{'s' if n != 1 else ''}: "
    titles = "; ".join(" ".join(a.title.split()) for a in batch)
    text = head + titles
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def message_text(batch: Sequence[Alert], base_url: str, now: dt.datetime) -> str:
    """The plain-text e-mail: per alert its title, text, figures, how to reproduce them
    and its page."""
    from vigil.watch import alerts as A

    n = len(batch)
    lines = [f"Vigil: {n} alert{'s' if n != 1 else ''}, {now:%Y-%m-%d %H:%M} UTC", ""]
    for i, alert in enumerate(batch, 1):
        lines.append(f"{i}. {alert.title}")
        if alert.body:
            lines += textwrap.wrap(alert.body, 76, initial_indent="   ", subsequent_indent="   ")
        if alert.figures:
            lines.append("   Figures: " + "; ".join(f"{k} {v}" for k, v in alert.figures.items()))
        old = alert.supersedes
        if old is not None:
            was = "; ".join(f"{k} {v}" for k, v in old.figures.items())
            lines.append(f"   Corrects the alert of {old.created:%Y-%m-%d} ({was})")
        how = A.reproduce(alert, base_url)
        if how["command"]:
            lines.append(f"   Reproduce: {how['command']}")
        if how["api"]:
            lines.append(f"   API: {how['api']}")
        if how["page"]:
            lines.append(f"   Page: {how['page']}")
        lines.append("")
    lines.append(
        "-- \nSent by `vigil watch` to the addresses of its configuration ([publish.email] to)."
    )
    return "\n".join(lines) + "\n"


def _email(
    batches: dict[str, list[Alert]], mail: Email, base_url: str, now: dt.datetime, dry_run: bool
) -> list[tuple[Outcome, list[Alert]]]:
    """One message per address (no address sees another), over one connection."""
    from django.core.mail import EmailMessage, get_connection

    todo = [(address, batch) for address, batch in batches.items() if batch]
    problem = _email_problem(mail)
    if dry_run or problem:
        detail = "would send" if dry_run else "not sent"
        detail += f" ({problem})" if problem else ""
        return [
            (Outcome("email", address, not problem, detail, [a.key for a in b]), b)
            for address, b in todo
        ]
    out: list[tuple[Outcome, list[Alert]]] = []
    try:
        connection = get_connection()
        connection.open()
    except Exception as exc:  # the mail server: any failure is reported, none raised
        return [
            (Outcome("email", a, False, _one_line(exc), [x.key for x in b]), b) for a, b in todo
        ]
    try:
        for address, batch in todo:
            msg = EmailMessage(
                subject(batch, mail.subject_prefix),
                message_text(batch, base_url, now),
                to=[address],
                connection=connection,
            )
            began = time.perf_counter()
            try:
                msg.send()
                outcome = Outcome("email", address, True, "sent", [a.key for a in batch])
            except Exception as exc:  # a refused address fails alone
                outcome = Outcome("email", address, False, _one_line(exc), [a.key for a in batch])
            outcome.seconds = time.perf_counter() - began
            out.append((outcome, batch))
    finally:
        with contextlib.suppress(Exception):  # closing a broken connection: nothing to say
            connection.close()
    return out


# -- the brief ------------------------------------------------------------------------------


def write_brief(path: Path, store: Path | None, source: str | None = None) -> Path:
    """Write the brief ``vigil territory brief -o PATH --store STORE`` writes, atomically:
    drawn in a new folder beside ``path`` and renamed into place, the charts first and
    the brief last; the old brief stays whole until then, and if anything fails."""
    from vigil.territory import render
    from vigil.territory.api import Territory
    from vigil.territory.brief import brief_data

    path = Path(path)
    if path.suffix.lower() not in (".md", ".html", ".htm"):
        raise InputError(f"{path}: expected a .md or .html file name")
    path.parent.mkdir(parents=True, exist_ok=True)
    with Territory(store) as t:
        data = brief_data(t, source=source)
    work = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    try:
        drawn = render.write_brief(data, work / path.name)
        for part in sorted(work.iterdir()):
            if part != drawn:
                os.replace(part, path.parent / part.name)
        os.replace(drawn, path)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return path


def _brief(path: Path, store: Path | None, source: str | None, dry_run: bool) -> Outcome:
    if dry_run:
        return Outcome("brief", str(path), True, "would write")
    began = time.perf_counter()
    try:
        write_brief(path, store, source)
    except Exception as exc:  # a brief that fails must not stop the other channels
        detail = _one_line(exc)
        if not isinstance(exc, (VigilError, OSError)):  # not the user's: name the error
            detail = f"{type(exc).__name__}: {detail}"
        return Outcome("brief", str(path), False, detail, seconds=time.perf_counter() - began)
    return Outcome("brief", str(path), True, "written", seconds=time.perf_counter() - began)


# -- the site's caches ----------------------------------------------------------------------


def _warm(site: Site, dry_run: bool) -> list[Outcome]:
    """GET each page once (the caches' keys already hold the new content version)."""
    base = site.url.rstrip("/")
    urls = [base + ("/" + p.lstrip("/")) for p in site.paths]
    if dry_run:
        return [Outcome("site", url, True, "would GET") for url in urls]
    import requests

    out: list[Outcome] = []
    with requests.Session() as session:
        session.headers["User-Agent"] = _agent()
        for url in urls:
            began = time.perf_counter()
            try:
                answer = session.get(url, timeout=site.timeout)
                answer.content  # noqa: B018  (the whole page: the server renders it all)
            except requests.RequestException as exc:
                out.append(
                    Outcome("site", url, False, _one_line(exc), seconds=time.perf_counter() - began)
                )
                continue
            ok = 200 <= answer.status_code < 300
            out.append(
                Outcome(
                    "site",
                    url,
                    ok,
                    f"HTTP {answer.status_code}",
                    status=answer.status_code,
                    seconds=time.perf_counter() - began,
                )
            )
    return out
