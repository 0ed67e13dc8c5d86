"""What an import did, row by row: the report returned by ``import_file``.

Row numbers are those a user sees: in a spreadsheet (CSV, XLSX) the header is row 1,
so the first record is row 2; in a JSON list the first object is row 1.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

ACTIONS = ("create", "update", "unchanged", "reject")


@dataclass(frozen=True)
class RowProblem:
    """Why a row was rejected, or (``dropped``) one optional cell of it left out
    while the row was kept (``--skip-invalid`` with a mapping's ``optional``).
    ``where``: the record's place in a nested JSON file (``categories[2].prisoners[5]``)."""

    file: str
    table: str
    row: int
    column: str
    problem: str
    dropped: bool = False
    where: str = ""

    def __str__(self) -> str:
        where = f"row {self.row}" + (f" ({self.where})" if self.where else "")
        where += f', column "{self.column}"' if self.column else ""
        return f"{self.file}: {where}: {self.problem}"


@dataclass(frozen=True)
class RowOutcome:
    """What happened to one record of one input row (a flat row yields several)."""

    file: str
    table: str
    row: int
    action: str  # create | update | unchanged | reject
    key: str  # the record's ref, or its natural key joined by " | "
    changed: tuple[str, ...] = ()  # for updates: the columns whose value changed


@dataclass(frozen=True)
class ImportReport:
    """The outcome of one import (also of a dry run, which writes nothing).

    ``committed`` is true when the changes are in the database: not a dry run, and no
    row rejected (or ``skip_invalid`` was given).
    """

    file: str
    sha256: str
    dry_run: bool
    committed: bool
    outcomes: list[RowOutcome] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    ignored_columns: tuple[str, ...] = ()  # columns of a flat sheet the mapping leaves out

    @property
    def ok(self) -> bool:
        """No row was rejected."""
        return not self.problems

    @property
    def counts(self) -> dict[str, dict[str, int]]:
        """``{table: {action: n}}`` for every table that had rows."""
        tally = Counter((o.table, o.action) for o in self.outcomes)
        out: dict[str, dict[str, int]] = {}
        for (table, action), n in tally.items():
            out.setdefault(table, dict.fromkeys(ACTIONS, 0))[action] = n
        return out

    def created(self) -> dict[str, list[str]]:
        """The refs (or keys) of the records created, by table."""
        out: dict[str, list[str]] = {}
        for o in self.outcomes:
            if o.action == "create":
                out.setdefault(o.table, []).append(o.key)
        return out

    def frame(self) -> pd.DataFrame:
        """One line per outcome: table, row, action, key, changed, problem."""
        problems: dict[tuple[str, str, int, bool], list[str]] = {}
        for p in self.problems:
            text = f"{p.column}: {p.problem}" if p.column else p.problem
            problems.setdefault((p.file, p.table, p.row, p.dropped), []).append(text)
        rows: list[dict[str, Any]] = [
            {
                "table": o.table,
                "row": o.row,
                "action": o.action,
                "key": o.key,
                "changed": ", ".join(o.changed),
                "problem": "; ".join(
                    problems.get((o.file, o.table, o.row, o.action != "reject"), [])
                ),
            }
            for o in self.outcomes
        ]
        columns = ["table", "row", "action", "key", "changed", "problem"]
        return pd.DataFrame(rows, columns=columns)

    def counts_frame(self) -> pd.DataFrame:
        """One line per table: how many rows were created, updated, unchanged, rejected."""
        rows = [{"table": t, **c} for t, c in self.counts.items()]
        return pd.DataFrame(rows, columns=["table", *ACTIONS])

    def problems_frame(self) -> pd.DataFrame:
        """One line per problem: file, table, row, column, problem."""
        columns = ["file", "table", "row", "column", "problem"]
        return pd.DataFrame([p.__dict__ for p in self.problems], columns=columns)
