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
- **sources** (``source.url``): one per URL, matched by URL or created (``[defaults]``
  ``source.visibility``, ``source.publisher``, ``source.reliability``), cited by the
  row's event and case and (the first URL) by its designation.

**Several rows, one person.** Rows with the same ``person.ref``, else the same values in
the mapping's ``person_key`` columns, else the same folded primary name and birth date,
are one person: its fields come from all of them (a blank cell in a later row says
nothing; two different values are a problem of the later row), each row adds its own
names, memberships, cases and events, and designations by the same organisation since
the same date are one, their criteria (the list's categories) joined with "; ".

**Cells.** A column may give several values (``split``, or a JSON list) and route them
by pattern (:mod:`vigil.cases.importers.mapping`). A target that takes one value
(``person.sex``) given two is a problem of the row. With ``drop_cells``
(``--skip-invalid``), a bad cell of an ``optional`` column is left out and reported,
and the row kept.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from vigil.cases.dates import PartialDate
from vigil.cases.importers.engine import InRow
from vigil.cases.importers.mapping import (
    IGNORE,
    MULTI,
    PEOPLE_TARGETS,
    CellError,
    Mapping,
    split_name,
)
from vigil.cases.importers.reading import Sheet
from vigil.cases.importers.report import RowProblem
from vigil.cases.names import aliases, fold
from vigil.errors import InputError
from vigil.i18n import gettext as _

IsRef = Callable[[str, str], bool]
DEFAULT_CODE = "Criminal Code"
SEPARATOR = "; "  # how merged criteria and list cells are joined
_TARGETS = {r: [(c, f"{r}.{c}") for c in cols] for r, cols in PEOPLE_TARGETS.items()}


@dataclass(frozen=True)
class Cell:
    value: Any
    column: str  # the source column, or "[defaults] target"
    optional: bool = False


class _Row:
    """The cells of one flat row by target, with the mapping's words and defaults."""

    def __init__(self, number: int, cells: dict[str, Any], mapping: Mapping) -> None:
        self.number = number
        self.mapping = mapping
        self.cells = cells  # as read: person_key columns may be "ignore"
        self.by_target: dict[str, list[Cell]] = {}
        self.names: list[tuple[str, str, Cell]] = []  # (language, kind, cell)
        self.bad: list[tuple[str, str, bool]] = []  # (column, problem, optional)
        self.first: _Row = self  # the first row of the same person
        for column in mapping.columns:
            spec = mapping.column(column)
            if spec.target == IGNORE:
                continue
            try:
                pieces = mapping.pieces(column, cells.get(column))
            except CellError as exc:
                self.bad.append((column, str(exc), spec.optional))
                continue
            for target, value in pieces:
                cell = Cell(value, column, spec.optional)
                name = split_name(target)
                if name is None:
                    self.by_target.setdefault(target, []).append(cell)
                elif not _blank(value):
                    self.names.append((*name, cell))
        for target, found in self.by_target.items():
            if len(found) < 2:
                continue
            values = list(dict.fromkeys(_text(c.value) for c in found if not _blank(c.value)))
            if len(values) > 1 and target not in MULTI:
                column = next(c.column for c in found if _text(c.value) == values[1])
                shown = ", ".join(repr(v) for v in values)
                self.bad.append(
                    (
                        column,
                        # Translators: %(target)s is a mapping target such as person.birth_date.
                        _("%(target)s takes one value, got %(values)s")
                        % {"target": target, "values": shown},
                        found[-1].optional,
                    )
                )

    def drop(self, column: str) -> None:
        """Leave out every value of ``column`` (a bad optional cell)."""
        for target in list(self.by_target):
            self.by_target[target] = [c for c in self.by_target[target] if c.column != column]
        self.names = [n for n in self.names if n[2].column != column]

    def all(self, target: str) -> list[Cell]:
        """Every non-blank cell of ``target``, in column order."""
        return [c for c in self.by_target.get(target, ()) if not _blank(c.value)]

    def get(self, target: str) -> Cell | None:
        """The cell of ``target`` (its default when absent or empty), or None."""
        found = self.by_target.get(target, [])
        cell = next((c for c in found if not _blank(c.value)), found[0] if found else None)
        if (cell is None or _blank(cell.value)) and target in self.mapping.defaults:
            return Cell(self.mapping.defaults[target], f"[defaults] {target}")
        if cell is not None and self.first is not self and _blank(cell.value):
            return None  # a later row of the same person: a blank cell says nothing
        return cell

    def filled(self, record: str) -> bool:
        """Whether any mapped column of ``record`` has a value in this row."""
        prefix = f"{record}."
        return any(t.startswith(prefix) and self.all(t) for t in self.by_target)

    def record(self, record: str, **extra: Any) -> tuple[dict[str, Any], dict[str, str], set[str]]:
        """(values, origins, optional columns) of ``record``'s targets in the mapping."""
        values: dict[str, Any] = {}
        origin: dict[str, str] = {}
        optional: set[str] = set()
        for column, target in _TARGETS[record]:
            if target not in self.by_target and target not in self.mapping.defaults:
                continue
            cell = self.get(target)
            if target in MULTI and len(self.by_target.get(target, ())) > 1:
                found = self.all(target)  # "283.1; 220": one list cell
                if found:
                    cell = Cell(_text([c.value for c in found]), found[0].column, found[0].optional)
            if cell is not None:
                values[column], origin[column] = cell.value, cell.column
                if cell.optional:
                    optional.add(column)
        values.update(extra)
        return values, origin, optional


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def _text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return SEPARATOR.join(_text(v) for v in value if not _blank(v))
    return "" if value is None else str(value).strip()


class FlatReader:
    """Turns the rows of one flat sheet into interchange rows (no database access but
    ``is_ref``, which says whether a value is the ref of an existing record).
    ``drop_cells``: a bad cell of an optional column is left out, the row kept."""

    def __init__(
        self, sheet: Sheet, mapping: Mapping, is_ref: IsRef, *, drop_cells: bool = False
    ) -> None:
        self.sheet, self.mapping, self.is_ref = sheet, mapping, is_ref
        self.drop_cells = drop_cells
        self.out: dict[str, list[InRow]] = {}
        self.problems: list[RowProblem] = []
        self._emitted: set[Any] = set()  # organisations and articles derived once per file
        self._person: dict[int, tuple[Any, str]] = {}  # first row -> (person, its column)

    def rows(self) -> dict[str, list[InRow]]:
        parsed = [_Row(number, cells, self.mapping) for number, cells in self.sheet.rows]
        firsts: dict[Hashable, _Row] = {}
        for row in parsed:
            self._cells(row)
            key = self._identity(row)
            if key is not None:
                row.first = firsts.setdefault(key, row)
        for row in parsed:
            if row.first is not row:
                self._merge(row)
        for row in parsed:
            self._row(row.number, row)
        self._join_criteria()
        return self.out

    def _problem(self, number: int, column: str, text: str, *, dropped: bool = False) -> None:
        table = "people"
        self.problems.append(RowProblem(self.sheet.origin, table, number, column, text, dropped))

    def _cells(self, row: _Row) -> None:
        """Report the row's bad cells: dropped when optional (and allowed), else the
        row is rejected."""
        for column, text, optional in row.bad:
            if optional and self.drop_cells:
                row.drop(column)
                self._problem(
                    row.number,
                    column,
                    _("%(problem)s; the cell was left out, the row kept") % {"problem": text},
                    dropped=True,
                )
            else:
                self._problem(row.number, column, text)

    def _identity(self, row: _Row) -> Hashable | None:
        """What makes rows one person: the ref, the person_key cells, else the folded
        primary name and birth date (as the registry matches a person without a ref)."""
        ref = row.get("person.ref")
        if ref is not None and _text(ref.value):
            return ("ref", _text(ref.value))
        if self.mapping.person_key:
            key = tuple(fold(_text(row.cells.get(c))) for c in self.mapping.person_key)
            if any(key):
                return ("key", key)
        if row.names:
            birth = row.get("person.birth_date")
            main = written_names(_text(row.names[0][2].value))[0]
            return ("name", fold(main), _birth(birth and birth.value))
        return None

    def _merge(self, row: _Row) -> None:
        """Move a later row's person fields to the person's first row."""
        first = row.first
        for target in list(row.by_target):
            if not target.startswith("person.") or target == "person.ref":
                continue
            mine = row.all(target)
            if not mine:
                continue
            theirs = first.all(target)
            if not theirs:
                first.by_target[target] = mine
            elif _text(theirs[0].value) != _text(mine[0].value):
                self._problem(
                    row.number,
                    mine[0].column,
                    _("row %(row)d gives %(theirs)r for the same person, this row %(mine)r")
                    % {
                        "row": first.number,
                        "theirs": _text(theirs[0].value),
                        "mine": _text(mine[0].value),
                    },
                )

    def _add(self, table: str, number: int, values: dict[str, Any], **kw: Any) -> None:
        kw.setdefault("group", (self.sheet.origin, number))
        self.out.setdefault(table, []).append(InRow(self.sheet.origin, table, number, values, **kw))

    def _row(self, number: int, row: _Row) -> None:
        if row.first is row:
            person = self._new_person(number, row)
            if person is None:
                return
            self._person[number] = person
        elif row.first.number in self._person:
            person = self._person[row.first.number]
        else:
            first = row.first.number
            self._problem(
                number,
                "",
                _("the person of row %(row)d was rejected (see row %(row)d)") % {"row": first},
            )
            return
        ref, person_col = person
        self._names(number, row, ref, person_col)
        urls = [c for c in row.all("source.url")]
        sources = [self._source(number, row, c) for c in urls]
        cited = False
        for record, table in (("affiliation", "affiliations"), ("designation", "designations")):
            if row.get(f"{record}.organisation") is not None and row.filled(record):
                cited |= self._membership(number, row, record, table, ref, person_col, sources)
        case = self._case(number, row, ref, person_col, sources) if row.filled("case") else None
        if row.filled("event"):
            values, origin, optional = row.record("event", person=ref, case=case)
            if urls:
                values["sources"], origin["sources"] = sources, urls[0].column
            self._add(
                "events",
                number,
                values,
                origin={**origin, "person": person_col},
                optional=frozenset(optional),
            )
        if row.filled("sentence"):
            values, origin, optional = row.record("sentence", person=ref, case=case)
            self._add(
                "sentences",
                number,
                values,
                origin={**origin, "person": person_col},
                optional=frozenset(optional),
            )
        if urls and not (cited or case is not None or row.filled("event")):
            self._problem(
                number,
                urls[0].column,
                _(
                    "a source is cited by the row's event, case or designation, and this row "
                    "has none (map event.*, case.* or designation.*)"
                ),
            )

    def _new_person(self, number: int, row: _Row) -> tuple[Any, str] | None:
        values, origin, optional = row.record("person")
        ref = _text(values.pop("ref", ""))
        primary = row.names[0][2] if row.names else None
        name_col = next(
            (c for c, t in self.mapping.columns.items() if split_name(t) is not None), ""
        )
        if primary is None and not (ref and self.is_ref("people", ref)):
            self._problem(
                number,
                name_col,
                _("a new person needs a name (this column or another name column)"),
            )
            return None
        label = written_names(_text(primary.value))[0] if primary else ref
        opt = frozenset(optional)
        if ref:
            values["ref"] = ref
            self._add("people", number, values, origin=origin, label=label, optional=opt)
            return ref, origin.get("ref", "person.ref")
        assert primary is not None  # a row without a name or a known ref returned above
        alias = ("person", self.sheet.origin, number)
        hint = ("person", fold(label), _birth(values.get("birth_date")))
        self._add(
            "people",
            number,
            values,
            origin=origin,
            alias=alias,
            hint=hint,
            label=label,
            optional=opt,
        )
        return alias, primary.column

    def _names(self, number: int, row: _Row, ref: Any, person_col: str) -> None:
        later = row.first is not row
        known = (
            {fold(n) for _, _, c in row.first.names for n in written_names(_text(c.value))}
            if later
            else set()
        )
        for i, (language, kind, cell) in enumerate(row.names):
            for j, name in enumerate(written_names(_text(cell.value))):
                if later and fold(name) in known:
                    continue  # the person's first row has it
                primary = i == 0 and j == 0 and not later
                values = {
                    "person": ref,
                    "name": name,
                    "language": language,
                    "kind": "alias" if j else kind or ("primary" if primary else "transliteration"),
                }
                origin = {"person": person_col, "name": cell.column, "language": cell.column}
                self._add("names", number, values, origin=origin)

    def _source(self, number: int, row: _Row, cell: Cell) -> str:
        """A source for a URL: matched by URL in the registry, else created. Its alias
        is the URL itself (events and cases cite sources by ref or alias, as text)."""
        url = _text(cell.value)
        if ("source", url) not in self._emitted:
            self._emitted.add(("source", url))
            values: dict[str, Any] = {"url": url}
            origin = {"url": cell.column}
            for column in ("visibility", "publisher", "reliability"):
                default = row.get(f"source.{column}")
                if default is not None:
                    values[column], origin[column] = default.value, default.column
            self._add(
                "sources",
                number,
                values,
                origin=origin,
                alias=url,
                create_only=frozenset({"visibility", "publisher", "reliability"}),
                group=None,
                label=url,
            )
        return url

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
        self,
        number: int,
        row: _Row,
        record: str,
        table: str,
        ref: Any,
        person_col: str,
        sources: list[str],
    ) -> bool:
        """One affiliation (designation) per organisation of the row; whether the
        designation cites the row's first source."""
        default = row.get(f"{record}.organisation")  # a [defaults] organisation
        cells = row.all(f"{record}.organisation") or ([default] if default else [])
        cited = False
        for cell in cells:
            values, origin, optional = row.record(record)
            values["organisation"] = self._organisation(number, row, cell)
            origin["organisation"] = cell.column
            values["person"], origin["person"] = ref, person_col
            if record == "designation" and sources:
                values["source"], origin["source"] = sources[0], row.all("source.url")[0].column
                cited = True
            self._add(table, number, values, origin=origin, optional=frozenset(optional))
        return cited

    def _join_criteria(self) -> None:
        """Designations of one person by one organisation since one date are one
        record: the criteria of every row (a list's categories) joined in row order."""
        by_key: dict[Hashable, list[InRow]] = {}
        for row in self.out.get("designations", []):
            v = row.values
            key = (repr(v["person"]), repr(v["organisation"]), _text(v.get("since")))
            by_key.setdefault(key, []).append(row)
        for rows in by_key.values():
            if len(rows) < 2:
                continue
            found = [_text(r.values.get("criteria")) for r in rows]
            joined = SEPARATOR.join(dict.fromkeys(c for c in found if c))
            for r in rows:
                values = r.values
                assert isinstance(values, dict)  # made by _add, not yet read by the loader
                if "criteria" in values or joined:
                    values["criteria"] = joined

    def _case(
        self, number: int, row: _Row, person: Any, person_col: str, sources: list[str]
    ) -> Any:
        values, origin, optional = row.record("case")
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
        for column in ("courts",):
            if isinstance(values.get(column), list | tuple):
                values[column] = _text(values[column])
        if "articles" in values:
            values["articles"] = self._articles(number, row, values["articles"], country, origin)
        if sources:
            values["sources"], origin["sources"] = sources, row.all("source.url")[0].column
        self._add(
            "cases",
            number,
            values,
            origin=origin,
            alias=key,
            hint=hint,
            optional=frozenset(optional),
        )
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
            head, _space, tail = label.rpartition(" ")
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


def written_names(text: str) -> list[str]:
    """The names a name cell writes: the name, then the aliases it gives in brackets
    (``王玉文（王藏）``, ``Ali Karimli (Ali Kerimov; Əli Kərimov)``: see
    :func:`vigil.cases.names.aliases`). A cell whose brackets hold anything with a
    digit (``Ali Karimli (b. 1970)``, ``(2 cases)``) is one name, as written: a note is
    not an alias."""
    found = aliases(text)
    if len(found) > 1 and not any(ch.isdigit() for ch in text):
        return found
    return [text]


def _birth(value: Any) -> PartialDate | None:
    try:
        return PartialDate.parse(value)
    except InputError:
        return None  # the person row reports the bad date
