"""The registry's alert rules (vigil.watch.case_rules) over simulated days: each event
alerts once however often `vigil watch` runs; nothing above public ever enters an
alert; an alert is hidden when a record it rests on is hidden later; a hearing moved to
another day is a new event; a corrected list supersedes its alert.

The registry is tests/cases/test_calendar.py's :func:`build` (records at every level);
expected alerts are written by hand from it.
"""

from __future__ import annotations

import datetime as dt
import json
import shlex
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from tests.cases.test_calendar import HIDDEN, Registry, build, strings
from tests.cli_runner import vigil
from vigil.cases.levels import Level
from vigil.watch import alerts, case_rules
from vigil.watch.alerts import Candidate
from vigil.watch.case_rules import HearingPassed, HearingSoon, Release, Settings
from vigil.watch.models import Alert

P, INT, R = Level.PUBLIC, Level.INTERNAL, Level.RESTRICTED
DEC1 = dt.date(2026, 12, 1)


@pytest.fixture
def reg(registry: Any) -> Registry:
    return build()


#: The rules without their default age limit (90 days): this registry's first list is
#: older, and these tests follow every event (the limit has its own test).
NO_LIMIT = Settings(
    hearing_passed=HearingPassed(max_age_days=None), release=Release(max_age_days=None)
)


def evaluate(today: dt.date, settings: Settings | None = None) -> list[Candidate]:
    return case_rules.evaluate(settings or NO_LIMIT, today=today)


def run(today: dt.date, settings: Settings | None = None) -> alerts.Recorded:
    """One `vigil watch` run's registry part on ``today``: evaluate, record."""
    now = dt.datetime.combine(today, dt.time(6), tzinfo=dt.UTC)
    return alerts.record(evaluate(today, settings), now=now)


def by_key(candidates: list[Candidate]) -> dict[str, Candidate]:
    return {c.key: c for c in candidates}


def passed(reg: Registry, label: str) -> str:
    return f"cases:hearing_passed:hearing:{reg.hearings[label].pk}"


def soon(reg: Registry, label: str, day: str) -> str:
    return f"cases:hearing_soon:hearing:{reg.hearings[label].pk}:{day}"


def release(reg: Registry, label: str) -> str:
    return f"cases:release:{reg.releases[label].pk}"


# -- once ------------------------------------------------------------------------------------


def test_each_event_alerts_once_over_ten_simulated_days(reg: Registry) -> None:
    first = run(DEC1)
    assert {a.key for a in first.new} == {
        passed(reg, "nov20"),  # 20 November + 1 day of grace < 1 December
        soon(reg, "dec2", "2026-12-02"),
        soon(reg, "ch", "2026-12-04"),
        release(reg, "L1"),
        release(reg, "L2"),
    }
    again = run(DEC1)
    assert again.new == [] and again.corrections == [] and again.unchanged == 5
    for day in range(2, 11):
        run(dt.date(2026, 12, day))
        run(dt.date(2026, 12, day))  # a second run the same day changes nothing
    keys = list(Alert.objects.values_list("key", flat=True))
    assert sorted(keys) == sorted(
        [
            passed(reg, "nov20"),
            passed(reg, "dec2"),  # from 4 December
            passed(reg, "ch"),  # from 6 December
            soon(reg, "dec2", "2026-12-02"),
            soon(reg, "ch", "2026-12-04"),
            release(reg, "L1"),
            release(reg, "L2"),
        ]
    )
    when = {a.key: a.created.date() for a in Alert.objects.all()}
    assert when[passed(reg, "dec2")] == dt.date(2026, 12, 4)
    assert when[passed(reg, "ch")] == dt.date(2026, 12, 6)
    assert set(alerts.visible(P)) == set(Alert.objects.all())  # all public, all shown


def test_what_the_alerts_say(reg: Registry) -> None:
    found = by_key(evaluate(DEC1))
    nov20 = found[passed(reg, "nov20")]
    assert nov20.title == (
        "Hearing of Trial of the Four on 20 November 2026 passed with no outcome recorded"
    )
    assert dict(nov20.figures) == {"date": "2026-11-20", "case": "CA", "outcome": "scheduled"}
    assert nov20.event_date == dt.date(2026, 11, 20) and nov20.level is P
    assert nov20.command == "vigil cases hearings CA --level public"
    assert nov20.api == "/api/cases/cases/CA/hearings" and nov20.link == "/cases/CA/"
    assert "Anar Quliyev" in nov20.body and "postponed twice since October 2026" in nov20.body
    dec2 = found[soon(reg, "dec2", "2026-12-02")]
    assert dec2.title == "Hearing of Trial of the Four on 2 December 2026 at Baku Court"
    assert dict(dec2.figures) == {"date": "2026-12-02", "case": "CA", "court": "Baku Court"}
    # L1 as the public sees it: PA and PB (PR is restricted); L2: PA and PN (Leyla's
    # entry is internal): PN added, PB removed
    l1, l2 = found[release(reg, "L1")], found[release(reg, "L2")]
    assert l1.title == "VRW published its list of June 2026: 2 names (its first list on record)"
    assert l2.title == (
        "VRW published its list of 15 October 2026: 2 names, +1 −1 since the list of June 2026"
    )
    assert dict(l2.figures) == {
        "published": "2026-10-15",
        "entries": 2,
        "previous": "L1",
        "added": 1,
        "removed": 1,
    }
    assert l2.command == "vigil cases diff-release L1 L2 --level public"
    assert l2.api == "/api/cases/releases/diff?a=L1&b=L2"
    assert l2.link == "/prisoners/lists/VRW/diff/?from=L1&to=L2"
    assert l1.link == "/prisoners/lists/VRW/L1/" and l1.api == "/api/cases/releases/VRW"


