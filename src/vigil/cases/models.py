"""The registry's data model.

People, organisations and cases; an append-only timeline of status events from which
the current status is derived; hearings with their postponements; sentences,
designations, published list releases and sources. Every record carries a
``visibility`` (public, internal, restricted); people and cases also carry per-field
levels (defaults in :mod:`vigil.cases.schema`, overrides in ``field_visibility``).
Every read and write goes through :mod:`vigil.cases.policy`, which never returns a
record or a field above the actor's level.

Unique constraints include ``visibility``: a record a team member cannot see must not
stop them from entering the same fact at their level (the answer would reveal it).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NoReturn

from django.db import models

from vigil.cases import vocab
from vigil.cases.fields import PartialDateField, visibility_field
from vigil.cases.levels import Level
from vigil.cases.names import fold, skeleton


class Source(models.Model):
    """Where a fact comes from: a URL or a document (with the sha256 of the file)."""

    ref = models.CharField(max_length=100, unique=True, null=True, blank=True)
    title = models.CharField(max_length=500, blank=True)
    url = models.URLField(max_length=2000, blank=True)
    file_name = models.CharField(max_length=500, blank=True)
    sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    publisher = models.CharField(max_length=300, blank=True)
    published = PartialDateField()
    reliability = models.CharField(
        max_length=20, choices=vocab.Reliability.choices, blank=True, default=""
    )
    visibility = visibility_field(Level.INTERNAL)  # the source's confidentiality
    notes = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.title or self.url or self.file_name or f"source {self.pk}"


class Organisation(models.Model):
    """A party, movement, media outlet or NGO (also the publishers of lists)."""

    ref = models.CharField(max_length=100, unique=True, null=True, blank=True)
    name = models.CharField(max_length=300)
    short_name = models.CharField(max_length=100, blank=True)
    kind = models.CharField(max_length=20, choices=vocab.OrganisationKind.choices)
    country = models.CharField(max_length=2, blank=True)  # ISO 3166-1 alpha-2
    key = models.CharField(max_length=300, db_index=True, editable=False)
    visibility = visibility_field()
    notes = models.TextField(blank=True)

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.key = fold(self.name)
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return self.short_name or self.name


class Person(models.Model):
    """A person in the registry. Names live in :class:`PersonName`."""

    ref = models.CharField(max_length=100, unique=True, null=True, blank=True)
    sex = models.CharField(max_length=10, choices=vocab.Sex.choices, blank=True, default="")
    birth_date = PartialDateField()
    occupation = models.CharField(max_length=300, blank=True)
    photo = models.CharField(max_length=500, blank=True)  # a path or URL, not the image
    notes = models.TextField(blank=True)
    contacts = models.TextField(blank=True)  # family contacts: restricted by default
    visibility = visibility_field()
    field_visibility = models.JSONField(default=dict, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged"
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        permissions = [("view_restricted", "Can read restricted fields (contacts, notes…)")]

    @property
    def name(self) -> str:
        """The primary name (the first name entered when none is marked primary)."""
        names = list(self.names.all())
        primary = [n for n in names if n.kind == vocab.NameKind.PRIMARY]
        return (primary or names)[0].name if names else f"person {self.pk}"

    def __str__(self) -> str:
        return self.name


class PersonName(models.Model):
    """One written form of a person's name: in a script, of a kind."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="names")
    name = models.CharField(max_length=300)
    # A BCP 47 tag: az-Latn, ru-Cyrl, en. Free text so that any language fits.
    language = models.CharField(max_length=20, blank=True)
    kind = models.CharField(
        max_length=20, choices=vocab.NameKind.choices, default=vocab.NameKind.PRIMARY
    )
    key = models.CharField(max_length=300, db_index=True, editable=False)
    skeleton = models.CharField(max_length=300, db_index=True, editable=False)
    visibility = visibility_field()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "name", "kind", "visibility"], name="unique_person_name"
            )
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.fill_keys()
        super().save(*args, **kwargs)

    def fill_keys(self) -> None:
        self.key, self.skeleton = fold(self.name), skeleton(self.name)

    def __str__(self) -> str:
        return self.name


class Affiliation(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="affiliations")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="affiliations"
    )
    role = models.CharField(max_length=200, blank=True)
    start = PartialDateField()
    end = PartialDateField()
    visibility = visibility_field()

    class Meta:
        ordering = ["start", "id"]


