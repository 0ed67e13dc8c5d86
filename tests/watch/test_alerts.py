"""Alerts are stored once, corrected visibly, and read through one rule
(vigil.watch.alerts): the same event never alerts twice; other figures supersede;
a condition alerts once while it lasts; a reader sees an alert only when the policy
lets them see its level and every registry record and column it rests on."""

from __future__ import annotations

import datetime as dt

import pytest

from vigil.cases.levels import Level
from vigil.watch import alerts
from vigil.watch.alerts import Candidate

P, INT, R = Level.PUBLIC, Level.INTERNAL, Level.RESTRICTED
NOW = dt.datetime(2026, 12, 2, 12, tzinfo=dt.UTC)


def week(gained: float, *, notable: bool = True, title: str = "") -> Candidate:
    return Candidate(
        key="territory:week_gain:demo:2026-11-23",
        topic="territory",
        kind="week_gain",
        title=title or f"{gained} km² gained",
        figures={"gained_km2": gained, "period": "2026-11-23"},
        source="demo",
        notable=notable,
    )


def test_the_same_event_is_stored_once(registry):
    first = alerts.record([week(212.4)], now=NOW)
    again = alerts.record([week(212.4, title="reworded")], now=NOW)
    assert len(first.new) == 1 and again.new == [] and again.corrections == []
    assert again.unchanged == 1
    assert alerts.Alert.objects.count() == 1


def test_other_figures_supersede_and_the_old_alert_stays_marked(registry):
    old = alerts.record([week(212.4)], now=NOW).new[0]
    made = alerts.record([week(198.0)], now=NOW + dt.timedelta(hours=1))
    assert made.new == [] and len(made.corrections) == 1
    was, new = made.corrections[0]
    assert was.pk == old.pk and new.supersedes_id == old.pk
    old.refresh_from_db()
    assert not old.current and new.current
    assert list(alerts.Alert.objects.filter(current=True)) == [new]
    # a reverted figure is a correction again, not the first alert coming back
    back = alerts.record([week(212.4)], now=NOW + dt.timedelta(hours=2))
    assert len(back.corrections) == 1 and back.corrections[0][0].pk == new.pk
    assert alerts.Alert.objects.count() == 3


def test_a_figure_under_the_threshold_only_corrects(registry):
    assert alerts.record([week(12.0, notable=False)], now=NOW).skipped == 1
    assert alerts.Alert.objects.count() == 0
    alerts.record([week(212.4)], now=NOW)
    fell = alerts.record([week(12.0, notable=False)], now=NOW)
    assert len(fell.corrections) == 1  # the alert said 212.4: the correction must show


def test_a_dry_run_stores_nothing(registry):
    made = alerts.record([week(212.4)], now=NOW, dry_run=True)
    assert len(made.new) == 1 and made.new[0].pk is None
    assert alerts.Alert.objects.count() == 0


def test_a_condition_alerts_once_while_it_lasts(registry):
    failed = Candidate(
        key="system:fetch_failed:demo",
        topic="system",
        kind="fetch_failed",
        title="fetch failed",
        source="demo",
        level=INT,
    )
    assert alerts.raise_condition(failed, now=NOW) is not None
    assert alerts.raise_condition(failed, now=NOW + dt.timedelta(hours=1)) is None
    assert alerts.Alert.objects.count() == 1
    assert alerts.resolve_conditions("fetch_failed", "demo", now=NOW) == 1
    again = alerts.raise_condition(failed, now=NOW + dt.timedelta(days=1))
    assert again is not None and alerts.Alert.objects.count() == 2


@pytest.mark.parametrize(
    ("reader", "seen"),
    [(P, {"public", "refs-public"}), (INT, {"public", "refs-public", "internal"})],
)
def test_readers_see_what_the_policy_lets_them_see(sample, reader, seen):
    from vigil.cases import models as m

    c1 = m.Case.objects.get(ref="C1")
    hidden = m.Hearing.objects.create(case=c1, date="2026-12-20", kind="appeal", visibility=R)
    public = m.Hearing.objects.get(case=c1, date="2026-12-02")
    made = alerts.record(
        [
            Candidate(key="public", topic="territory", kind="k", title="public"),
            Candidate(key="internal", topic="system", kind="k", title="internal", level=INT),
            Candidate(
                key="refs-public",
                topic="cases",
                kind="k",
                title="refs-public",
                refs=[("Hearing", public.pk, ("date",)), ("Case", c1.pk, ("title",))],
            ),
            Candidate(
                key="refs-restricted",
                topic="cases",
                kind="k",
                title="refs-restricted",
                refs=[("Hearing", hidden.pk, ("date",))],
            ),
        ],
        now=NOW,
    )
    assert len(made.new) == 4
    assert {a.key for a in alerts.visible(reader)} == seen


