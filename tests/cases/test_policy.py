"""The policy (vigil.cases.policy): one place for "who may see and change what".

Its rules are checked against a model worked out independently in
``test_visibility.py`` (exports) and walked through every page, endpoint and command
in ``tests/web/test_read_walk.py`` and ``test_write_walk.py``. Here: that it is the
only place (no other module compares a level), and its own pieces.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from vigil.cases.levels import Level

P, INT, R = Level.PUBLIC, Level.INTERNAL, Level.RESTRICTED
SRC = Path(__file__).resolve().parents[2] / "src" / "vigil"

#: Modules allowed to speak of levels as such: the policy, the level type, the schema
#: (default level of each column), the field and the migrations.
ALLOWED = {
    "cases/policy.py",
    "cases/levels.py",
    "cases/schema.py",
    "cases/fields.py",
    "cases/models.py",
    "cases/appendonly.py",
}

#: Modules whose ``level`` is a geographic level (oblast, raion, hromada, an area the maps
#: do not delimit), never a confidentiality level: the territory package and the claims
#: checker's territory side. They must not touch the registry at all (checked below), so
#: exempting them cannot hide a level check on registry data.
GEOGRAPHIC = {"claims/territory.py", "claims/places.py", "claims/parse.py", "web/map_api.py"}


def _level_uses(path: Path) -> list[str]:
    """Places in ``path`` that filter or compare by level: a ``visibility__`` lookup, a
    comparison whose side is ``….visibility``, ``….level`` or ``Level.X``."""
    text = path.read_text(encoding="utf-8")
    tree = ast.parse(text)
    lines = text.splitlines()
    found = []

    def levelish(node: ast.AST) -> bool:
        if isinstance(node, ast.Attribute) and node.attr in ("visibility", "level"):
            return True
        if isinstance(node, ast.Name) and node.id in ("level", "lv"):
            return True
        return (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "Level"
        )

    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg and "visibility__" in node.arg:
            found.append(f"{node.lineno}: lookup {node.arg}")
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and "visibility__" in node.value
        ):
            found.append(f"{node.lineno}: lookup {node.value!r}")
        if isinstance(node, ast.Compare) and any(
            isinstance(op, ast.Lt | ast.LtE | ast.Gt | ast.GtE | ast.Eq | ast.NotEq)
            for op in node.ops
        ):
            sides = [node.left, *node.comparators]
            allowed = "# policy: matching, not access" in lines[node.lineno - 1]
            if any(levelish(s) for s in sides) and not allowed:
                found.append(f"{node.lineno}: comparison {ast.unparse(node)}")
    return found


def test_no_module_but_the_policy_filters_by_level():
    """The guide's rule: "if you write visibility__lte outside that module, the design
    is broken". Every module of the package is read; a level comparison or lookup
    outside :data:`ALLOWED` fails here with its file and line."""
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC).as_posix()
        if relative in ALLOWED or "/migrations/" in relative or relative.startswith("territory/"):
            continue
        if relative in GEOGRAPHIC:
            imports = re.findall(
                r"^\s*(?:from|import)\s+(vigil\.cases\S*|vigil\.claims\.cases"
                r"|vigil\.claims import .*\bcases\b)",
                path.read_text(encoding="utf-8"),
                flags=re.M,
            )
            assert not imports, f"{relative} reads the registry: {imports}"
            continue
        offenders += [f"{relative}:{use}" for use in _level_uses(path)]
    assert not offenders, "level checks outside vigil.cases.policy:\n" + "\n".join(offenders)


def test_the_check_finds_a_level_comparison(tmp_path):
    """The check above can fail: it sees each form a level check takes."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "a = qs.filter(visibility__lte=level)\n"
        "b = obj.visibility > level\n"
        "c = who.level >= Level.RESTRICTED\n"
        "d = {'person__visibility__lte': 1}\n"
    )
    assert len(_level_uses(sample)) == 4


# -- the actor ----------------------------------------------------------------------------


def test_actor_from_a_user(db):
    from django.contrib.auth.models import AnonymousUser, Group, Permission, User

    from vigil.cases.policy import Actor

    assert Actor.for_user(AnonymousUser()) == Actor()
    viewer = User.objects.create_user("vic", password="x" * 20)
    viewer.groups.add(Group.objects.get(name="viewer"))
    who = Actor.for_user(viewer)
    assert (who.level, who.can_edit, who.is_admin, who.name) == (INT, False, False, "vic")
    editor = User.objects.create_user("edna", password="x" * 20)
    editor.groups.add(Group.objects.get(name="editor"))
    # an editor without a verified second factor reads as the public, changes nothing
    assert Actor.for_user(editor).level == P and not Actor.for_user(editor).can_edit
    editor.is_verified = lambda: True
    assert Actor.for_user(editor).can_edit and Actor.for_user(editor).level == INT
    editor.user_permissions.add(Permission.objects.get(codename="view_restricted"))
    editor = User.objects.get(pk=editor.pk)  # permissions are cached per instance
    editor.is_verified = lambda: True
    assert Actor.for_user(editor).level == R


def test_grants_need_a_holder_and_never_go_to_oneself():
    from vigil.cases.policy import Actor

    holder = Actor(level=R, is_admin=True, holds_restricted=True, user_id=1)
    assert holder.may_grant_restricted(2) and not holder.may_grant_restricted(1)
    assert not Actor(level=INT, is_admin=True, user_id=3).may_grant_restricted(2)
    assert not Actor(level=R, holds_restricted=True, user_id=4).may_grant_restricted(2)
    assert Actor.operator_at(name="op").may_grant_restricted(2)