class LegalArticle(models.Model):
    """An article of a country's code: ("AZ", "Criminal Code", "283.1", "incitement…")."""

    country = models.CharField(max_length=2)
    code = models.CharField(max_length=100)
    article = models.CharField(max_length=50)
    title = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["country", "code", "article"]
        constraints = [
            models.UniqueConstraint(
                fields=["country", "code", "article"], name="unique_legal_article"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.article}".strip()


class Court(models.Model):
    name = models.CharField(max_length=300, unique=True)
    city = models.CharField(max_length=200, blank=True)
    country = models.CharField(max_length=2, blank=True)

    def __str__(self) -> str:
        return self.name


class Case(models.Model):
    """A criminal or administrative proceeding."""

    ref = models.CharField(max_length=100, unique=True, null=True, blank=True)
    number = models.CharField(max_length=200, blank=True, db_index=True)
    title = models.CharField(max_length=500, blank=True)
    kind = models.CharField(
        max_length=20, choices=vocab.CaseKind.choices, default=vocab.CaseKind.CRIMINAL
    )
    country = models.CharField(max_length=2, blank=True)
    courts = models.ManyToManyField(Court, blank=True, related_name="cases")
    articles = models.ManyToManyField(LegalArticle, blank=True, related_name="cases")
    opened = PartialDateField()
    summary = models.TextField(blank=True)
    lawyer_notes = models.TextField(blank=True)  # restricted by default
    visibility = visibility_field()
    field_visibility = models.JSONField(default=dict, blank=True)
    sources = models.ManyToManyField(Source, blank=True, related_name="cases")
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.number or self.title or self.ref or f"case {self.pk}"


class CaseParticipant(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="participants")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="participations")
    role = models.CharField(max_length=20, choices=vocab.CaseRole.choices)
    visibility = visibility_field()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "person", "role", "visibility"], name="unique_participant"
            )
        ]


def at_least(level: int) -> models.Func:
    """A row's ``visibility``, raised to ``level`` if lower (never lowered): for
    ``update()``."""
    from django.db.models.functions import Greatest

    return Greatest("visibility", models.Value(int(level)))


class AppendOnlyQuerySet(models.QuerySet):
    """Refuses the bulk edits and deletes that would bypass :class:`AppendOnly`."""

    def _refuse(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise PermissionError(f"{self.model.__name__} is append-only: add a new record")

    update = delete = _refuse

    def bulk_update(
        self, objs: Iterable[Any], fields: Iterable[str], *args: Any, **kwargs: Any
    ) -> int:
        """Only the self-references an importer sets right after inserting a batch
        (``SET_AFTER_INSERT``, e.g. the event a correction withdraws)."""
        objs, fields = list(objs), list(fields)
        names = {f.removesuffix("_id") for f in fields}
        if not names or names - set(getattr(self.model, "SET_AFTER_INSERT", ())):
            self._refuse()
        # Django's bulk_update goes through update(), which this class refuses: one
        # plain UPDATE per row instead (corrections are few).
        for obj in objs:
            values = {f: getattr(obj, f) for f in fields}
            models.QuerySet.update(self.filter(pk=obj.pk), **values)
        return len(objs)

    def repoint(self, **targets: Any) -> int:
        """The one permitted change: a merge moves rows to the person kept (only the
        foreign keys listed in the model's ``REPOINTABLE``; the fact stays the same)."""
        allowed = getattr(self.model, "REPOINTABLE", ())
        if not targets or set(targets) - set(allowed):
            self._refuse()
        return super().update(**targets)

    def raise_level(self, level: int) -> int:
        """A merge may raise the level of the rows it moves (never lower it): a fact of
        a person hidden at ``level`` stays hidden at it on the person kept."""
        if "visibility" not in getattr(self.model, "RAISABLE", ()):
            self._refuse()
        return super().update(visibility=at_least(level))


class AppendOnly(models.Model):
    """A record that is written once: corrections are new records, never edits.

    The instance refuses ``save()`` of an existing row and ``delete()``; the manager's
    querysets refuse ``update()``, ``delete()`` and ``bulk_update()``; what a record
    points to cannot be deleted from under it (``PROTECT``).
    """

    objects = AppendOnlyQuerySet.as_manager()
    REPOINTABLE: tuple[str, ...] = ()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.pop("allow_update", False):
            raise PermissionError(f"{type(self).__name__} is append-only: add a new record")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise PermissionError(f"{type(self).__name__} is append-only: it cannot be deleted")


class StatusEvent(AppendOnly):
    """One step of a person's detention timeline. The current status is the latest
    event (by date, then by entry) that no later event withdraws."""

    REPOINTABLE = ("person",)
    RAISABLE = ("visibility",)
    SET_AFTER_INSERT = ("withdraws",)

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="events")
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    kind = models.CharField(max_length=30, choices=vocab.StatusKind.choices)
    date = PartialDateField(null=False, blank=False)
    place = models.CharField(max_length=300, blank=True)
    facility = models.CharField(max_length=300, blank=True)
    notes = models.TextField(blank=True)
    sources = models.ManyToManyField(Source, blank=True, related_name="events")
    # A correction: this event withdraws an earlier, wrong one (which stays on record).
    # A foreign key, not one-to-one: a correction at a level a team member cannot see
    # must not stop them from correcting the same event at theirs (the policy refuses a
    # second correction among the ones the actor can see).
    withdraws = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    visibility = visibility_field()
    recorded = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date", "id"]
        indexes = [models.Index(fields=["person", "date"], name="event_person_date")]

    @property
    def custody(self) -> vocab.Custody:
        return vocab.CUSTODY[self.kind]


