"""Controlled vocabularies: status events, roles, hearing outcomes, list reasons.

Each vocabulary is a Django ``TextChoices``; an import maps a source's own words onto
these values through its mapping file (docs/cases.md).
"""

from __future__ import annotations

import functools

from django.db import models

from vigil import i18n
from vigil.errors import InputError
from vigil.i18n import gettext as _
from vigil.i18n import pgettext_lazy


class StatusKind(models.TextChoices):
    DETAINED = "detained", pgettext_lazy("status event", "detained")
    ARRESTED = "arrested", pgettext_lazy("status event", "arrested (pre-trial custody)")
    HOUSE_ARREST = "house_arrest", pgettext_lazy("status event", "house arrest")
    RELEASED_PENDING_TRIAL = (
        "released_pending_trial",
        pgettext_lazy("status event", "released pending trial"),
    )
    CONVICTED = "convicted", pgettext_lazy("status event", "convicted")
    SENTENCED = "sentenced", pgettext_lazy("status event", "sentenced")
    TRANSFERRED = "transferred", pgettext_lazy("status event", "transferred")
    RELEASED = "released", pgettext_lazy("status event", "released")
    PARDONED = "pardoned", pgettext_lazy("status event", "pardoned")
    AMNESTIED = "amnestied", pgettext_lazy("status event", "amnestied")
    ACQUITTED = "acquitted", pgettext_lazy("status event", "acquitted")
    SENTENCE_SERVED = "sentence_served", pgettext_lazy("status event", "sentence served")
    EXILED = "exiled", pgettext_lazy("status event", "forced into exile")
    DIED_IN_CUSTODY = "died_in_custody", pgettext_lazy("status event", "died in custody")
    DIED = "died", pgettext_lazy("status event", "died")


class Custody(models.TextChoices):
    """What a status event means for the person's liberty (derived, never stored)."""

    HELD = (
        "held",
        pgettext_lazy("custody", "held"),
    )  # in custody: police cell, pre-trial detention, prison
    HOUSE_ARREST = "house_arrest", pgettext_lazy("custody", "house arrest")
    FREE = "free", pgettext_lazy("custody", "free")
    DEAD = "dead", pgettext_lazy("custody", "dead")


#: The liberty each event leaves the person in. A "transferred" or "convicted" person
#: is still held; "released pending trial" is free (but the case goes on).
CUSTODY: dict[str, Custody] = {
    StatusKind.DETAINED: Custody.HELD,
    StatusKind.ARRESTED: Custody.HELD,
    StatusKind.HOUSE_ARREST: Custody.HOUSE_ARREST,
    StatusKind.RELEASED_PENDING_TRIAL: Custody.FREE,
    StatusKind.CONVICTED: Custody.HELD,
    StatusKind.SENTENCED: Custody.HELD,
    StatusKind.TRANSFERRED: Custody.HELD,
    StatusKind.RELEASED: Custody.FREE,
    StatusKind.PARDONED: Custody.FREE,
    StatusKind.AMNESTIED: Custody.FREE,
    StatusKind.ACQUITTED: Custody.FREE,
    StatusKind.SENTENCE_SERVED: Custody.FREE,
    StatusKind.EXILED: Custody.FREE,
    StatusKind.DIED_IN_CUSTODY: Custody.DEAD,
    StatusKind.DIED: Custody.DEAD,
}

#: Deprived of liberty: what "held on a date" counts (custody and house arrest).
DEPRIVED = (Custody.HELD, Custody.HOUSE_ARREST)


class Sex(models.TextChoices):
    FEMALE = "female", pgettext_lazy("sex", "female")
    MALE = "male", pgettext_lazy("sex", "male")
    OTHER = "other", pgettext_lazy("sex", "other")
    UNKNOWN = "", pgettext_lazy("sex", "unknown")


class NameKind(models.TextChoices):
    PRIMARY = "primary", pgettext_lazy("name kind", "primary")
    TRANSLITERATION = "transliteration", pgettext_lazy("name kind", "transliteration")
    BIRTH = "birth", pgettext_lazy("name kind", "birth name")
    FORMER = (
        "former",
        pgettext_lazy("name kind", "former name"),
    )  # given up: before a marriage, a change of name
    ALIAS = "alias", pgettext_lazy("name kind", "alias")
    MERGED = "merged", pgettext_lazy("name kind", "name of a merged record")


