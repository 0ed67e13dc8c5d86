"""Fixtures of the cases tests: a migrated test database per test (pytest-django).

The database is the one ``DATABASE_URL`` names (SQLite in memory by default; the
PostgreSQL pass of ``make test`` points it at a throwaway server), created by
pytest-django with the checked-in migrations and rolled back after every test.
"""

from __future__ import annotations

import os

import pytest

URL = os.environ.get("DATABASE_URL", "")
ENGINE = "postgresql" if URL.startswith(("postgres://", "postgresql://", "pgsql://")) else "sqlite"
#: A test whose database is not the test database (it makes its own SQLite file) or
#: whose work does not touch a database (a file format written from a document): the
#: PostgreSQL pass would run the very same thing again, so it runs in the SQLite pass.
engine_independent = pytest.mark.skipif(
    ENGINE != "sqlite",
    reason="engine-independent: its own SQLite database; run in make test's SQLite pass",
)


@pytest.fixture
def registry(db):
    """An empty, migrated registry; Django configured as the CLI configures it."""
    from vigil.cases import setup

    setup()
    return db


@pytest.fixture
def sample(registry):
    """A small fictional registry whose answers are known by construction.

    People (refs): P1 Əli Kərimli (party chairman, held since 2025-11, restricted
    contacts), P2 Tofiq Yaqublu (party, arrested 2026-01-10, sentenced 2026-05), P3
    Xədicə İsmayılova (journalist, detained 2025-12, released 2026-07-15), P4 an
    internal-only person (arrested 2026-02), P5 "Ali Kerimli" (a duplicate of P1, same
    birth year), P6 Ali Hasanov (a namesake of nobody, house arrest 2026-03).
    Case C1 (P1, P2 defendants; article 283.1) has hearings postponed 4 times since
    August 2026 and one scheduled on 2026-12-02. VRW published lists R1 (2026-06:
    P1, P2, P3, P6) and R2 (2026-10: P1, P2, P4 (internal entry), without P3 and P6).
    """
    from vigil.cases import models as m

    def person(ref, *names, visibility=0, **fields):
        p = m.Person.objects.create(ref=ref, visibility=visibility, **fields)
        for i, (name, lang) in enumerate(names):
            kind = "primary" if i == 0 else "transliteration"
            m.PersonName.objects.create(person=p, name=name, language=lang, kind=kind)
        return p

    ufc = m.Organisation.objects.create(
        ref="UFC", name="Union of Free Citizens", short_name="UFC", kind="party"
    )
    vrw = m.Organisation.objects.create(
        ref="VRW", name="Veloria Rights Watch", short_name="VRW", kind="ngo"
    )
    p1 = person(
        "P1",
        ("Əli Kərimli", "az-Latn"),
        ("Али Керимли", "ru-Cyrl"),
        ("Ali Karimli", "en"),
        sex="male",
        birth_date="1970-03",
        notes="INTERNAL-NOTE on P1",
        contacts="SECRET-CONTACT of P1",
    )
    p2 = person("P2", ("Tofiq Yaqublu", "az-Latn"), ("Тофиг Ягублу", "ru-Cyrl"), sex="male")
    p3 = person("P3", ("Xədicə İsmayılova", "az-Latn"), ("Khadija Ismayilova", "en"))
    p4 = person("P4", ("Gizli Şəxs", "az-Latn"), visibility=1)
    p5 = person("P5", ("Ali Kerimli", "en"), birth_date="1970")
    p6 = person("P6", ("Ali Hasanov", "en"))
    m.Affiliation.objects.create(person=p1, organisation=ufc, role="chairman", start="2000")
    m.Affiliation.objects.create(person=p2, organisation=ufc, role="member")
    m.Affiliation.objects.create(person=p4, organisation=ufc, role="member")
    art = m.LegalArticle.objects.create(country="XV", code="Criminal Code", article="283.1")
    art2 = m.LegalArticle.objects.create(country="XV", code="Criminal Code", article="220")
    c1 = m.Case.objects.create(ref="C1", number="1-123/2026", title="Case of the UFC leaders")
    c1.articles.add(art)
    c2 = m.Case.objects.create(ref="C2", number="1-777/2026", title="Case of Xədicə İsmayılova")
    c2.articles.add(art2)
    for p in (p1, p2):
        m.CaseParticipant.objects.create(case=c1, person=p, role="defendant")
    m.CaseParticipant.objects.create(case=c2, person=p3, role="defendant")
    m.CaseParticipant.objects.create(case=c1, person=p4, role="defendant", visibility=1)

    def event(p, kind, date, **kw):
        return m.StatusEvent.objects.create(person=p, kind=kind, date=date, **kw)

    event(p1, "detained", "2025-11-28", case=c1)
    event(p1, "arrested", "2025-11-30", case=c1)
    event(p2, "arrested", "2026-01-10", case=c1)
    event(p2, "sentenced", "2026-05", case=c1)
    event(p3, "detained", "2025-12-05", case=c2)
    wrong = event(p3, "released", "2026-02-01", case=c2)
    event(p3, "arrested", "2026-02-01", case=c2, withdraws=wrong, notes="the release was false")
    event(p3, "released", "2026-07-15", case=c2)
    event(p4, "arrested", "2026-02", visibility=1)
    event(p6, "house_arrest", "2026-03-03")
    event(p6, "released", "2026-09-01", visibility=1)  # internal: public still sees house arrest
    for date, outcome, reason, nxt in [
        ("2026-07-01", "held", "", ""),
        ("2026-08-05", "postponed", "judge ill", "2026-09-02"),
        ("2026-09-02", "postponed", "prosecutor absent", "2026-10-01"),
        ("2026-10-01", "adjourned", "new evidence", "2026-10-29"),
        ("2026-10-29", "postponed", "defence motion", "2026-12-02"),
        ("2026-12-02", "scheduled", "", ""),
    ]:
        m.Hearing.objects.create(
            case=c1,
            date=date,
            kind="trial",
            outcome=outcome,
            postponement_reason=reason,
            next_date=nxt or None,
        )
    m.Designation.objects.create(person=p1, organisation=vrw, criteria="PACE 2012", since="2025-12")
    m.Designation.objects.create(
        person=p6, organisation=vrw, criteria="PACE 2012", since="2026-03", until="2026-08"
    )
    r1 = m.ListRelease.objects.create(
        ref="R1", organisation=vrw, title="June 2026", published="2026-06"
    )
    r2 = m.ListRelease.objects.create(
        ref="R2", organisation=vrw, title="October 2026", published="2026-10-15"
    )
    for i, p in enumerate((p1, p2, p3, p6), 1):
        m.ListEntry.objects.create(release=r1, person=p, position=i)
    for i, p in enumerate((p1, p2), 1):
        m.ListEntry.objects.create(release=r2, person=p, position=i)
    m.ListEntry.objects.create(release=r2, person=p4, position=3, visibility=1)
    return {p.ref: p for p in (p1, p2, p3, p4, p5, p6)}


@pytest.fixture
def mounted():
    """`vigil cases` with its administrator's commands (backup, restore, user …)."""
    from vigil.cases import cli

    names = {c.name or c.callback.__name__ for c in cli.app.registered_commands}
    assert names >= {"backup", "restore"}
    return cli.app