class Hearing(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="hearings")
    date = PartialDateField(null=False, blank=False)
    court = models.ForeignKey(Court, null=True, blank=True, on_delete=models.PROTECT)
    kind = models.CharField(max_length=100, blank=True)  # preliminary, trial, appeal…
    outcome = models.CharField(
        max_length=20, choices=vocab.HearingOutcome.choices, default=vocab.HearingOutcome.SCHEDULED
    )
    postponement_reason = models.TextField(blank=True)
    next_date = PartialDateField()
    notes = models.TextField(blank=True)
    sources = models.ManyToManyField(Source, blank=True, related_name="hearings")
    visibility = visibility_field()

    class Meta:
        ordering = ["date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "date", "kind", "visibility"], name="unique_hearing"
            )
        ]


class Sentence(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="sentences")
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="sentences"
    )
    term_months = models.PositiveIntegerField(null=True, blank=True)
    term = models.CharField(max_length=100, blank=True)  # as published: "7 years 6 months"
    regime = models.CharField(max_length=100, blank=True)  # general, strict, special…
    start = PartialDateField()
    expected_release = PartialDateField()
    visibility = visibility_field()

    class Meta:
        ordering = ["start", "id"]


class Designation(models.Model):
    """An organisation lists the person as a political prisoner, under criteria."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="designations")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="designations"
    )
    criteria = models.CharField(max_length=300, blank=True)  # e.g. "PACE 2012 definition"
    since = PartialDateField()
    until = PartialDateField()
    source = models.ForeignKey(Source, null=True, blank=True, on_delete=models.SET_NULL)
    visibility = visibility_field()

    class Meta:
        ordering = ["since", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "organisation", "since", "visibility"], name="unique_designation"
            )
        ]


class ListRelease(models.Model):
    """A dated list published by an organisation (e.g. 303 names in June 2024)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="releases"
    )
    ref = models.CharField(max_length=100, unique=True, null=True, blank=True)
    title = models.CharField(max_length=300, blank=True)
    published = PartialDateField(null=False, blank=False)
    source = models.ForeignKey(Source, null=True, blank=True, on_delete=models.SET_NULL)
    visibility = visibility_field()

    class Meta:
        ordering = ["published", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "published", "title", "visibility"], name="unique_release"
            )
        ]

    def __str__(self) -> str:
        return self.title or f"{self.organisation} {self.published}"


class ListEntry(models.Model):
    release = models.ForeignKey(ListRelease, on_delete=models.CASCADE, related_name="entries")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="list_entries")
    position = models.PositiveIntegerField(null=True, blank=True)
    category = models.CharField(max_length=200, blank=True)  # a list's own section
    visibility = visibility_field()

    class Meta:
        ordering = ["release", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["release", "person", "visibility"], name="unique_list_entry"
            )
        ]


class Incident(models.Model):
    """An event counted by heads, as groups record protest detentions ("258 detained
    at the rally of 5 March"): when, where, what, who organised it, how many, with
    sources and, optionally, the people of the registry who were there."""

    ref = models.CharField(max_length=100, unique=True, null=True, blank=True)
    date = PartialDateField(null=False, blank=False)
    place = models.CharField(max_length=300, blank=True)
    country = models.CharField(max_length=2, blank=True)
    kind = models.CharField(max_length=30, choices=vocab.IncidentKind.choices)
    organiser = models.CharField(max_length=300, blank=True)
    detained = models.PositiveIntegerField(null=True, blank=True)
    summary = models.TextField(blank=True)
    notes = models.TextField(blank=True)
    sources = models.ManyToManyField(Source, blank=True, related_name="incidents")
    visibility = visibility_field()

    class Meta:
        ordering = ["date", "id"]


class IncidentPerson(models.Model):
    """A person of the registry at an incident."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="people")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="incidents")
    visibility = visibility_field()

    class Meta:
        ordering = ["incident", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "person", "visibility"], name="unique_incident_person"
            )
        ]


class AuditEvent(AppendOnly):
    """Who did what, when: every create, update, merge, import and export."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.CharField(max_length=200)
    action = models.CharField(max_length=30, db_index=True)
    target = models.CharField(max_length=200, blank=True)  # "person:12", "release:3", a file
    detail = models.JSONField(default=dict, blank=True)  # before/after, counts, ids

    class Meta:
        ordering = ["at", "id"]
