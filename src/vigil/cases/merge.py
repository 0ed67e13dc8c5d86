"""Duplicates and merges: one person entered twice under two spellings.

:func:`duplicates` proposes pairs whose names are alike across scripts (see
:mod:`vigil.cases.names`) and whose birth dates do not contradict each other.
:func:`merge` moves everything of the duplicate that the actor may see onto the
person kept, adds the duplicate's names as names of the kept person, fills the kept
person's blank fields, and marks the duplicate ``merged_into`` the kept one: nothing
is deleted, nothing moves to a lower level, every moved row is listed in the audit
trail, and the duplicate's ref still resolves.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from django.db import transaction
from rapidfuzz import fuzz, process

from vigil.cases import audit, policy, registry
from vigil.cases.levels import Level
from vigil.cases.policy import Who
from vigil.errors import InputError

DUPLICATE_THRESHOLD = 90.0


def duplicates(level: Who, threshold: float = DUPLICATE_THRESHOLD) -> pd.DataFrame:
    """Pairs of people who may be one: ref_a, name_a, ref_b, name_b, score, reason."""

    names = registry.names_frame(level)
    columns = ["ref_a", "name_a", "ref_b", "name_b", "score", "reason"]
    if names.empty:
        return pd.DataFrame(columns=columns)
    births = {
        p.id: p.birth_date
        for p in policy.people(level).only("id", "birth_date", "field_visibility")
        if policy.shows(p, "birth_date", level)
    }
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
    refs = dict(policy.people(level).values_list("id", "ref"))
    rows = [
        (refs[a], display.get(a, ""), refs[b], display.get(b, ""), round(s, 1), why)
        for (a, b), (s, why) in pairs.items()
        if s >= threshold
    ]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.sort_values(["score", "ref_a"], ascending=[False, True]).reset_index(drop=True)


# Relations moved from the duplicate to the person kept, with what makes two rows the
# same fact there (then the duplicate's row "collapses": it stays where it is, since
# the person kept already holds it).
_MOVABLE: dict[str, tuple[str, ...] | None] = {
    "affiliations": None,
    "participations": ("case_id", "role"),
    "events": None,
    "sentences": None,
    "designations": ("organisation_id", "since"),
    "list_entries": ("release_id",),
}
_FILLABLE = ("sex", "birth_date", "occupation", "photo", "notes", "contacts")


def _person(key: str, who: policy.Actor) -> Any:
    """The person ``key`` names for this merge, not following a merge (a duplicate
    merged into the person kept may be merged again: what the first merge could not
    see moves then)."""
    from vigil.cases.models import Person

    found = policy.visible(Person, who).filter(ref=str(key).strip()).first()
    return found if found is not None else registry.person(key, who)


def merge(
    keep_key: str, drop_key: str, *, actor: policy.Actor | str | None = None
) -> dict[str, Any]:
    """Merge the person ``drop_key`` into ``keep_key`` (one transaction, audited).

    ``actor`` merges as the policy lets it (a name or nothing: the operator, who sees
    everything). What the actor cannot see of the duplicate stays with it, as if it
    did not exist; a restricted actor merging the same pair again moves it. A moved
    row keeps the level it was hidden at (raised to the duplicate's own level, never
    lowered), and a field filled from the duplicate keeps its level on the person kept
    (as an override), so a merge never publishes anything.
    """
    from vigil.cases.models import at_least

    who = policy.acting(actor)
    policy.require_edit(who)
    keep, drop = _person(keep_key, who), _person(drop_key, who)
    if keep.pk == drop.pk:
        raise InputError(f"{keep_key!r} and {drop_key!r} are the same person ({keep.ref})")
    if keep.merged_into_id is not None:
        raise InputError(f"{keep.ref} is merged into another person: keep that one")
    if drop.merged_into_id not in (None, keep.pk):
        raise InputError(f"{drop.ref} is already merged into another person")
    with transaction.atomic():
        before = {"keep": policy.snapshot(keep), "drop": policy.snapshot(drop)}
        hidden_at = Level(drop.visibility)
        moved: dict[str, list[int]] = {}
        collapsed: dict[str, list[int]] = {}
        for relation, same in _MOVABLE.items():
            rows = list(policy.visible(getattr(drop, relation).all(), who))
            if same is not None:
                held = {
                    tuple(getattr(r, f) for f in same)
                    for r in policy.visible(getattr(keep, relation).all(), who)
                }
                collapsed[relation] = [
                    r.id for r in rows if tuple(getattr(r, f) for f in same) in held
                ]
                gone = set(collapsed[relation])
                rows = [r for r in rows if r.id not in gone]
            ids = [r.id for r in rows]
            model = getattr(drop, relation).model
            if relation == "events":
                # Status events are append-only; a merge re-points them to the person
                # kept and may raise their level: the one permitted change.
                model.objects.filter(id__in=ids).raise_level(hidden_at)
                model.objects.filter(id__in=ids).repoint(person=keep)
            else:
                model.objects.filter(id__in=ids).update(person=keep, visibility=at_least(hidden_at))
            moved[relation] = ids
        names = _move_names(keep, drop, who, hidden_at)
        filled = _fill(keep, drop, who)
        if drop.merged_into_id == keep.pk and not (any(moved.values()) or names or filled):
            raise InputError(f"{drop.ref} is already merged into {keep.ref}: nothing left to move")
        drop.merged_into = keep
        drop.save()
        detail = {
            "before": before,
            "after": {"keep": policy.snapshot(keep)},
            "moved": moved,
            "collapsed": {k: v for k, v in collapsed.items() if v},
            "names": names,
            "filled": filled,
            "kept": policy.audit_target(keep),
        }
        audit.record("merge", policy.audit_target(drop), detail, by=who)
    return {
        "kept": keep.ref,
        "merged": drop.ref,
        "moved": {k: len(v) for k, v in moved.items()},
        "filled": filled,
    }


def _move_names(keep: Any, drop: Any, who: policy.Actor, hidden_at: Level) -> int:
    """Add the duplicate's names (those ``who`` sees) to the person kept, as ``merged``
    names at the level they were hidden at; the duplicate keeps its own."""
    from vigil.cases.models import PersonName

    known = {(n.name, n.kind) for n in policy.visible(keep.names.all(), who)}
    added = 0
    for n in policy.visible(drop.names.all(), who):
        kind = n.kind if n.kind != "primary" else "merged"
        level = policy.raised(n.visibility, hidden_at)
        if (n.name, kind) in known or (n.name, n.kind) in known:
            continue
        PersonName.objects.get_or_create(
            person=keep,
            name=n.name,
            kind=kind,
            visibility=level,
            defaults={"language": n.language},
        )
        known.add((n.name, kind))
        added += 1
    return added


def _fill(keep: Any, drop: Any, who: policy.Actor) -> list[str]:
    """Fill the kept person's blank fields from the duplicate (those ``who`` may see on
    both); each filled field keeps, on the person kept, the level it had on the
    duplicate (the field's own or the duplicate's, whichever is higher)."""
    filled = []
    for field in _FILLABLE:
        if not (policy.shows(keep, field, who) and policy.shows(drop, field, who)):
            continue
        if getattr(keep, field) or not getattr(drop, field):
            continue
        setattr(keep, field, getattr(drop, field))
        policy.keep_level(
            keep, field, policy.raised(policy.column_level(drop, field), drop.visibility)
        )
        filled.append(field)
    keep.save()
    return filled
