"""Duplicates and merges: one person entered twice under two spellings.

:func:`duplicates` proposes pairs whose names are alike across scripts (see
:mod:`vigil.cases.names`) and whose birth dates do not contradict each other.
:func:`merge` moves everything of the duplicate onto the person kept, adds the
duplicate's names as names of the kept person, fills the kept person's blank fields,
and marks the duplicate ``merged_into`` the kept one: nothing is deleted, every
moved row is listed in the audit trail, and the duplicate's ref still resolves.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from django.db import transaction
from rapidfuzz import fuzz, process

from vigil.cases import audit, registry
from vigil.cases.levels import Level
from vigil.errors import InputError

DUPLICATE_THRESHOLD = 90.0


def duplicates(level: Level, threshold: float = DUPLICATE_THRESHOLD) -> pd.DataFrame:
    """Pairs of people who may be one: ref_a, name_a, ref_b, name_b, score, reason."""
    from vigil.cases.models import Person

    names = registry.names_frame(level)
    columns = ["ref_a", "name_a", "ref_b", "name_b", "score", "reason"]
    if names.empty:
        return pd.DataFrame(columns=columns)
    births = dict(Person.objects.values_list("id", "birth_date"))
    pairs: dict[tuple[int, int], tuple[float, str]] = {}

    def propose(a: int, b: int, score: float, why: str) -> None:
        if a == b:
            return
        key = (min(a, b), max(a, b))
        ba, bb = births.get(key[0]), births.get(key[1])
        if ba and bb and not (ba.earliest <= bb.latest and bb.earliest <= ba.latest):
            return  # born on different dates: namesakes, not duplicates
        if score > pairs.get(key, (0.0, ""))[0]:
            pairs[key] = (score, why)

    for _, group in names[names["skeleton"] != ""].groupby("skeleton"):
        ids = group["person_id"].unique()
        for i, a in enumerate(ids):
            for b in ids[i + 1 :]:
                propose(int(a), int(b), 95.0, "same consonants across scripts")
    # Fuzzy pairs within blocks that share each word's first consonant skeleton letter.
    block = names["skeleton"].str.replace("a-", "", regex=False).str[:1]
    for _, group in names.groupby(block):
        keys, ids = group["key"].tolist(), group["person_id"].to_numpy()
        if len(keys) < 2:
            continue
        scores = process.cdist(
            keys, keys, scorer=fuzz.token_sort_ratio, score_cutoff=threshold, workers=-1
        )
        for i, j in zip(*scores.nonzero(), strict=True):
            if i < j:
                score = float(scores[i, j])
                why = "same name across scripts" if score == 100 else "similar spelling"
                propose(int(ids[i]), int(ids[j]), score, why)
    display = registry.primary_names(level, names)
    refs = dict(Person.objects.values_list("id", "ref"))
    rows = [
        (refs[a], display.get(a, ""), refs[b], display.get(b, ""), round(s, 1), why)
        for (a, b), (s, why) in pairs.items()
        if s >= threshold
    ]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.sort_values(["score", "ref_a"], ascending=[False, True]).reset_index(drop=True)


_MOVABLE = (
    "affiliations",
    "participations",
    "events",
    "sentences",
    "designations",
    "list_entries",
)
_FILLABLE = ("sex", "birth_date", "occupation", "photo", "notes", "contacts")


def merge(keep_key: str, drop_key: str, *, actor: str | None = None) -> dict[str, Any]:
    """Merge the person ``drop_key`` into ``keep_key`` (one transaction, audited)."""
    from vigil.cases import models as m

    level = Level.RESTRICTED
    keep, drop = registry.person(keep_key, level), registry.person(drop_key, level)
    if keep.pk == drop.pk:
        raise InputError(f"{keep_key!r} and {drop_key!r} are the same person ({keep.ref})")
    with transaction.atomic():
        before = {"keep": _snapshot(keep), "drop": _snapshot(drop)}
        moved: dict[str, list[int]] = {}
        for relation in _MOVABLE:
            rows = getattr(drop, relation).all()
            if relation == "list_entries":
                both = set(keep.list_entries.values_list("release_id", flat=True))
                rows = rows.exclude(release_id__in=both)
            if relation == "participations":
                taken = set(keep.participations.values_list("case_id", "role"))
                rows = [r for r in rows if (r.case_id, r.role) not in taken]
                ids = [r.id for r in rows]
                m.CaseParticipant.objects.filter(id__in=ids).update(person=keep)
            elif relation == "events":
                ids = list(rows.values_list("id", flat=True))
                # Status events are append-only; a merge re-points them to the person
                # kept (recorded below) and changes no fact: the one permitted change.
                m.StatusEvent.objects.filter(id__in=ids).repoint(person=keep)
            else:
                ids = list(rows.values_list("id", flat=True))
                rows.model.objects.filter(id__in=ids).update(person=keep)
            moved[relation] = ids
        known = {(n.name, n.kind) for n in keep.names.all()}
        for n in drop.names.all():
            kind = n.kind if n.kind != "primary" else "merged"
            if (n.name, kind) not in known and (n.name, n.kind) not in known:
                m.PersonName.objects.create(
                    person=keep,
                    name=n.name,
                    language=n.language,
                    kind=kind,
                    visibility=n.visibility,
                )
        filled = []
        for field in _FILLABLE:
            if not getattr(keep, field) and getattr(drop, field):
                setattr(keep, field, getattr(drop, field))
                filled.append(field)
        keep.save()
        drop.merged_into = keep
        drop.save()
        detail = {"before": before, "moved": moved, "filled": filled, "kept": keep.ref}
        audit.record("merge", f"person:{drop.ref}", detail, by=actor)
    return {
        "kept": keep.ref,
        "merged": drop.ref,
        "moved": {k: len(v) for k, v in moved.items()},
        "filled": filled,
    }


def _snapshot(p: Any) -> dict[str, Any]:
    return {
        "ref": p.ref,
        "names": [(n.name, n.language, n.kind) for n in p.names.all()],
        **{f: str(getattr(p, f) or "") for f in _FILLABLE},
        "visibility": p.visibility,
    }