# -- records ------------------------------------------------------------------------------


def test_a_record_needs_what_it_points_to(db):
    from vigil.cases import models as m
    from vigil.cases import policy

    org = m.Organisation.objects.create(name="Hidden publisher", kind="ngo", visibility=2)
    release = m.ListRelease.objects.create(organisation=org, published="2026", visibility=0)
    person = m.Person.objects.create(ref="P1")
    entry = m.ListEntry.objects.create(release=release, person=person)
    # the entry is public, its release public, but the publisher restricted
    assert policy.level_of(entry) == R
    assert list(policy.visible(m.ListEntry, INT)) == []
    assert list(policy.visible(m.ListEntry, R)) == [entry]
    event = m.StatusEvent.objects.create(person=person, kind="arrested", date="2026")
    assert list(policy.visible(m.StatusEvent, P)) == [event]  # no case: not needed


def test_effective_levels_in_one_query_agree_with_level_of(db):
    from vigil.cases import models as m
    from vigil.cases import policy

    org = m.Organisation.objects.create(name="Publisher", kind="ngo", visibility=1)
    release = m.ListRelease.objects.create(organisation=org, published="2026")
    person = m.Person.objects.create(ref="P1", visibility=2)
    m.ListEntry.objects.create(release=release, person=person)
    case = m.Case.objects.create(ref="C1", visibility=1)
    m.StatusEvent.objects.create(person=person, kind="arrested", date="2026", case=case)
    free = m.Person.objects.create(ref="P2")
    m.StatusEvent.objects.create(person=free, kind="arrested", date="2026")  # no case
    for model in (m.ListRelease, m.ListEntry, m.StatusEvent, m.Person):
        levels = policy.effective_levels(model)
        assert levels == {o.pk: policy.level_of(o) for o in model.objects.all()}, model
    assert set(policy.effective_levels(m.StatusEvent).values()) == {R, P}


def test_a_hidden_correction_withdraws_nothing_for_the_reader(db):
    from vigil.cases import models as m
    from vigil.cases import policy

    person = m.Person.objects.create(ref="P1")
    wrong = m.StatusEvent.objects.create(person=person, kind="arrested", date="2026-01")
    m.StatusEvent.objects.create(
        person=person, kind="released", date="2026-01", withdraws=wrong, visibility=2
    )
    assert list(policy.current_events(P)) == [wrong]
    assert wrong not in list(policy.current_events(R))


# -- writes -------------------------------------------------------------------------------


def test_write_rules():
    from vigil.cases import policy
    from vigil.errors import Forbidden, InputError

    editor = policy.Actor(level=INT, can_edit=True)
    assert policy.checked_level(editor, "internal") == INT
    with pytest.raises(InputError, match="above your level"):
        policy.checked_level(editor, "restricted")
    assert policy.settable("people", editor, ["notes", "contacts"]) == ["notes"]
    assert policy.new_overrides(editor, "people", {"notes": "public"}, None) == {"notes": "public"}
    with pytest.raises(InputError, match="only a restricted editor"):
        policy.new_overrides(editor, "people", {}, {"contacts": "public"})
    with pytest.raises(Forbidden):
        policy.require_edit(policy.Actor(level=INT))


# -- the audit trail's masking ----------------------------------------------------------------


def test_masking_is_keyed_outside_the_database(monkeypatch):
    from vigil.cases import policy

    policy._audit_key.cache_clear()
    monkeypatch.setenv("VIGIL_AUDIT_KEY", "one key")
    a = policy.mask("+994 50 123 45 67", "people:1:contacts")
    assert a.startswith("[restricted:") and "994" not in a
    assert a == policy.mask("+994 50 123 45 67", "people:1:contacts")  # stable
    assert a != policy.mask("+994 50 123 45 68", "people:1:contacts")  # a change shows
    assert a != policy.mask("+994 50 123 45 67", "people:2:contacts")  # no cross-record link
    policy._audit_key.cache_clear()
    monkeypatch.setenv("VIGIL_AUDIT_KEY", "another key")
    assert a != policy.mask("+994 50 123 45 67", "people:1:contacts")  # a guess needs the key
    policy._audit_key.cache_clear()


def test_a_snapshot_masks_by_the_effective_level(db):
    from vigil.cases import models as m
    from vigil.cases import policy

    person = m.Person.objects.create(
        ref="P1", notes="an internal note", contacts="a phone", occupation="teacher"
    )
    shot = policy.snapshot(person)
    assert shot["notes"] == "an internal note" and shot["occupation"] == "teacher"
    assert shot["contacts"].startswith("[restricted:")
    hidden = m.Person.objects.create(ref="P9", visibility=2, occupation="teacher")
    name = m.PersonName.objects.create(person=hidden, name="A Name")
    shot = policy.snapshot(hidden)
    assert shot["occupation"].startswith("[restricted:") and shot["visibility"] == "restricted"
    assert policy.snapshot(name)["name"].startswith("[restricted:")  # a public name of P9
    assert policy.audit_target(hidden).startswith("person:[restricted:")
    assert "A Name" not in json.dumps(policy.snapshot(name))
