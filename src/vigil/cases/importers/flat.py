"""Flat sheets: one person per row, in a group's own column names and words.

Each row of the sheet becomes rows of the interchange tables, all carrying the sheet's
row number (so the report points at the spreadsheet row) and one *group*: if any of
them is rejected, the whole row is.

- **person**: matched by ``person.ref`` when the sheet has one; otherwise by an
  existing person with the same folded primary name (:func:`vigil.cases.names.fold`)
  and the same birth date (both empty counts as the same), else created with a
  generated ref (``P00001``).
- **names**: one per name column with a value; the first name column with a value is
  the primary name, the others transliterations (unless the target names a kind:
  ``name:ru-Cyrl:alias``). A new person needs at least one name.
- **affiliation** and **designation**: the organisation cell is a ref of an existing
  organisation, or a name: matched by folded name, else created (kind from
  ``[defaults] "organisation.kind"``, else "other"). An existing organisation's kind
  and country are never changed by a flat sheet.
- **case**: matched by ``case.ref``, else by ``case.number`` and country, else (no
  number) by the person's one number-less case as defendant; the person is its
  defendant. ``case.articles`` is a ";"-separated list of "Code article" items; a bare
  article ("283.1") takes the code from ``[defaults] "article.code"`` (default
  "Criminal Code"). Articles not yet known are created for the case's country.
- **event** (when the row has a status or a date), **sentence** (when any sentence
  cell has a value), for the person and the row's case.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from vigil.cases.dates import PartialDate
from vigil.cases.importers.engine import InRow
from vigil.cases.importers.mapping import IGNORE, PEOPLE_TARGETS, Mapping, split_name
from vigil.cases.importers.reading import Sheet
from vigil.cases.importers.report import RowProblem
from vigil.cases.names import fold
from vigil.errors import InputError

IsRef = Callable[[str, str], bool]
DEFAULT_CODE = "Criminal Code"


@dataclass(frozen=True)
class Cell:
    value: Any
    column: str  # the source column, or "[defaults] target"


class _Row:
    """The cells of one flat row by target, with the mapping's words and defaults."""

    def __init__(self, cells: dict[str, Any], mapping: Mapping) -> None:
        self.mapping = mapping
        self.by_target: dict[str, Cell] = {}
        self.names: list[tuple[str, str, Cell]] = []  # (language, kind, cell)
        for column, target in mapping.columns.items():
            if target == IGNORE:
                continue
            cell = Cell(mapping.word(column, cells.get(column)), column)
            name = split_name(target)
            if name is not None:
                if not _blank(cell.value):
                    self.names.append((*name, cell))
            else:
                self.by_target[target] = cell

    def get(self, target: str) -> Cell | None:
        """The cell of ``target`` (its default when absent or empty), or None."""
        cell = self.by_target.get(target)
        if (cell is None or _blank(cell.value)) and target in self.mapping.defaults:
            return Cell(self.mapping.defaults[target], f"[defaults] {target}")
        return cell

    def filled(self, record: str) -> bool:
        """Whether any mapped column of ``record`` has a value in this row."""
        prefix = f"{record}."
        return any(t.startswith(prefix) and not _blank(c.value) for t, c in self.by_target.items())

    def record(self, record: str, **extra: Any) -> tuple[dict[str, Any], dict[str, str]]:
        """(values, origins) of ``record``'s targets present in the mapping."""
        values: dict[str, Any] = {}
        origin: dict[str, str] = {}
        for column in PEOPLE_TARGETS[record]:
            cell = self.get(f"{record}.{column}")
            if cell is not None:
                values[column], origin[column] = cell.value, cell.column
        values.update(extra)
        return values, origin


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