def test_an_alert_hides_when_what_it_rests_on_is_hidden_later(sample):
    from vigil.cases import models as m

    c1 = m.Case.objects.get(ref="C1")
    alerts.record(
        [
            Candidate(
                key="k", topic="cases", kind="k", title="t", refs=[("Case", c1.pk, ("title",))]
            )
        ],
        now=NOW,
    )
    assert [a.key for a in alerts.visible(P)] == ["k"]
    c1.field_visibility = {"title": "restricted"}
    c1.save()
    assert alerts.visible(P) == []  # the title it quotes is no longer public
    assert [a.key for a in alerts.visible(R)] == ["k"]
    c1.field_visibility = {}
    c1.visibility = int(INT)
    c1.save()
    assert alerts.visible(P) == []
    assert [a.key for a in alerts.visible(INT)] == ["k"]


def test_a_ref_to_something_that_is_not_a_registry_record_is_never_shown(registry):
    alerts.record(
        [Candidate(key="k", topic="cases", kind="k", title="t", refs=[("User", 1, ())])],
        now=NOW,
    )
    assert alerts.visible(R) == []


def test_as_json_says_how_to_reproduce_and_what_it_corrects(registry):
    alerts.record([week(212.4)], now=NOW)
    c = week(198.0)
    c = Candidate(**{**c.__dict__, "api": "/api/territory/change?from=a", "link": "/figures/"})
    new = alerts.record([c], now=NOW).corrections[0][1]
    data = alerts.as_json(new, "https://vigil.example.org/")
    assert data["reproduce"]["api"] == "https://vigil.example.org/api/territory/change?from=a"
    assert data["reproduce"]["page"] == "https://vigil.example.org/figures/"
    assert data["supersedes"]["figures"]["gained_km2"] == 212.4
    assert data["figures"]["gained_km2"] == 198.0


def test_as_json_never_describes_a_corrected_alert_the_reader_may_not_see(sample):
    """A webhook or e-mail (public reader) names the alert a correction replaces only
    when that one is still readable: it may quote a record hidden since."""
    from vigil.cases import models as m

    c1 = m.Case.objects.get(ref="C1")
    old = Candidate(
        key="k",
        topic="cases",
        kind="k",
        title="about SECRET-TITLE",
        figures={"n": 1},
        refs=[("Case", c1.pk, ("title",))],
    )
    alerts.record([old], now=NOW)
    new = alerts.record([Candidate(key="k", topic="cases", kind="k", title="t", figures={"n": 2})])
    fresh = new.corrections[0][1]
    assert alerts.as_json(fresh)["supersedes"]["title"] == "about SECRET-TITLE"
    c1.visibility = int(R)
    c1.save()
    shown = alerts.as_json(fresh)
    assert shown["supersedes"] == {"id": None, "title": None, "figures": None, "created": None}
    assert "SECRET-TITLE" not in str(shown)
    assert alerts.as_json(fresh, who=R)["supersedes"]["title"] == "about SECRET-TITLE"


def test_the_cli_lists_alerts_by_the_same_rule_and_the_runs(sample, capsys):
    import json

    from tests.cli_runner import vigil
    from vigil.cases import models as m
    from vigil.watch.models import Run

    hidden = m.Hearing.objects.create(
        case=m.Case.objects.get(ref="C1"), date="2026-12-20", kind="appeal", visibility=R
    )
    alerts.record(
        [
            week(212.4),
            Candidate(key="sys", topic="system", kind="fetch_failed", title="down", level=INT),
            Candidate(
                key="r", topic="cases", kind="k", title="r", refs=[("Hearing", hidden.pk, ())]
            ),
        ],
        now=NOW,
    )
    alerts.record([week(198.0)], now=NOW + dt.timedelta(hours=1))
    Run.objects.create(status="failed", error="fetch: no directory /srv/mirror", downloaded=3)

    def listed(*args: str) -> list[dict]:
        result = vigil(capsys, "watch", "alerts", "--format", "json", *args)
        assert result.code == 0, result.err
        return json.loads(result.out)

    assert [(a["kind"], a["title"]) for a in listed()] == [("week_gain", "198.0 km² gained")]
    assert {a["title"] for a in listed("--level", "internal")} == {"198.0 km² gained", "down"}
    assert {a["title"] for a in listed("--level", "restricted")} == {
        "198.0 km² gained",
        "down",
        "r",
    }
    every = listed("--superseded")
    assert [a["title"] for a in every] == ["198.0 km² gained", "212.4 km² gained"]
    assert every[0]["corrects"] == every[1]["id"]
    assert listed("--topic", "cases", "--level", "restricted")[0]["title"] == "r"
    bad = vigil(capsys, "watch", "alerts", "--topic", "weather")
    assert bad.code == 2 and "territory, cases, system" in bad.err
    runs = vigil(capsys, "watch", "runs", "--format", "json")
    assert runs.code == 0, runs.err
    (run,) = json.loads(runs.out)
    assert run["status"] == "failed" and run["error"] == "fetch: no directory /srv/mirror"