def test_a_rule_switched_off_or_a_shorter_window(reg: Registry) -> None:
    off = Settings(
        hearing_passed=HearingPassed(enabled=False),
        hearing_soon=HearingSoon(days=2),  # 1 to 3 December: 2 December only
        release=Release(enabled=False),
    )
    assert list(by_key(evaluate(DEC1, off))) == [soon(reg, "dec2", "2026-12-02")]
    # "the next 3 days" from 1 December include 4 December (CH's hearing)
    three = Settings(hearing_soon=HearingSoon(days=3), hearing_passed=HearingPassed(False))
    assert [c.key for c in evaluate(DEC1, three) if c.kind == "hearing_soon"] == [
        soon(reg, "dec2", "2026-12-02"),
        soon(reg, "ch", "2026-12-04"),
    ]
    grace = Settings(hearing_passed=HearingPassed(grace_days=11), release=Release(enabled=False))
    assert passed(reg, "nov20") not in by_key(evaluate(DEC1, grace))  # 20 + 11 = 1 December


def test_old_events_only_correct_with_max_age(reg: Registry) -> None:
    settings = Settings(
        hearing_passed=HearingPassed(max_age_days=5), release=Release(max_age_days=30)
    )
    made = run(DEC1, settings)
    # 20 November is 11 days back; June and 15 October are over 30 days back
    assert {a.kind for a in made.new} == {"hearing_soon"}
    assert made.skipped == 3


# -- the commands, the API and the pages give the same figures ------------------------------


def _json(result: Any) -> Any:
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_the_commands_give_the_figures(reg: Registry, capsys: pytest.CaptureFixture[str]) -> None:
    found = by_key(evaluate(DEC1))
    l2 = found[release(reg, "L2")]
    rows = _json(vigil(capsys, *shlex.split(l2.command)[1:], "-f", "json"))
    changes = [r["change"] for r in rows]
    assert changes.count("added") == l2.figures["added"]
    assert changes.count("removed") == l2.figures["removed"]
    listed = _json(vigil(capsys, "cases", "releases", "VRW", "--level", "public", "-f", "json"))
    assert {r["ref"]: r["entries"] for r in listed}["L2"] == l2.figures["entries"]
    nov20 = found[passed(reg, "nov20")]
    chain = _json(vigil(capsys, *shlex.split(nov20.command)[1:], "-f", "json"))
    assert {h["date"]: h["outcome"] for h in chain["hearings"]}["2026-11-20"] == "scheduled"


def test_the_api_and_the_page_answer(reg: Registry) -> None:
    cache.clear()
    client = Client()
    found = by_key(evaluate(DEC1))
    l2 = found[release(reg, "L2")]
    rows = client.get(l2.api).json()
    assert sum(r["change"] == "added" for r in rows) == l2.figures["added"]
    nov20 = found[passed(reg, "nov20")]
    hearings = client.get(nov20.api).json()["hearings"]
    assert {h["date"]: h["outcome"] for h in hearings}["2026-11-20"] == "scheduled"
    for c in found.values():
        assert client.get(c.link).status_code == 200, c.link
    cache.clear()


# -- nothing hidden ever ---------------------------------------------------------------------


def _text(candidates: list[Candidate]) -> str:
    return "\n".join(strings(candidates))


def test_no_hidden_record_or_field_enters_an_alert(reg: Registry) -> None:
    every: list[Candidate] = []
    for day in range(1, 32):
        every += evaluate(dt.date(2026, 12, day), Settings(hearing_soon=HearingSoon(days=60)))
    assert every
    text = _text(every)
    assert [h for h in HIDDEN if h in text] == []
    hidden_hearings = {reg.hearings[x].pk for x in ("dec20", "ci")}
    for c in every:
        assert c.level is P
        for model, pk, _cols in c.refs:
            assert not (model == "Hearing" and pk in hidden_hearings), c.key
        assert not any(c.key.endswith(f":{pk}") for pk in hidden_hearings if "hearing" in c.key)
    assert release(reg, "L3") not in {c.key for c in every}
    # what the alerts rest on is all public: the read rule shows every one of them
    alerts.record(every)
    assert len(alerts.visible(P)) == Alert.objects.count() > 0