class OrganisationKind(models.TextChoices):
    PARTY = "party", pgettext_lazy("organisation kind", "political party")
    MOVEMENT = "movement", pgettext_lazy("organisation kind", "movement")
    MEDIA = "media", pgettext_lazy("organisation kind", "media outlet")
    NGO = "ngo", pgettext_lazy("organisation kind", "NGO")
    RELIGIOUS = "religious", pgettext_lazy("organisation kind", "religious group")
    COURT = "court", pgettext_lazy("organisation kind", "court")
    OTHER = "other", pgettext_lazy("organisation kind", "other")


class CaseKind(models.TextChoices):
    CRIMINAL = "criminal", pgettext_lazy("case kind", "criminal")
    ADMINISTRATIVE = "administrative", pgettext_lazy("case kind", "administrative")


class CaseRole(models.TextChoices):
    DEFENDANT = "defendant", pgettext_lazy("case role", "defendant")
    LAWYER = "lawyer", pgettext_lazy("case role", "lawyer")
    JUDGE = "judge", pgettext_lazy("case role", "judge")
    PROSECUTOR = "prosecutor", pgettext_lazy("case role", "prosecutor")
    WITNESS = "witness", pgettext_lazy("case role", "witness")
    VICTIM = "victim", pgettext_lazy("case role", "victim")


class HearingOutcome(models.TextChoices):
    SCHEDULED = "scheduled", pgettext_lazy("hearing outcome", "scheduled")
    HELD = "held", pgettext_lazy("hearing outcome", "held")
    POSTPONED = "postponed", pgettext_lazy("hearing outcome", "postponed")
    ADJOURNED = "adjourned", pgettext_lazy("hearing outcome", "adjourned")
    VERDICT = "verdict", pgettext_lazy("hearing outcome", "verdict")


class Reliability(models.TextChoices):
    """How far a source is trusted (the Admiralty scale's first letter, in words)."""

    CONFIRMED = (
        "confirmed",
        pgettext_lazy("source reliability", "confirmed (document or court record)"),
    )
    RELIABLE = "reliable", pgettext_lazy("source reliability", "reliable")
    USUALLY_RELIABLE = "usually_reliable", pgettext_lazy("source reliability", "usually reliable")
    UNCONFIRMED = "unconfirmed", pgettext_lazy("source reliability", "unconfirmed")
    UNKNOWN = "", pgettext_lazy("source reliability", "unknown")


class RemovalReason(models.TextChoices):
    RELEASED = "released", pgettext_lazy("removal reason", "released")
    DIED = "died", pgettext_lazy("removal reason", "died")
    RECLASSIFIED = "reclassified", pgettext_lazy("removal reason", "reclassified")
    UNEXPLAINED = "unexplained", pgettext_lazy("removal reason", "not explained by the registry")


def choice(vocabulary: type[models.TextChoices], value: object, field: str) -> str:
    """``value`` as a member of ``vocabulary`` (by value or label, case-insensitive)."""
    text = str(value or "").strip().lower().replace("-", "_")
    english = _english_labels(vocabulary)
    for member in vocabulary:
        labels = (str(member.label).lower(), english[member.value])
        if text == member.value or any(
            text in (label, label.replace(" ", "_")) for label in labels
        ):
            return member.value
    allowed = ", ".join(m.value for m in vocabulary if m.value)
    raise InputError(
        _("%(field)s: expected one of %(allowed)s, got %(value)r")
        % {"field": field, "allowed": allowed, "value": value}
    )


@functools.cache
def _english_labels(vocabulary: type[models.TextChoices]) -> dict[str, str]:
    """The labels in English, lower case, by value: a file's words match in any language."""
    with i18n.override("en"):
        return {m.value: str(m.label).lower() for m in vocabulary}


class IncidentKind(models.TextChoices):
    """What happened at an incident: an event counted by heads, not (only) by names."""

    PROTEST_DETENTION = (
        "protest_detention",
        pgettext_lazy("incident kind", "detentions at a protest"),
    )
    SEARCH = "search", pgettext_lazy("incident kind", "search")
    RAID = "raid", pgettext_lazy("incident kind", "raid")
    ABDUCTION = "abduction", pgettext_lazy("incident kind", "abduction")
    ATTACK = "attack", pgettext_lazy("incident kind", "attack")
    OTHER = "other", pgettext_lazy("incident kind", "other")
