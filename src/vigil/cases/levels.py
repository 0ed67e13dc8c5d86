"""Visibility levels: who may read a record or a field.

Ordered: a reader at level L sees everything at L or below. ``public`` is what anyone
may see (the published list), ``internal`` what the team works with, ``restricted``
what only named people may see (family contacts, lawyers' notes, unpublished sources).
"""

from __future__ import annotations

from django.db import models

from vigil.errors import InputError


class Level(models.IntegerChoices):
    PUBLIC = 0, "public"
    INTERNAL = 1, "internal"
    RESTRICTED = 2, "restricted"

    @classmethod
    def parse(cls, value: object, field: str = "level") -> Level:
        """A level from its name (``public``) or number; a clear error otherwise."""
        if isinstance(value, Level):
            return value
        text = str(value).strip().lower()
        for level in cls:
            if text in (level.label, str(level.value)):
                return level
        names = ", ".join(level.label for level in cls)
        raise InputError(f"{field}: expected one of {names}, got {value!r}")
