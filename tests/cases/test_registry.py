"""The registry's questions, on a small registry whose answers are known by
construction (tests/cases/conftest.py: ``sample``), and against brute-force
recomputations over the raw rows."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from vigil.cases import Level
from vigil.errors import InputError

PUBLIC, INTERNAL, RESTRICTED = Level.PUBLIC, Level.INTERNAL, Level.RESTRICTED


# -- find -----------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["Əli Kərimli", "Ali Karimli", "Али Керимли", "KARIMLI ali"])
def test_find_matches_one_person_across_scripts(sample, query):
    from vigil.cases.registry import find

    hits = find(query, PUBLIC)
    assert hits.iloc[0]["ref"] in ("P1", "P5")  # P5 is P1 entered twice (see duplicates)
    assert set(hits["ref"]) == {"P1", "P5"}
    assert "P6" not in set(hits["ref"])  # Ali Hasanov shares only the given name


def test_find_single_word_and_no_match(sample):
    from vigil.cases.registry import find

    assert find("Ismayilova", PUBLIC)["ref"].tolist() == ["P3"]
    assert find("Исмаилова", PUBLIC)["ref"].tolist() == ["P3"]
    assert find("Zzyzx Qwerty", PUBLIC).empty
    with pytest.raises(InputError, match="no letters"):
        find("!!!", PUBLIC)


def test_find_never_returns_hidden_people(sample):
    from vigil.cases.registry import find

    assert find("Gizli Şəxs", PUBLIC).empty  # P4 is internal
    assert find("Gizli Şəxs", INTERNAL)["ref"].tolist() == ["P4"]


def test_person_resolution(sample):
    from vigil.cases import registry

    assert registry.person("P2", PUBLIC).ref == "P2"
    assert registry.person("Тофиг Ягублу", PUBLIC).ref == "P2"
    with pytest.raises(InputError, match="several people"):
        registry.person("Ali Kərimli", PUBLIC)  # P1 and P5 until they are merged
    with pytest.raises(InputError, match="no person"):
        registry.person("P4", PUBLIC)


# -- status, list -------------------------------------------------------------------


def _brute_status(level: Level, on: dt.date) -> dict[str, str]:
    """Latest visible, not withdrawn event on or before ``on``, by plain loops."""
    from vigil.cases.models import StatusEvent

    events = list(StatusEvent.objects.select_related("person"))
    withdrawn = {e.withdraws_id for e in events if e.withdraws_id}
    latest: dict[str, tuple] = {}
    for e in events:
        if e.id in withdrawn or e.visibility > level or e.person.visibility > level:
            continue
        if e.date.earliest > on:
            continue
        key = (e.date.stored(), e.id)
        if e.person.ref not in latest or key > latest[e.person.ref][0]:
            latest[e.person.ref] = (key, e.kind)
    return {ref: kind for ref, (_, kind) in latest.items()}


@pytest.mark.parametrize("level", [PUBLIC, INTERNAL])
@pytest.mark.parametrize(
    "on", ["2025-11-29", "2026-02-01", "2026-03-03", "2026-06-15", "2026-09-01", "2026-11-25"]
)
def test_list_status_matches_brute_force(sample, level, on):
    from vigil.cases.registry import list_people

    day = dt.date.fromisoformat(on)
    frame = list_people(level, on=day)
    got = {r.ref: r.status for r in frame.itertuples() if r.status}
    assert got == _brute_status(level, day)


def test_list_known_answers_and_filters(sample):
    from vigil.cases.registry import list_people

    on = dt.date(2026, 6, 1)
    frame = list_people(PUBLIC, on=on).set_index("ref")
    assert frame.loc["P3", "status"] == "arrested"  # the 2026-02-01 release was withdrawn
    assert frame.loc["P2", "since"] == "2026-05"
    assert "P4" not in frame.index
    held = list_people(PUBLIC, on=on, status="held")["ref"].tolist()
    assert sorted(held) == ["P1", "P2", "P3"]
    assert sorted(list_people(PUBLIC, on=on, status="deprived")["ref"]) == ["P1", "P2", "P3", "P6"]
    assert list_people(PUBLIC, on=on, status="house_arrest")["ref"].tolist() == ["P6"]
    assert sorted(list_people(PUBLIC, on=on, organisation_key="UFC")["ref"]) == ["P1", "P2"]
    assert sorted(
        list_people(INTERNAL, on=on, organisation_key="Union of Free Citizens")["ref"]
    ) == [
        "P1",
        "P2",
        "P4",
    ]
    assert sorted(list_people(PUBLIC, on=on, charge="283.1")["ref"]) == ["P1", "P2"]
    assert list_people(PUBLIC, on=on, charge="Criminal Code 220")["ref"].tolist() == ["P3"]
    assert sorted(list_people(PUBLIC, on=on, designation="VRW")["ref"]) == ["P1", "P6"]
    after = dt.date(2026, 9, 1)
    assert list_people(PUBLIC, on=after, designation="VRW")["ref"].tolist() == ["P1"]
    assert sorted(list_people(PUBLIC, on=on, release_key="R2")["ref"]) == ["P1", "P2"]
    assert sorted(list_people(INTERNAL, on=on, release_key="VRW@2026-10-15")["ref"]) == [
        "P1",
        "P2",
        "P4",
    ]
    # library errors name the library parameter, not a flag (the CLI adds the flag)
    with pytest.raises(InputError, match=r"^status: expected one of deprived, held") as bad:
        list_people(PUBLIC, status="asleep")
    assert bad.value.param == "status"
    with pytest.raises(InputError, match=r"^charge: no legal article '999'") as bad:
        list_people(PUBLIC, charge="999")
    assert bad.value.param == "charge"
    with pytest.raises(InputError, match=r"^on: expected a date as YYYY-MM-DD") as bad:
        list_people(PUBLIC, on="2026-02-30")
    assert bad.value.param == "on"
    assert list_people(PUBLIC, on="2026-06-01").equals(list_people(PUBLIC, on=on))


def test_internal_release_is_hidden_from_the_public(sample):
    from vigil.cases.registry import list_people

    on = dt.date(2026, 10, 1)
    public = list_people(PUBLIC, on=on).set_index("ref")
    internal = list_people(INTERNAL, on=on).set_index("ref")
    assert public.loc["P6", "custody"] == "house_arrest"  # the release is internal
    assert internal.loc["P6", "custody"] == "free"


# -- show, timeline ---------------------------------------------------------------------


def test_show_keeps_fields_to_the_level(sample):
    from vigil.cases.models import AuditEvent
    from vigil.cases.registry import show

    public = show("P1", PUBLIC)
    assert "notes" not in public and "contacts" not in public and "birth_date" not in public
    assert public["status"]["kind"] == "arrested"
    assert [n["name"] for n in public["names"]] == ["Əli Kərimli", "Али Керимли", "Ali Karimli"]
    internal = show("P1", INTERNAL)
    assert internal["notes"] == "INTERNAL-NOTE on P1" and "contacts" not in internal
    assert AuditEvent.objects.filter(action="view-restricted").count() == 0
    restricted = show("P1", RESTRICTED, actor="tester")
    assert restricted["contacts"] == "SECRET-CONTACT of P1"
    (seen,) = AuditEvent.objects.filter(action="view-restricted")
    assert (seen.actor, seen.target) == ("tester", "person:P1")


def test_a_restricted_reading_by_a_bare_level_names_the_user(sample, monkeypatch):
    """From the command line (a level, no --as): the audit trail names VIGIL_ACTOR or
    the operating-system user, never a placeholder."""
    from vigil.cases.models import AuditEvent
    from vigil.cases.registry import show

    monkeypatch.setenv("VIGIL_ACTOR", "desk-7")
    show("P1", RESTRICTED)
    assert AuditEvent.objects.get(action="view-restricted").actor == "desk-7"


def test_field_override_moves_one_field(sample):
    from vigil.cases.registry import show

    p1 = sample["P1"]
    p1.field_visibility = {"birth_date": "public", "occupation": "restricted"}
    p1.occupation = "lawyer"
    p1.save()
    public = show("P1", PUBLIC)
    assert public["birth_date"] == "1970-03" and "occupation" not in public
    assert show("P1", RESTRICTED)["occupation"] == "lawyer"


def test_timeline_marks_withdrawn_events(sample):
    from vigil.cases.registry import timeline

    internal = timeline("P3", INTERNAL)
    assert internal["event"].tolist() == ["detained", "released", "arrested", "released"]
    assert internal["withdrawn"].tolist() == [False, True, False, False]
    public = timeline("P3", PUBLIC)
    assert public["event"].tolist() == ["detained", "arrested", "released"]


# -- hearings ------------------------------------------------------------------------


def test_postponement_chain(sample):
    from vigil.cases.hearings import chain

    result = chain("C1", PUBLIC, as_of=dt.date(2026, 11, 25))
    assert (result.postponements, result.adjournments, result.total_postponements) == (3, 1, 3)
    assert str(result.since) == "2026-08-05"
    assert str(result.next_hearing) == "2026-12-02"
    assert result.summary == (
        "postponed 3 times and adjourned once since August 2026; next hearing 2 December 2026"
    )
    assert result.hearings["outcome"].tolist() == [
        "held",
        "postponed",
        "postponed",
        "adjourned",
        "postponed",
        "scheduled",
    ]


def test_postponement_chain_counts_adjournments_in_the_run(sample):
    from vigil.cases.hearings import chain
    from vigil.cases.models import Hearing

    Hearing.objects.filter(case__ref="C1", date="2026-10-01").update(outcome="postponed")
    result = chain("1-123/2026", PUBLIC, as_of=dt.date(2026, 11, 25))  # by number
    assert result.postponements == 4
    assert result.summary.startswith("postponed 4 times since August 2026")
    later = chain("C1", PUBLIC, as_of=dt.date(2026, 12, 3))
    assert later.next_hearing is None


# -- releases -------------------------------------------------------------------------


def test_releases_and_diff(sample):
    from vigil.cases.releases import diff, releases

    frame = releases("VRW", PUBLIC)
    assert frame["entries"].tolist() == [4, 2]
    assert frame["removed"].tolist()[1] == 2
    internal = releases("VRW", INTERNAL)
    assert internal["entries"].tolist() == [4, 3] and internal["added"].tolist()[1] == 1
    changes = diff("R1", "R2", PUBLIC).set_index("ref")
    assert changes.loc["P3", "reason"] == "released"
    assert changes.loc["P3", "evidence"] == "released 2026-07-15"
    # P6's release is internal: the public diff explains the removal by the designation.
    assert changes.loc["P6", "reason"] == "reclassified"
    assert "P4" not in changes.index
    inside = diff("VRW@2026-06", "R2", INTERNAL).set_index("ref")
    assert inside.loc["P6", "reason"] == "released"
    assert inside.loc["P4", "change"] == "added"
    assert diff("R2", "R1", PUBLIC).equals(diff("R1", "R2", PUBLIC))  # order-free


# -- stats -------------------------------------------------------------------------------


def _brute_held(level: Level, day: dt.date) -> int:
    from vigil.cases.vocab import CUSTODY

    return sum(
        CUSTODY[kind] in ("held", "house_arrest") for kind in _brute_status(level, day).values()
    )


@pytest.mark.parametrize("level", [PUBLIC, INTERNAL])
def test_stats_match_brute_force(sample, level):
    from vigil.cases.stats import held

    frame = held(level, date_from=dt.date(2025, 11, 1), date_to=dt.date(2026, 11, 25), freq="week")
    assert len(frame) > 50
    for row in frame.itertuples():
        assert row.all == _brute_held(level, row.date.date()), row.date


def test_stats_by_group(sample):
    from vigil.cases.stats import GroupBy, held

    on = dt.date(2026, 4, 1)
    assert held(PUBLIC, on=on)["all"].tolist() == [4]
    orgs = held(INTERNAL, on=on, by=GroupBy.ORGANISATION)
    assert orgs.loc[0, "UFC"] == 3  # P1, P2, P4
    charges = held(PUBLIC, on=on, by=GroupBy.CHARGE)
    assert (charges.loc[0, "283.1"], charges.loc[0, "220"]) == (2, 1)
    status = held(PUBLIC, on=on, by=GroupBy.STATUS)
    assert (status.loc[0, "held"], status.loc[0, "house_arrest"]) == (3, 1)


# -- duplicates and merge -------------------------------------------------------------


def test_duplicates_propose_the_same_person_only(sample):
    from vigil.cases.merge import duplicates

    pairs = duplicates(PUBLIC)
    assert [tuple(sorted((r.ref_a, r.ref_b))) for r in pairs.itertuples()] == [("P1", "P5")]


def test_duplicates_respect_birth_dates(sample):
    from vigil.cases.merge import duplicates

    p5 = sample["P5"]
    p5.birth_date = "1985-06-01"
    p5.save()
    assert duplicates(INTERNAL).empty
    # Birth dates are internal: a public reader's answer must not depend on them (it
    # would tell that the two were born apart), so the pair stays proposed there.
    assert len(duplicates(PUBLIC)) == 1


def test_merge_keeps_history(sample):
    from vigil.cases import models as m
    from vigil.cases.merge import merge
    from vigil.cases.registry import find, person, show

    p5 = sample["P5"]
    m.StatusEvent.objects.create(person=p5, kind="transferred", date="2026-03-10", facility="X")
    counts = {model: model.objects.count() for model in (m.StatusEvent, m.PersonName)}
    result = merge("P1", "P5", actor="editor")
    assert result["moved"]["events"] == 1
    assert m.StatusEvent.objects.count() == counts[m.StatusEvent]  # moved, not copied
    assert m.PersonName.objects.count() == counts[m.PersonName] + 1  # P5's name kept on P1
    assert person("P5", PUBLIC).ref == "P1"
    assert find("Ali Kerimli", PUBLIC)["ref"].tolist() == ["P1"]
    assert show("P1", PUBLIC)["merged_from"] == ["P5"]
    assert m.Person.objects.filter(ref="P5").exists()  # nothing deleted
    (entry,) = m.AuditEvent.objects.filter(action="merge")
    assert entry.actor == "editor" and entry.detail["before"]["drop"]["ref"] == "P5"
    with pytest.raises(InputError, match="already merged into P1"):
        merge("P1", "P5")


def test_merge_is_atomic(sample, monkeypatch):
    from vigil.cases import audit
    from vigil.cases import merge as merging
    from vigil.cases import models as m

    before = list(m.PersonName.objects.values_list("person_id", "name"))

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(audit, "record", boom)
    with pytest.raises(RuntimeError):
        merging.merge("P1", "P5")
    assert list(m.PersonName.objects.values_list("person_id", "name")) == before
    assert m.Person.objects.get(ref="P5").merged_into_id is None


def test_append_only_guards(sample):
    from vigil.cases import models as m

    event = m.StatusEvent.objects.first()
    event.kind = "released"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    assert isinstance(pd.DataFrame(), pd.DataFrame)


def test_vectorised_date_texts_equal_partial_date_str():
    from vigil.cases.dates import PartialDate, Qualifier
    from vigil.cases.status import date_texts

    dates = [
        PartialDate(year, month, day, q)
        for year in (1904, 2024)
        for month, day in ((None, None), (2, None), (2, 29), (12, 31))
        for q in Qualifier
    ]
    texts = date_texts(pd.Series([d.stored() for d in dates]))
    assert texts.tolist() == [str(d) for d in dates]


def test_a_merged_ref_never_leads_to_a_hidden_person(sample):
    from vigil.cases.merge import merge
    from vigil.cases.registry import person

    merge("P4", "P6")  # P4 is internal, P6 public
    assert person("P6", INTERNAL).ref == "P4"
    with pytest.raises(InputError, match="no person matches 'P6'"):
        person("P6", PUBLIC)


def test_a_held_hearing_starts_a_new_chain(sample):
    from vigil.cases.hearings import chain
    from vigil.cases.models import Hearing

    Hearing.objects.filter(case__ref="C1", date="2026-10-01").update(outcome="held")
    result = chain("C1", PUBLIC, as_of=dt.date(2026, 11, 25))
    assert (result.postponements, result.total_postponements) == (1, 3)
    assert result.summary == "postponed once since October 2026; next hearing 2 December 2026"


@pytest.mark.parametrize("date", ["", None])
def test_add_hearing_needs_a_date(sample, date):
    from vigil.cases import edits, policy

    who = policy.Actor.operator_at(name="t")
    with pytest.raises(InputError) as info:
        edits.add_hearing(who, "C1", date=date)
    assert str(info.value) == "date: a hearing needs a date, such as 2026-11-25"


def test_postpone_needs_a_next_date(sample):
    from vigil.cases import edits, policy
    from vigil.cases.models import Hearing

    who = policy.Actor.operator_at(name="t")
    h = Hearing.objects.filter(outcome="scheduled").first()
    with pytest.raises(InputError) as info:
        edits.postpone_hearing(who, h.pk, reason="x", next_date="")
    assert str(info.value) == "next_date: a hearing needs a date, such as 2026-11-25"
    h.refresh_from_db()
    assert h.outcome == "scheduled"
