"""Model fields of the registry: partial dates stored as sortable text, visibility."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import models

from vigil.cases.dates import PartialDate
from vigil.cases.levels import Level

if TYPE_CHECKING:
    from django.db.models.expressions import Combinable

    # For django-stubs: a model attribute of this field takes a date in any form
    # PartialDate.parse reads and gives a PartialDate (CharField alone says str), or None:
    # the field is nullable by default (the few NOT NULL ones are typed as nullable too).
    _PartialDateBase = models.CharField[
        PartialDate | dt.date | str | Combinable | None, PartialDate | None
    ]
else:
    _PartialDateBase = models.CharField


class PartialDateField(_PartialDateBase):
    """A :class:`~vigil.cases.dates.PartialDate` kept as its sortable text
    (``2024-06-00.1``), so ordering and ``<=`` comparisons happen in the database."""

    description = "A date known to the year, month or day, with a qualifier"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 12)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("null", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        for key, default in (("max_length", 12), ("blank", True), ("null", True)):
            if kwargs.get(key) == default:
                kwargs.pop(key)
        return name, path, args, kwargs

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> PartialDate | None:
        return PartialDate.parse(value) if value else None

    def to_python(self, value: Any) -> PartialDate | None:
        return PartialDate.parse(value, self.name) if value not in (None, "") else None

    def get_prep_value(self, value: Any) -> str | None:
        if value in (None, ""):
            return None
        if isinstance(value, str) and len(value) == 12 and value[10] == ".":
            return value  # stored text or a bound from dates.on_or_before
        parsed = PartialDate.parse(value, self.name)
        return parsed.stored() if parsed else None

    def value_to_string(self, obj: Any) -> str:
        value = self.value_from_object(obj)
        return str(value) if value else ""


def visibility_field(default: Level = Level.PUBLIC) -> models.PositiveSmallIntegerField:
    """Who may read the whole record (see :mod:`vigil.cases.levels`)."""
    return models.PositiveSmallIntegerField(choices=Level.choices, default=default, db_index=True)
