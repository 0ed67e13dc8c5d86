"""Duplicates and merges: one person entered twice under two spellings.

:func:`duplicates` proposes pairs of people whose names are one name by
:func:`vigil.cases.name_parts.pair_score` (order-free parts, patronymics apart,
Chinese by characters and pinyin) and whose other facts do not contradict it: birth
dates that cannot be the same day, or a different sex, rule a pair out; the same
birth date, organisation or place of detention count for it.
:func:`merge` moves everything of the duplicate that the actor may see onto the
person kept, adds the duplicate's names as names of the kept person, fills the kept
person's blank fields, and marks the duplicate ``merged_into`` the kept one: nothing
is deleted, nothing moves to a lower level, every moved row is listed in the audit
trail, and the duplicate's ref still resolves.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from typing import Any

import pandas as pd
from django.db import transaction
from rapidfuzz import fuzz, process

from vigil.cases import audit, name_parts, policy, registry
from vigil.cases.levels import Level
from vigil.cases.names import fold
from vigil.cases.policy import Who
from vigil.errors import InputError
from vigil.i18n import gettext as _

DUPLICATE_THRESHOLD = 90.0
#: What each fact two records share adds to their names' score (at most 100).
EVIDENCE_BONUS = 4.0
#: Blocks of names sharing a part larger than this are compared by the fuzzy pass only
#: (a surname shared by thousands is no evidence on its own).
_BLOCK_LIMIT = 400


def _blocks(spellings: tuple[name_parts.Spelling, ...]) -> set[str]:
    """Keys two names share when they may be one name (candidates for the score)."""
    keys: set[str] = set()
    for s in spellings:
        if s.han:
            keys.add("h:" + s.han)
            keys.update("y:" + p for p in s.pinyin)
            continue
        if s.compact:
            keys.add("y:" + s.compact)
        loose = sorted({name_parts.loose(p) for p in s.parts})
        if len(loose) == 1:
            keys.add("1:" + loose[0])
        keys.update("2:" + a + "|" + b for a, b in itertools.combinations(loose, 2))
    return keys


def _name_score(
    a: list[tuple[name_parts.Spelling, ...]], b: list[tuple[name_parts.Spelling, ...]]
) -> tuple[float, str]:
    """Two people's best name score and why. When both have a name in Chinese
    characters, those decide: equal pinyin on their Latin names proves nothing."""
    flat_a = [s for spellings in a for s in spellings]
    flat_b = [s for spellings in b for s in spellings]
    han_a, han_b = [s for s in flat_a if s.han], [s for s in flat_b if s.han]
    if han_a and han_b:
        flat_a, flat_b = han_a, han_b
    best, why = 0.0, ""
    for sx in flat_a:
        for sy in flat_b:
            value = name_parts.spellings_score((sx,), (sy,))
            if value > best:
                best, why = value, _why(sx, sy, value)
    return best, why


def _why(a: name_parts.Spelling, b: name_parts.Spelling, value: float) -> str:
    if a.han and b.han:
        return "same characters" if a.han == b.han else "same pinyin, other characters"
    if a.han or b.han:
        return "pinyin of the Chinese name"
    if value >= 100:
        return "same name across scripts"
    return "similar spelling"


def _facts(level: Who) -> dict[str, dict[int, Any]]:
    """What may confirm or rule out a pair, as ``level`` may see it: birth dates, sex,
    organisations and places of detention (folded) by person id."""
    from vigil.cases.models import Affiliation, StatusEvent

    births: dict[int, Any] = {}
    sexes: dict[int, str] = {}
    for p in policy.people(level).only("id", "birth_date", "sex", "field_visibility"):
        if p.birth_date and policy.shows(p, "birth_date", level):
            births[p.id] = p.birth_date
        if p.sex and policy.shows(p, "sex", level):
            sexes[p.id] = p.sex
    orgs: dict[int, set[int]] = defaultdict(set)
    for pid, org in policy.visible(Affiliation, level).values_list("person_id", "organisation_id"):
        orgs[pid].add(org)
    places: dict[int, set[str]] = defaultdict(set)
    rows = policy.visible(StatusEvent, level).values_list("person_id", "place", "facility")
    for pid, place, facility in rows:
        places[pid].update(fold(t) for t in (place, facility) if t and fold(t))
    return {"birth": births, "sex": sexes, "orgs": orgs, "places": places}


def _evidence(a: int, b: int, facts: dict[str, dict[int, Any]]) -> tuple[float, list[str]] | None:
    """What the two records' other facts add to their names' score, and why; None when
    a fact rules the pair out."""
    ba, bb = facts["birth"].get(a), facts["birth"].get(b)
    bonus, why = 0.0, list[str]()
    if ba and bb:
        if not (ba.earliest <= bb.latest and bb.earliest <= ba.latest):
            return None  # born on different dates: namesakes, not duplicates
        if ba.day and bb.day and ba.earliest == bb.earliest:
            bonus, why = bonus + EVIDENCE_BONUS, [*why, "same birth date"]
    sa, sb = facts["sex"].get(a), facts["sex"].get(b)
    if sa and sb and sa != sb:
        return None
    if facts["orgs"].get(a, set()) & facts["orgs"].get(b, set()):
        bonus, why = bonus + EVIDENCE_BONUS, [*why, "same organisation"]
    if facts["places"].get(a, set()) & facts["places"].get(b, set()):
        bonus, why = bonus + EVIDENCE_BONUS, [*why, "same place"]
    return bonus, why


def duplicates(level: Who, threshold: float = DUPLICATE_THRESHOLD) -> pd.DataFrame:
    """Pairs of people who may be one: ref_a, name_a, ref_b, name_b, score, reason."""

    names = registry.names_frame(level)
    columns = ["ref_a", "name_a", "ref_b", "name_b", "score", "reason"]
    if names.empty:
        return pd.DataFrame(columns=columns)
    read: dict[int, list[tuple[name_parts.Spelling, ...]]] = defaultdict(list)
    blocks: dict[str, set[int]] = defaultdict(set)
    for pid, name, key in zip(names["person_id"], names["name"], names["key"], strict=True):
        spellings = name_parts.parse_stored(name, key)
        read[int(pid)].append(spellings)
        for shared in _blocks(spellings):
            blocks[shared].add(int(pid))
    candidates: set[tuple[int, int]] = set()
    for members in blocks.values():
        if 1 < len(members) <= _BLOCK_LIMIT:
            candidates.update(itertools.combinations(sorted(members), 2))
    # Spellings a letter or two apart (no shared part key): the fuzzy pass of the
    # folded names, within blocks of the same first consonant.
    plain = names[~names["name"].map(name_parts.is_han)]
    first = plain["skeleton"].str.replace("a-", "", regex=False).str[:1]
    for _first, group in plain.groupby(first):
        keys, ids = group["key"].tolist(), group["person_id"].to_numpy()
        if len(keys) < 2:
            continue
        scores = process.cdist(
            keys, keys, scorer=fuzz.token_sort_ratio, score_cutoff=85, workers=-1
        )
        for i, j in zip(*scores.nonzero(), strict=True):
            a, b = int(ids[i]), int(ids[j])
            if a != b:
                candidates.add((min(a, b), max(a, b)))
    facts = _facts(level)
    pairs: dict[tuple[int, int], tuple[float, str]] = {}
    for a, b in candidates:
        value, why = _name_score(read[a], read[b])
        if value + 3 * EVIDENCE_BONUS < threshold:
            continue
        evidence = _evidence(a, b, facts)
        if evidence is None:
            continue
        bonus, more = evidence
        value = min(value + bonus, 100.0)
        if value >= threshold:
            pairs[(a, b)] = (value, "; ".join([why, *more]))
    display = registry.primary_names(level, names)
    refs = dict(policy.people(level).values_list("id", "ref"))
    rows = [
        (refs[a], display.get(a, ""), refs[b], display.get(b, ""), round(s, 1), why)
        for (a, b), (s, why) in pairs.items()
    ]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.sort_values(["score", "ref_a"], ascending=[False, True]).reset_index(drop=True)


# Relations moved from the duplicate to the person kept, with what makes two rows the
# same fact there: the natural key of the interchange format (vigil.cases.schema) less
# the person, so that a merged registry exports and imports again. A duplicate's row
# the person kept already holds "collapses": it stays where it is.
_MOVABLE: dict[str, tuple[str, ...]] = {
    "affiliations": ("organisation_id", "role", "start"),
    "participations": ("case_id", "role"),
    "events": ("kind", "date", "case_id"),
    "sentences": ("case_id", "start"),
    "designations": ("organisation_id", "since"),
    "list_entries": ("release_id",),
    "incidents": ("incident_id",),  # the person's links to incidents (IncidentPerson)
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
        raise InputError(
            _("%(keep)r and %(drop)r are the same person (%(ref)s)")
            % {"keep": keep_key, "drop": drop_key, "ref": keep.ref}
        )
    if keep.merged_into_id is not None:
        raise InputError(
            _("%(ref)s is merged into another person: keep that one") % {"ref": keep.ref}
        )
    if drop.merged_into_id not in (None, keep.pk):
        raise InputError(_("%(ref)s is already merged into another person") % {"ref": drop.ref})
    with transaction.atomic():
        before = {"keep": policy.snapshot(keep), "drop": policy.snapshot(drop)}
        hidden_at = Level(drop.visibility)
        moved: dict[str, list[int]] = {}
        collapsed: dict[str, list[int]] = {}
        for relation, same in _MOVABLE.items():
            rows = list(policy.visible(getattr(drop, relation).all(), who))
            # Against the rows of the person kept that the actor sees: a row they may
            # not see must change nothing they can observe (hidden same as missing), or
            # what moved would tell them it exists. A merge at a lower level than a
            # hidden twin can thus leave two rows with one key (the restricted export
            # then refuses to import): merge at the restricted level, the CLI's default.
            visible_keep = policy.visible(getattr(keep, relation).all(), who)
            held = {tuple(getattr(r, f) for f in same) for r in visible_keep}
            collapsed[relation] = [r.id for r in rows if tuple(getattr(r, f) for f in same) in held]
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
            raise InputError(
                _("%(drop)s is already merged into %(keep)s: nothing left to move")
                % {"drop": drop.ref, "keep": keep.ref}
            )
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

    # The names of the person kept that ``who`` sees ((person, name, kind) is a name's
    # key in an export); a hidden one must change nothing ``who`` observes (see merge).
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