class FlatReader:
    """Turns the rows of one flat sheet into interchange rows (no database access but
    ``is_ref``, which says whether a value is the ref of an existing record)."""

    def __init__(self, sheet: Sheet, mapping: Mapping, is_ref: IsRef) -> None:
        self.sheet, self.mapping, self.is_ref = sheet, mapping, is_ref
        self.out: dict[str, list[InRow]] = {}
        self.problems: list[RowProblem] = []
        self._emitted: set[Any] = set()  # organisations and articles derived once per file

    def rows(self) -> dict[str, list[InRow]]:
        for number, cells in self.sheet.rows:
            self._row(number, _Row(cells, self.mapping))
        return self.out

    def _add(self, table: str, number: int, values: dict[str, Any], **kw: Any) -> None:
        kw.setdefault("group", (self.sheet.origin, number))
        self.out.setdefault(table, []).append(InRow(self.sheet.origin, table, number, values, **kw))

    def _row(self, number: int, row: _Row) -> None:
        person = self._person(number, row)
        if person is None:
            return
        ref, person_col = person
        self._names(number, row, ref, person_col)
        for record, table in (("affiliation", "affiliations"), ("designation", "designations")):
            if row.get(f"{record}.organisation") is not None and row.filled(record):
                self._membership(number, row, record, table, ref, person_col)
        case = self._case(number, row, ref, person_col) if row.filled("case") else None
        if row.filled("event"):
            values, origin = row.record("event", person=ref, case=case)
            self._add("events", number, values, origin={**origin, "person": person_col})
        if row.filled("sentence"):
            values, origin = row.record("sentence", person=ref, case=case)
            self._add("sentences", number, values, origin={**origin, "person": person_col})

    def _person(self, number: int, row: _Row) -> tuple[Any, str] | None:
        values, origin = row.record("person")
        ref = _text(values.pop("ref", ""))
        primary = row.names[0][2] if row.names else None
        name_col = next(
            (c for c, t in self.mapping.columns.items() if split_name(t) is not None), ""
        )
        if primary is None and not (ref and self.is_ref("people", ref)):
            self.problems.append(
                RowProblem(
                    self.sheet.origin,
                    "people",
                    number,
                    name_col,
                    "a new person needs a name (this column or another name column)",
                )
            )
            return None
        label = _text(primary.value) if primary else ref
        if ref:
            values["ref"] = ref
            self._add("people", number, values, origin=origin, label=label)
            return ref, origin.get("ref", "person.ref")
        assert primary is not None  # a row without a name or a known ref returned above
        alias = ("person", self.sheet.origin, number)
        hint = ("person", fold(_text(primary.value)), _birth(values.get("birth_date")))
        self._add("people", number, values, origin=origin, alias=alias, hint=hint, label=label)
        return alias, primary.column

    def _names(self, number: int, row: _Row, ref: Any, person_col: str) -> None:
        for i, (language, kind, cell) in enumerate(row.names):
            values = {
                "person": ref,
                "name": cell.value,
                "language": language,
                "kind": kind or ("primary" if i == 0 else "transliteration"),
            }
            origin = {"person": person_col, "name": cell.column, "language": cell.column}
            self._add("names", number, values, origin=origin)

    def _organisation(self, number: int, row: _Row, cell: Cell) -> Any:
        """A ref of an existing organisation, or the alias of one found or made by name."""
        text = _text(cell.value)
        if self.is_ref("organisations", text):
            return text
        alias = ("organisation", fold(text))
        if alias not in self._emitted:
            self._emitted.add(alias)
            kind = row.get("organisation.kind")
            values = {"name": text, "kind": kind.value if kind else "other"}
            origin = {"name": cell.column, "kind": kind.column if kind else "organisation.kind"}
            country = row.get("organisation.country")
            if country is not None:
                values["country"], origin["country"] = country.value, country.column
            self._add(
                "organisations",
                number,
                values,
                origin=origin,
                alias=alias,
                create_only=frozenset({"kind", "country"}),
                group=None,
                label=text,
            )
        return alias

    def _membership(
        self, number: int, row: _Row, record: str, table: str, ref: Any, person_col: str
    ) -> None:
        cell = row.get(f"{record}.organisation")
        assert cell is not None
        values, origin = row.record(record)
        values["organisation"] = self._organisation(number, row, cell)
        values["person"], origin["person"] = ref, person_col
        self._add(table, number, values, origin=origin)

    def _case(self, number: int, row: _Row, person: Any, person_col: str) -> Any:
        values, origin = row.record("case")
        ref, case_no = _text(values.pop("ref", "")), _text(values.get("number"))
        country = _text(values.get("country"))
        hint = None
        key: str | tuple[Any, ...]
        if ref:
            values["ref"], key = ref, ref
        elif case_no:
            key = ("case", case_no, country)
        else:
            key = ("case-of", person)
            hint = ("defendant", person)
        if "articles" in values:
            values["articles"] = self._articles(number, row, values["articles"], country, origin)
        self._add("cases", number, values, origin=origin, alias=key, hint=hint)
        participant = {"case": key, "person": person, "role": "defendant"}
        case_col = origin.get("ref") or origin.get("number") or ""
        self._add(
            "participants", number, participant, origin={"case": case_col, "person": person_col}
        )
        return key

    def _articles(
        self, number: int, row: _Row, cell: Any, country: str, origin: dict[str, str]
    ) -> list[str]:
        default = row.get("article.code")
        code = _text(default.value) if default else DEFAULT_CODE
        labels = []
        for item in (i.strip() for i in _text(cell).split(";")):
            if not item:
                continue
            label = f"{code} {item}" if item[:1].isdigit() else item
            labels.append(label)
            head, _, tail = label.rpartition(" ")
            if (country, label) in self._emitted:
                continue
            self._emitted.add((country, label))
            values = {"country": country, "code": head, "article": tail}
            self._add(
                "articles",
                number,
                values,
                origin=dict.fromkeys(values, origin.get("articles", "case.articles")),
                group=None,
            )
        return labels


def _birth(value: Any) -> PartialDate | None:
    try:
        return PartialDate.parse(value)
    except InputError:
        return None  # the person row reports the bad date
