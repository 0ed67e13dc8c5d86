"""Controlled vocabularies: status events, roles, hearing outcomes, list reasons.

Each vocabulary is a Django ``TextChoices``; an import maps a source's own words onto
these values through its mapping file (docs/cases.md).
"""

from __future__ import annotations

from django.db import models

from vigil.errors import InputError


class StatusKind(models.TextChoices):
    DETAINED = "detained", "detained"
    ARRESTED = "arrested", "arrested (pre-trial custody)"
    HOUSE_ARREST = "house_arrest", "house arrest"
    RELEASED_PENDING_TRIAL = "released_pending_trial", "released pending trial"
    CONVICTED = "convicted", "convicted"
    SENTENCED = "sentenced", "sentenced"
    TRANSFERRED = "transferred", "transferred"
    RELEASED = "released", "released"
    PARDONED = "pardoned", "pardoned"
    AMNESTIED = "amnestied", "amnestied"
    ACQUITTED = "acquitted", "acquitted"
    SENTENCE_SERVED = "sentence_served", "sentence served"
    EXILED = "exiled", "forced into exile"
    DIED_IN_CUSTODY = "died_in_custody", "died in custody"
    DIED = "died", "died"


class Custody(models.TextChoices):
    """What a status event means for the person's liberty (derived, never stored)."""

    HELD = "held", "held"  # in custody: police cell, pre-trial detention, prison
    HOUSE_ARREST = "house_arrest", "house arrest"
    FREE = "free", "free"
    DEAD = "dead", "dead"


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
    FEMALE = "female", "female"
    MALE = "male", "male"
    OTHER = "other", "other"
    UNKNOWN = "", "unknown"


class NameKind(models.TextChoices):
    PRIMARY = "primary", "primary"
    TRANSLITERATION = "transliteration", "transliteration"
    BIRTH = "birth", "birth name"
    FORMER = "former", "former name"  # given up: before a marriage, a change of name
    ALIAS = "alias", "alias"
    MERGED = "merged", "name of a merged record"


class OrganisationKind(models.TextChoices):
    PARTY = "party", "political party"
    MOVEMENT = "movement", "movement"
    MEDIA = "media", "media outlet"
    NGO = "ngo", "NGO"
    RELIGIOUS = "religious", "religious group"
    COURT = "court", "court"
    OTHER = "other", "other"


class CaseKind(models.TextChoices):
    CRIMINAL = "criminal", "criminal"
    ADMINISTRATIVE = "administrative", "administrative"


class CaseRole(models.TextChoices):
    DEFENDANT = "defendant", "defendant"
    LAWYER = "lawyer", "lawyer"
    JUDGE = "judge", "judge"
    PROSECUTOR = "prosecutor", "prosecutor"
    WITNESS = "witness", "witness"
    VICTIM = "victim", "victim"


class HearingOutcome(models.TextChoices):
    SCHEDULED = "scheduled", "scheduled"
    HELD = "held", "held"
    POSTPONED = "postponed", "postponed"
    ADJOURNED = "adjourned", "adjourned"
    VERDICT = "verdict", "verdict"


class Reliability(models.TextChoices):
    """How far a source is trusted (the Admiralty scale's first letter, in words)."""

    CONFIRMED = "confirmed", "confirmed (document or court record)"
    RELIABLE = "reliable", "reliable"
    USUALLY_RELIABLE = "usually_reliable", "usually reliable"
    UNCONFIRMED = "unconfirmed", "unconfirmed"
    UNKNOWN = "", "unknown"


class RemovalReason(models.TextChoices):
    RELEASED = "released", "released"
    DIED = "died", "died"
    RECLASSIFIED = "reclassified", "reclassified"
    UNEXPLAINED = "unexplained", "not explained by the registry"


def choice(vocabulary: type[models.TextChoices], value: object, field: str) -> str:
    """``value`` as a member of ``vocabulary`` (by value or label, case-insensitive)."""
    text = str(value or "").strip().lower().replace("-", "_")
    for member in vocabulary:
        if text in (
            member.value,
            str(member.label).lower(),
            str(member.label).lower().replace(" ", "_"),
        ):
            return member.value
    allowed = ", ".join(m.value for m in vocabulary if m.value)
    raise InputError(f"{field}: expected one of {allowed}, got {value!r}")


class IncidentKind(models.TextChoices):
    """What happened at an incident: an event counted by heads, not (only) by names."""

    PROTEST_DETENTION = "protest_detention", "detentions at a protest"
    SEARCH = "search", "search"
    RAID = "raid", "raid"
    ABDUCTION = "abduction", "abduction"
    ATTACK = "attack", "attack"
    OTHER = "other", "other"
