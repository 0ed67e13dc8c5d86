"""Claims: a sentence about territory or political prisoners → verdicts with figures.

::

    from vigil.claims import check
    report = check("Last week alone, Russian forces seized an additional 200 square "
                   "kilometers – a record for any single week this past year.",
                   as_of="2024-10-28", store="demo/vigil.sqlite")
    for v in report.verdicts:
        print(v.label, v.summary)

A :class:`Checker` keeps the store, the gazetteer and computed series open between
sentences (``vigil check --file``, the web page); :func:`check` is one sentence. The
stages (parse, rule, render) and the verdict rules are in docs/claims.md.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from typing import TYPE_CHECKING, Any

from vigil.claims.model import (
    CaseClaim,
    Label,
    Parsed,
    Report,
    TerritoryClaim,
    Verdict,
)
from vigil.dates import DateLike, parse_optional_date

if TYPE_CHECKING:
    from vigil.territory import Territory

__all__ = ["Checker", "Label", "Report", "Verdict", "check"]

#: Words that make a sentence worth asking the registry about (the cases database is
#: opened, and Django configured, only for such sentences).
_CASE_CUES = re.compile(
    r"postpon|adjourn|trial|hearing|court|prisoner|detain|jail|arrest|activist|sentenc|"
    r"\blist\b|names\b|отлож|перенес|суд|заседан|политзак|заключ|задерж|арест|активист|"
    r"список|відклад|засідан|політв|ув.язн|затрим|активіст|список|təxirə|məhkəmə|"
    r"siyasi|məhbus|həbs|fəal|siyahı",
    re.IGNORECASE,
)


class Checker:
    """Checks sentences against one territory store and one cases database.

    ``store``: a territory store path (default: the configured one) or an open
    :class:`~vigil.territory.Territory`; ``source``: the territory source to rule on
    first (default: the store's default, ``deepstate`` when joined); ``database``: the
    cases database (default: ``DATABASE_URL`` or the configured file); ``who``: the
    actor for registry claims (default: the public). ``cases=False`` skips the
    registry (a territory-only install).
    """

    def __init__(
        self,
        store: str | os.PathLike[str] | Territory | None = None,
        *,
        source: str | None = None,
        database: str | None = None,
        who: Any = None,
        cases: bool = True,
    ) -> None:
        self._store = store
        self._territory: Territory | None = None
        self._gazetteer: Any = None
        self._ruler: Any = None
        self.source = source
        self.database = database
        self.who = who
        self.cases = cases
        self._cases_ready = False

    # -- what a check needs, opened on first use --------------------------------------
    @property
    def territory(self) -> Territory:
        if self._territory is None:
            from vigil.territory import Territory, open_store

            store = self._store
            self._territory = store if isinstance(store, Territory) else open_store(store)
        return self._territory

    def gazetteer(self) -> Any:
        """The store's settlements by spelling (None when it has none, or there is no
        store: a sentence about the registry needs none)."""
        if self._gazetteer is None:
            from vigil.claims.places import Gazetteer
            from vigil.errors import StoreError

            try:
                frame = self.territory.store.settlements()
            except StoreError:  # no store: a sentence about the registry needs none
                frame = None
            self._gazetteer = Gazetteer(frame) if frame is not None and len(frame) else False
        return self._gazetteer or None

    def _case_finder(self, text: str) -> Any:
        if not self.cases or not _CASE_CUES.search(text):
            return None
        try:
            from vigil.cases import setup
        except ImportError:  # a territory-only install: no registry to ask
            return None
        if not self._cases_ready:
            setup(self.database)
            self._cases_ready = True
        from vigil.claims import cases

        return lambda t, lang, anchor: cases.find(t, lang, anchor, self.who)

    # -- the check ---------------------------------------------------------------------
    def parse(self, text: str, as_of: DateLike | None = None) -> Parsed:
        from vigil.claims.parse import parse

        day = parse_optional_date(as_of, "as_of")
        return parse(
            text, as_of=day, gazetteer=self.gazetteer, cases_finder=self._case_finder(text)
        )

    def check(self, text: str, as_of: DateLike | None = None) -> Report:
        """Parse ``text`` and rule on each of its claims."""
        from vigil.errors import InputError

        if not text or not text.strip():
            raise InputError("expected a sentence to check, got an empty text", param="text")
        parsed = self.parse(text, as_of)
        verdicts = tuple(self.rule(c, parsed.anchor) for c in parsed.claims)
        message = None
        if not verdicts:
            message = _nothing_to_check(parsed)
        return Report(parsed, verdicts, message)

    def rule(self, claim: TerritoryClaim | CaseClaim, anchor: dt.date) -> Verdict:
        if isinstance(claim, CaseClaim):
            from vigil.claims import cases

            return cases.rule(claim, self.who, anchor)
        from vigil.claims import territory

        if self._ruler is None:
            self._ruler = territory.Ruler(self.territory, source=self.source)
        return self._ruler.rule(claim, anchor=anchor)


def _nothing_to_check(parsed: Parsed) -> str:
    if parsed.unparsed:
        shown = ", ".join(repr(u) for u in parsed.unparsed[:5])
        return (
            f"no checkable claim: the sentence has numbers ({shown}) but none is an area "
            "with a period, a hearing date, a count of prisoners or a list's size"
        )
    return (
        "no checkable claim: Vigil checks areas held or changed (km², sq mi, hectares, % of "
        "Ukraine), settlements captured, hearings postponed, counts of prisoners and lists"
    )


def check(
    text: str,
    *,
    as_of: DateLike | None = None,
    source: str | None = None,
    store: str | os.PathLike[str] | Territory | None = None,
    database: str | None = None,
    who: Any = None,
) -> Report:
    """Check one sentence (see :class:`Checker` for the arguments)."""
    return Checker(store, source=source, database=database, who=who).check(text, as_of)