def test_the_check_for_hidden_values_can_fail(reg: Registry) -> None:
    """An alert composed at the internal level would carry hidden values: the search
    above would find them (so its silence means something)."""
    from vigil.cases import calendar

    inside = calendar.upcoming(INT, start=DEC1)
    assert "SNT-TITLE" in "\n".join(strings(inside))


# -- hidden later -------------------------------------------------------------------------


def test_a_record_hidden_after_its_alert_hides_the_alert(reg: Registry) -> None:
    from vigil.cases import models as m

    run(DEC1)
    nov20 = Alert.objects.get(key=passed(reg, "nov20"))
    dec2 = Alert.objects.get(key=soon(reg, "dec2", "2026-12-02"))
    l2 = Alert.objects.get(key=release(reg, "L2"))
    # the hearing made restricted: its alert is gone for the public, not for restricted
    m.Hearing.objects.filter(pk=reg.hearings["nov20"].pk).update(visibility=2)
    public = alerts.visible(P)
    assert nov20 not in public and dec2 in public
    assert nov20 in alerts.visible(R)
    # a postponement the chain summary counted ("postponed twice since October")
    oct1 = m.Hearing.objects.filter(pk=reg.hearings["oct"].pk)
    oct1.update(visibility=1)
    assert dec2 not in alerts.visible(P) and dec2 in alerts.visible(INT)
    oct1.update(visibility=0)
    assert dec2 in alerts.visible(P)
    # the case's title made internal: every alert naming the case by it is gone
    case = reg.cases["CA"]
    case.field_visibility = {"title": "internal"}
    case.save()
    assert dec2 not in alerts.visible(P) and dec2 in alerts.visible(INT)
    # a defendant's name made internal
    m.PersonName.objects.filter(person=reg.people["PA"]).update(visibility=1)
    case.field_visibility = {}
    case.save()
    assert dec2 not in alerts.visible(P)
    # an entry of the list made internal: the count said it, the alert goes
    assert l2 in alerts.visible(P)
    m.ListEntry.objects.filter(release=reg.releases["L2"], person=reg.people["PN"]).update(
        visibility=1
    )
    assert l2 not in alerts.visible(P)
    # ... and the next run corrects it with the count the public may see
    made = run(DEC1)
    fixed = [new for old, new in made.corrections if old.pk == l2.pk]
    assert fixed and fixed[0].figures["entries"] == 1 and fixed[0] in alerts.visible(P)


# -- moved, corrected -------------------------------------------------------------------------


def test_a_hearing_moved_to_another_day_is_a_new_event(reg: Registry) -> None:
    from vigil.cases import models as m

    run(DEC1)
    # the registry's way: 2 December postponed to 7 December, a new hearing on the 7th
    h = reg.hearings["dec2"]
    h.outcome, h.next_date = "postponed", "2026-12-07"
    h.save()
    new = m.Hearing.objects.create(case=h.case, date="2026-12-07", kind="trial")
    made = run(dt.date(2026, 12, 2))
    assert [a.key for a in made.new] == [f"cases:hearing_soon:hearing:{new.pk}:2026-12-07"]
    assert "postponed 3 times since October 2026" in made.new[0].body
    # a hearing's own day corrected (the same record): a new event too
    new.date = "2026-12-08"
    new.save()
    moved = run(dt.date(2026, 12, 2))
    assert [a.key for a in moved.new] == [f"cases:hearing_soon:hearing:{new.pk}:2026-12-08"]
    assert moved.corrections == []
    # the postponed hearing never "passed with no outcome"
    for day in range(3, 10):
        run(dt.date(2026, 12, day))
    assert not Alert.objects.filter(key=passed(reg, "dec2")).exists()


def test_a_corrected_list_supersedes_its_alert(reg: Registry) -> None:
    from vigil.cases import models as m

    run(DEC1)
    old = Alert.objects.get(key=release(reg, "L2"))
    m.ListEntry.objects.create(release=reg.releases["L2"], person=reg.people["PB"], position=5)
    made = run(dt.date(2026, 12, 2))
    assert made.new == [] and len(made.corrections) == 1
    was, now = made.corrections[0]
    assert was.pk == old.pk and now.supersedes_id == old.pk
    # PB is back on the list: 3 names, +1 (PN) −0
    assert (now.figures["entries"], now.figures["added"], now.figures["removed"]) == (3, 1, 0)
    assert "3 names, +1 −0" in now.title
    old.refresh_from_db()
    assert not old.current
    # an entry the public may not see changes nothing public
    m.ListEntry.objects.create(
        release=reg.releases["L2"], person=reg.people["PS"], position=6, visibility=1
    )
    again = run(dt.date(2026, 12, 3))
    assert again.new == [] and again.corrections == []
