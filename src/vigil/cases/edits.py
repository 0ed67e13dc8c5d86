"""Changing the registry: every edit the editors' area makes, as library calls.

Each function takes the :class:`~vigil.cases.policy.Actor` who acts and goes through
:mod:`vigil.cases.policy`: it finds records among those the actor may change (a hidden
record is :class:`~vigil.errors.NotFound`, as a missing one), writes no field and gives
no level above the actor's, and records the change in the audit trail (values above
internal masked). One transaction each. The web views and a notebook call the same
functions; the importer (:mod:`vigil.cases.importers`) and the merge
(:mod:`vigil.cases.merge`) follow the same rules.

Facts entered at two levels are two records: unique constraints include the level,
so a team member is never told that a record they cannot see already says the same.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from vigil.cases import audit, policy, vocab
from vigil.cases.dates import PartialDate
from vigil.cases.importers.refs import new_ref
from vigil.cases.policy import Actor
from vigil.errors import InputError, NotFound
from vigil.i18n import gettext as _

PERSON_FIELDS = ("sex", "birth_date", "occupation", "photo", "notes", "contacts")
CASE_FIELDS = ("number", "title", "kind", "country", "opened", "summary", "lawyer_notes")
EVENT_FIELDS = ("kind", "date", "place", "facility", "notes")
RECORDABLE_OUTCOMES = (
    vocab.HearingOutcome.HELD,
    vocab.HearingOutcome.ADJOURNED,
    vocab.HearingOutcome.VERDICT,
)


@dataclass(frozen=True)
class NameEdit:
    """One name of a person as a form gives it: ``id`` of an existing name (None for a
    new one), the text, its BCP 47 language tag, its kind; ``delete`` removes it."""

    id: int | None = None
    name: str = ""
    language: str = ""
    kind: str = vocab.NameKind.PRIMARY
    delete: bool = False


# -- helpers ------------------------------------------------------------------------------


def assign_ref(obj: Any, table: str) -> None:
    """Give a new record its generated ref (``P00042``), unique among all refs."""
    model = type(obj)
    prefix = new_ref(table, obj.pk)
    taken = set(model.objects.filter(ref__startswith=prefix).values_list("ref", flat=True))
    obj.ref = new_ref(table, obj.pk, taken)
    obj.save(update_fields=["ref"])


def _set_fields(obj: Any, who: Actor, values: Mapping[str, Any], allowed: Iterable[str]) -> None:
    """Write ``values`` onto ``obj``: only fields of ``allowed`` that ``who`` may write on
    this record; any other is refused (a form never offers one above the actor)."""
    allowed = set(allowed)
    unknown = set(values) - allowed
    if unknown:
        raise InputError(
            _("%(field)s: not a field that can be set here") % {"field": sorted(unknown)[0]}
        )
    table = policy.TABLE_OF[type(obj).__name__]
    writable = set(policy.settable(obj if obj.pk else table, who, values))
    for name, value in values.items():
        if name not in writable:
            raise InputError(
                # Translators: %(level)s is an access level such as "internal".
                _("%(field)s: a field above your level (%(level)s)")
                % {"field": name, "level": who.level.label}
            )
        setattr(obj, name, value if value is not None else _blank(obj, name))


def _blank(obj: Any, name: str) -> Any:
    field = obj._meta.get_field(name)
    return None if field.null else field.get_default()


def _names_snapshot(person: Any) -> list[Any]:
    """Every name of ``person`` as the audit trail may keep it (masked above internal)."""
    return [
        policy.audit_value(n.name, policy.level_of(n), f"names:{n.pk}:name")
        for n in person.names.select_related("person").order_by("id")
    ]


# -- people --------------------------------------------------------------------------------


def save_person(
    who: Actor,
    ref: str | None = None,
    *,
    fields: Mapping[str, Any] | None = None,
    visibility: Any = None,
    field_visibility: Any = None,
    names: Sequence[NameEdit] = (),
) -> Any:
    """Create (``ref`` None) or change a person: the ``fields`` given, the record's
    level, its field levels (a restricted actor only) and its names (those the actor
    sees; others stay as they are). Returns the person."""
    from vigil.cases.models import Person, PersonName

    def save_names(person: Any) -> None:
        mine = {n.id: n for n in policy.visible(person.names.all(), who)}
        try:
            with transaction.atomic():
                _save_names(person, mine, names, PersonName)
        except IntegrityError:
            raise InputError(
                _("two names of this person are the same (same name and kind)")
            ) from None
        if not policy.visible(person.names.all(), who).exists():
            # one the actor can see: names it cannot see must not make the difference
            raise InputError(_("a person needs at least one name"))

    return _save_record(
        who,
        Person,
        PERSON_FIELDS,
        ref,
        fields=fields,
        visibility=visibility,
        field_visibility=field_visibility,
        then=save_names,
        described={"names": _names_snapshot},
    )


def _save_record(
    who: Actor,
    model: Any,
    allowed: tuple[str, ...],
    ref: str | None,
    *,
    fields: Mapping[str, Any] | None,
    visibility: Any,
    field_visibility: Any,
    then: Any = None,
    described: Mapping[str, Any] | None = None,
) -> Any:
    """Create or change a person or a case (one transaction, audited): its ``fields``,
    level and field levels; ``then(record)`` once it is saved (a person's names);
    ``described``: more of the record for the audit trail, ``{key: record -> value}``."""
    policy.require_edit(who)
    table = policy.TABLE_OF[model.__name__]
    record = policy.get_editable(model, who, ref=ref) if ref else model()
    creating = record.pk is None

    def state() -> dict[str, Any]:
        extra = {k: describe(record) for k, describe in (described or {}).items()}
        return {"record": policy.snapshot(record), **extra}

    with transaction.atomic():
        before = None if creating else state()
        record.field_visibility = policy.new_overrides(
            who, table, record.field_visibility, field_visibility
        )
        _set_fields(record, who, dict(fields or {}), allowed)
        if visibility is not None:
            record.visibility = int(policy.checked_level(who, visibility))
        record.save()
        if creating:
            assign_ref(record, table)
        if then is not None:
            then(record)
        after = state()
        if creating:
            extra = {k: v for k, v in after.items() if k != "record"}
            audit.change(who, "create", record, after=after["record"], **extra)
            return record
        assert before is not None  # taken above for a record that already existed
        changed = policy.changes(before["record"], after["record"])
        for key in described or {}:
            if before[key] != after[key]:
                changed[key] = {"before": before[key], "after": after[key]}
        if changed:
            audit.record("update", policy.audit_target(record), {"changes": changed}, by=who)
    return record


def _save_names(person: Any, mine: dict[int, Any], names: Sequence[NameEdit], model: Any) -> None:
    for edit in names:
        text = (edit.name or "").strip()
        kind = edit.kind or vocab.NameKind.PRIMARY
        language = (edit.language or "").strip()
        vocab.choice(vocab.NameKind, kind, "kind")
        if edit.id:
            existing = mine.get(edit.id)
            if existing is None:
                raise NotFound(_("a name in the form is not one of this person's names"))
            if edit.delete or not text:
                existing.delete()
            elif (existing.name, existing.language, existing.kind) != (text, language, kind):
                existing.name, existing.language, existing.kind = text, language, kind
                existing.save()
        elif text and not edit.delete:
            model.objects.create(person=person, name=text, language=language, kind=kind)


# -- cases ---------------------------------------------------------------------------------


def save_case(
    who: Actor,
    ref: str | None = None,
    *,
    fields: Mapping[str, Any] | None = None,
    visibility: Any = None,
    field_visibility: Any = None,
) -> Any:
    """Create (``ref`` None) or change a case's fields, level and field levels."""
    from vigil.cases.models import Case

    return _save_record(
        who,
        Case,
        CASE_FIELDS,
        ref,
        fields=fields,
        visibility=visibility,
        field_visibility=field_visibility,
    )


# -- status events ---------------------------------------------------------------------------


def _event_case(who: Actor, ref: str | None) -> Any:
    from vigil.cases.models import Case

    return policy.get(Case, who, "case", ref=ref.strip()) if ref and ref.strip() else None


def add_event(
    who: Actor,
    person_ref: str,
    *,
    case: str | None = None,
    visibility: Any = None,
    withdraws: Any = None,
    **values: Any,
) -> Any:
    """Add a status event to a person's timeline (``values``: kind, date, place,
    facility, notes). Returns the event."""
    from vigil.cases.models import Person

    policy.require_edit(who)
    person = policy.get_editable(Person, who, ref=person_ref)
    return _new_event(who, person, _event_case(who, case), visibility, withdraws, values)


def _new_event(
    who: Actor, person: Any, case: Any, visibility: Any, withdraws: Any, values: Mapping
) -> Any:
    from vigil.cases.models import StatusEvent

    event = StatusEvent(person=person, case=case, withdraws=withdraws)
    _set_fields(event, who, values, EVENT_FIELDS)
    if visibility is not None:
        event.visibility = int(policy.checked_level(who, visibility))
    vocab.choice(vocab.StatusKind, event.kind, "kind")
    if not event.date:
        raise InputError(_("%(field)s: required") % {"field": "date"})
    with transaction.atomic():
        event.save()
        extra: dict[str, Any] = {"person": policy.audit_target(person)}
        if withdraws is not None:
            extra["withdraws"] = {"id": withdraws.pk, **policy.snapshot(withdraws)}
        action = "correct" if withdraws is not None else "create"
        audit.change(who, action, event, after=policy.snapshot(event), **extra)
    return event


def correct_event(
    who: Actor, event_id: int, *, case: str | None = None, visibility: Any = None, **values: Any
) -> Any:
    """A correction: a new event that withdraws event ``event_id`` (which stays on
    record). An event already corrected by one the actor can see is refused."""
    from vigil.cases.models import StatusEvent

    policy.require_edit(who)
    old = policy.get_editable(
        StatusEvent.objects.select_related("person"), who, "event", pk=event_id
    )
    if policy.visible(old.corrections.all(), who).exists():
        raise InputError(_("this event has already been corrected"))
    return _new_event(who, old.person, _event_case(who, case), visibility, old, values)


def event(who: Actor, event_id: int) -> Any:
    """The event ``event_id`` as ``who`` may change it (NotFound otherwise)."""
    from vigil.cases.models import StatusEvent

    return policy.get_editable(
        StatusEvent.objects.select_related("person", "case"), who, "event", pk=event_id
    )


# -- hearings ----------------------------------------------------------------------------------


def add_hearing(
    who: Actor, case_ref: str, *, date: Any, kind: str = "", visibility: Any = None
) -> Any:
    """Schedule a hearing of a case."""
    from vigil.cases.models import Case, Hearing

    policy.require_edit(who)
    case = policy.get_editable(Case, who, ref=case_ref)
    hearing = Hearing(case=case, date=_required_date(date, "date"), kind=kind or "")
    if visibility is not None:
        hearing.visibility = int(policy.checked_level(who, visibility))
    try:
        with transaction.atomic():
            hearing.save()
            audit.change(who, "create", hearing, after=policy.snapshot(hearing))
    except IntegrityError:
        raise InputError(_("this case already has a hearing of that kind on that date")) from None
    return hearing


def hearing(who: Actor, hearing_id: int) -> Any:
    """The hearing ``hearing_id`` as ``who`` may change it (NotFound otherwise)."""
    from vigil.cases.models import Hearing

    return policy.get_editable(
        Hearing.objects.select_related("case", "court"), who, "hearing", pk=hearing_id
    )


def _required_date(value: Any, param: str) -> PartialDate:
    """``value`` as a hearing's date, which cannot be empty (the column is NOT NULL)."""
    parsed = PartialDate.parse(value, param)
    if parsed is None:
        raise InputError(_("a hearing needs a date, such as 2026-11-25"), param=param)
    return parsed


def _scheduled(h: Any) -> None:
    if h.outcome != vocab.HearingOutcome.SCHEDULED:
        raise InputError(
            # Translators: %(outcome)s is a stored outcome: held, adjourned or verdict.
            _("the hearing of %(date)s is %(outcome)s, not scheduled")
            % {"date": h.date, "outcome": h.outcome}
        )


def postpone_hearing(
    who: Actor, hearing_id: int, *, reason: str, next_date: Any
) -> tuple[Any, Any]:
    """Mark a scheduled hearing postponed (reason, next date) and schedule the next one
    (or find it among the hearings the actor can see). Returns both."""
    from vigil.cases.models import Hearing

    h = hearing(who, hearing_id)
    _scheduled(h)
    following_date = _required_date(next_date, "next_date")
    with transaction.atomic():
        before = policy.snapshot(h)
        h.outcome = vocab.HearingOutcome.POSTPONED
        h.postponement_reason = reason
        h.next_date = following_date
        h.save()
        same = Hearing.objects.filter(case=h.case, date=following_date, kind=h.kind)
        following = policy.visible(same, who).first()
        created = following is None
        if created:
            following = Hearing.objects.create(
                case=h.case,
                date=following_date,
                kind=h.kind,
                court=h.court,
                visibility=h.visibility,
            )
        next_hearing = {"id": following.pk, "created": created, "date": str(following.date)}
        audit.change(who, "postpone", h, before, policy.snapshot(h), next_hearing=next_hearing)
    return h, following


def conclude_hearing(who: Actor, hearing_id: int, outcome: str) -> Any:
    """Record what became of a scheduled hearing: held, adjourned or verdict."""
    h = hearing(who, hearing_id)
    if outcome not in RECORDABLE_OUTCOMES:
        raise InputError(
            # Translators: held, adjourned and verdict are values to type: keep them.
            _("outcome: choose held, adjourned or verdict")
        )
    _scheduled(h)
    with transaction.atomic():
        before = policy.snapshot(h)
        h.outcome = outcome
        h.save()
        audit.change(who, "outcome", h, before, policy.snapshot(h))
    return h


# -- list releases ----------------------------------------------------------------------------


def _entries_snapshot(release: Any) -> list[Any]:
    return [
        policy.audit_value(e.person.ref, policy.level_of(e), f"entries:{e.pk}:person")
        for e in release.entries.select_related("person", "release__organisation").order_by(
            "position", "id"
        )
    ]


def _people(who: Actor, refs: Sequence[str]) -> list[Any]:
    """The people ``refs`` name, in order, each once (visible, not merged)."""
    people, seen = [], set()
    for line, ref in enumerate(refs, 1):
        person = policy.people(who).filter(ref=ref).first()
        if person is None:
            raise NotFound(_("line %(line)d: no person %(ref)r") % {"line": line, "ref": ref})
        if person.pk in seen:
            raise InputError(
                _("line %(line)d: %(ref)r is in the list twice") % {"line": line, "ref": ref}
            )
        seen.add(person.pk)
        people.append(person)
    return people


def create_release(
    who: Actor,
    *,
    organisation: str,
    published: Any,
    title: str = "",
    visibility: Any = None,
    people: Sequence[str] = (),
) -> Any:
    """A new list release of ``organisation`` with ``people`` (refs, in the list's
    order)."""
    from vigil.cases import registry
    from vigil.cases.models import ListEntry, ListRelease

    policy.require_edit(who)
    org = registry.organisation(organisation.strip(), who)
    release = ListRelease(organisation=org, title=title or "", published=published)
    if visibility is not None:
        release.visibility = int(policy.checked_level(who, visibility))
    members = _people(who, people)
    try:
        with transaction.atomic():
            release.save()
            assign_ref(release, "releases")
            ListEntry.objects.bulk_create(
                ListEntry(release=release, person=p, position=i) for i, p in enumerate(members, 1)
            )
            audit.change(
                who,
                "create",
                release,
                after=policy.snapshot(release),
                entries=_entries_snapshot(release),
            )
    except IntegrityError:
        raise InputError(
            _("this organisation already has a list with that date and title")
        ) from None
    return release


def edit_release(
    who: Actor,
    ref: str,
    *,
    published: Any,
    title: str = "",
    visibility: Any = None,
    people: Sequence[str] = (),
) -> Any:
    """Change a release's title, date, level and the entries the actor can see (in
    the order given); entries the actor cannot see stay as they are, in their places."""
    from vigil.cases.models import ListEntry, ListRelease

    policy.require_edit(who)
    release = policy.get_editable(ListRelease.objects.select_related("organisation"), who, ref=ref)
    entries = list(release.entries.order_by("position", "id"))
    visible = {e.pk for e in policy.visible(release.entries.all(), who)}
    hidden = [e for e in entries if e.pk not in visible]
    mine = {e.person_id: e for e in entries if e.pk in visible}
    members = _people(who, people)
    wanted = {p.pk for p in members}
    try:
        with transaction.atomic():
            before = (policy.snapshot(release), _entries_snapshot(release))
            release.title, release.published = title or "", published
            if visibility is not None:
                release.visibility = int(policy.checked_level(who, visibility))
            release.save(update_fields=["title", "published", "visibility"])
            ListEntry.objects.filter(
                pk__in=[e.pk for pid, e in mine.items() if pid not in wanted]
            ).delete()
            taken = {e.position for e in hidden if e.position is not None}
            position = 0
            for person in members:
                position += 1
                while position in taken:
                    position += 1
                entry = mine.get(person.pk)
                if entry is None:
                    ListEntry.objects.create(release=release, person=person, position=position)
                elif entry.position != position:
                    entry.position = position
                    entry.save(update_fields=["position"])
            after = (policy.snapshot(release), _entries_snapshot(release))
            changed = policy.changes(before[0], after[0])
            detail: dict[str, Any] = {"changes": changed}
            if before[1] != after[1]:
                changed["entries"] = {"before": before[1], "after": after[1]}
                detail["added"] = [e for e in after[1] if e not in before[1]]
                detail["removed"] = [e for e in before[1] if e not in after[1]]
            audit.record("update", policy.audit_target(release), detail, by=who)
    except IntegrityError:
        raise InputError(
            _("this organisation already has a list with that date and title")
        ) from None
    return release
