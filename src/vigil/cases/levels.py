"""Visibility levels: who may read a record or a field.

Ordered: a reader at level L sees everything at L or below. ``public`` is what anyone
may see (the published list), ``internal`` what the team works with, ``restricted``
what only named people may see (family contacts, lawyers' notes, unpublished sources).

A plain :class:`enum.IntEnum` with Django's ``IntegerChoices`` interface (``label``,
``Level.choices``), so that importing it (every ``vigil cases`` command does, to
declare ``--level``) does not import Django: ``django.db.models`` alone costs about a
fifth of a second.
"""

from __future__ import annotations

from enum import EnumType, IntEnum, StrEnum, nonmember
from typing import Any

from vigil.choices import not_one_of


class _LevelType(EnumType):
    """What ``models.IntegerChoices`` gives on the class: ``choices``, ``labels``,
    ``values`` (model fields take ``choices=Level.choices``)."""

    @property
    def choices(cls) -> list[tuple[int, str]]:
        return [(int(level), level.label) for level in _members(cls)]

    @property
    def labels(cls) -> list[str]:
        return [level.label for level in _members(cls)]

    @property
    def values(cls) -> list[int]:
        return [int(level) for level in _members(cls)]


def _members(cls: Any) -> list[Level]:
    return list(cls)


class Level(IntEnum, metaclass=_LevelType):
    PUBLIC = 0
    INTERNAL = 1
    RESTRICTED = 2

    do_not_call_in_templates = nonmember(True)  # as Django's choices: a class, not a call

    @property
    def label(self) -> str:
        """The level's name as people write it: ``public``, ``internal``, ``restricted``."""
        return self.name.lower()

    @classmethod
    def parse(cls, value: object, field: str = "level") -> Level:
        """A level from its name (``public``) or number; a clear error otherwise
        (``param=field``)."""
        if isinstance(value, Level):
            return value
        text = str(value).strip().lower()
        for level in cls:
            if text in (level.label, str(level.value)):
                return level
        raise not_one_of(value, (level.label for level in cls), field)


class LevelName(StrEnum):
    """A level by its name, as options and parameters spell it (``--level internal``);
    :meth:`level` gives the :class:`Level`."""

    PUBLIC = "public"
    INTERNAL = "internal"
    RESTRICTED = "restricted"

    @property
    def level(self) -> Level:
        return Level.parse(self.value)
