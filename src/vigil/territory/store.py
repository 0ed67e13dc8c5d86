"""The territory store: one SQLite file holding snapshots, their tiles and ingest reports.

Geometries are WKB in WGS84 lon/lat. Each snapshot row carries its tile index, a
packed array of (ix, iy, piece hash) records (:func:`tile_index_dtype`); the pieces themselves
live once each in ``tile_pieces``, shared by every snapshot that has them (most
tiles do not change from one day to the next). Every ingest is one transaction: an error or
Ctrl-C rolls back everything it did. :meth:`Store.held` holds one transaction around many
(an ingest and what is computed from it, as ``vigil watch`` does): each inner transaction
becomes a savepoint, and nothing is committed until the held block ends without error.
The store is derived, public data: anyone can rebuild it from the sources.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vigil.errors import NoDataError, StoreError
from vigil.i18n import gettext as _

if TYPE_CHECKING:
    import pandas as pd
    from shapely.geometry.base import BaseGeometry

    from vigil.territory.prepare import Prepared

# numpy, pandas and shapely are imported by the methods that use them: a query that
# reads stored figures (``vigil territory area``) needs only sqlite3 (issue 12).

SCHEMA_VERSION = 5

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE sources (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    format TEXT NOT NULL,
    credit TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE TABLE ingests (
    id INTEGER PRIMARY KEY,
    source_id INTEGER NOT NULL REFERENCES sources(id),
    started_at TEXT NOT NULL,
    finished_at TEXT,
    inputs TEXT NOT NULL,
    report TEXT
);
CREATE TABLE snapshots (
    id INTEGER PRIMARY KEY,
    source_id INTEGER NOT NULL REFERENCES sources(id),
    kind TEXT NOT NULL,
    date TEXT NOT NULL,
    taken_at TEXT,
    content_hash TEXT NOT NULL,
    area_km2 REAL NOT NULL,
    n_polygons INTEGER NOT NULL,
    n_vertices INTEGER NOT NULL,
    repaired INTEGER NOT NULL,
    origin TEXT NOT NULL,
    ingest_id INTEGER NOT NULL REFERENCES ingests(id),
    geometry BLOB NOT NULL,
    tiles BLOB NOT NULL,
    UNIQUE (source_id, kind, date)
);
CREATE TABLE tile_pieces (
    hash BLOB PRIMARY KEY,
    geometry BLOB NOT NULL
) WITHOUT ROWID;
"""

# Each entry upgrades a store from the version before it (index 0: 1 -> 2).
MIGRATIONS = [
    # 2: reference geography (regions at three levels, settlements)
    """
CREATE TABLE regions (
    level TEXT NOT NULL,
    code TEXT NOT NULL,
    name_uk TEXT NOT NULL DEFAULT '',
    name_en TEXT NOT NULL DEFAULT '',
    name_ru TEXT NOT NULL DEFAULT '',
    oblast TEXT NOT NULL DEFAULT '',
    parent TEXT NOT NULL DEFAULT '',
    area_km2 REAL NOT NULL,
    geometry BLOB NOT NULL,
    PRIMARY KEY (level, code)
) WITHOUT ROWID;
CREATE TABLE settlements (
    code TEXT PRIMARY KEY,
    name_uk TEXT NOT NULL,
    name_en TEXT NOT NULL DEFAULT '',
    name_translit TEXT NOT NULL DEFAULT '',
    name_ru TEXT NOT NULL DEFAULT '',
    category TEXT NOT NULL DEFAULT '',
    hromada TEXT NOT NULL DEFAULT '',
    raion TEXT NOT NULL DEFAULT '',
    oblast TEXT NOT NULL DEFAULT '',
    lon REAL,
    lat REAL,
    located INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX settlements_oblast ON settlements(oblast);
CREATE TABLE geography_imports (
    id INTEGER PRIMARY KEY,
    level TEXT NOT NULL,
    source TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    rows INTEGER NOT NULL
);
""",
    # 3: what each ingest read, by content, so that reading it again can be skipped
    # (Territory.ingest); ``snapshots`` is the JSON list of [kind, date, content_hash]
    # the input gave, checked against the store before anything is skipped.
    """
CREATE TABLE input_fingerprints (
    source_id INTEGER NOT NULL REFERENCES sources(id),
    fingerprint TEXT NOT NULL,
    inputs TEXT NOT NULL,
    snapshots TEXT NOT NULL,
    ingest_id INTEGER NOT NULL REFERENCES ingests(id),
    PRIMARY KEY (source_id, fingerprint)
);
""",
    # 4: what each geography import read, by content (vigil.territory.geography), so that
    # importing the same file again with the same fields can be skipped
    """
ALTER TABLE geography_imports ADD COLUMN fingerprint TEXT;
""",
    # 5: what a source's dates mean (``dating``: its reader's convention; a daily archive
    # ingested before 5 was dated by file name, the map's date + 1 day), and sources
    # joined from others (``source_parts``: part ``position`` stands for the dates up to
    # ``until`` inclusive, the last one for every later date; ``seam`` is the JSON
    # measure of the step from this part to the next, see Territory.join).
    """
ALTER TABLE sources ADD COLUMN dating TEXT NOT NULL DEFAULT '';
UPDATE sources SET dating = 'file date' WHERE format = 'deepstate-daily';
UPDATE sources SET dating = 'map date: the Kyiv date of the snapshot''s timestamp, last of the day'
    WHERE format = 'deepstate-raw';
CREATE TABLE source_parts (
    source_id INTEGER NOT NULL REFERENCES sources(id),
    position INTEGER NOT NULL,
    part_id INTEGER NOT NULL REFERENCES sources(id),
    until TEXT,
    seam TEXT,
    PRIMARY KEY (source_id, position)
);
""",
]
JOINED = "joined"  # the format of a source joined from others
_SNAPSHOT_COLUMNS = [
    "id", "source", "kind", "date", "taken_at", "area_km2", "n_polygons", "n_vertices",
    "repaired", "origin", "content_hash",
]  # fmt: skip
REGION_COLUMNS = ["level", "code", "name_uk", "name_en", "name_ru", "oblast", "parent", "area_km2"]
SETTLEMENT_COLUMNS = [
    "code", "name_uk", "name_en", "name_translit", "name_ru", "category",
    "hromada", "raion", "oblast", "lon", "lat", "located",
]  # fmt: skip


@cache
def tile_index_dtype() -> Any:
    """The packed record of a snapshot's tile index: (ix, iy, piece hash)."""
    import numpy as np

    return np.dtype([("ix", "<i4"), ("iy", "<i4"), ("hash", "V16")])


@cache
def _tile_deg() -> float:
    from vigil.territory.tiles import TILE_DEG

    return TILE_DEG


@dataclass(frozen=True)
class SnapshotRow:
    """A stored snapshot's metadata (no geometry)."""

    id: int
    source: str
    kind: str
    date: dt.date
    area_km2: float
    content_hash: str


@dataclass(frozen=True)
class Part:
    """One part of a joined source: ``name`` stands for the dates up to ``until``
    (inclusive; None for the last part: every later date). ``seam``: the measured step
    from this part to the next (None for the last)."""

    name: str
    until: dt.date | None
    seam: dict[str, Any] | None = None


@dataclass
class IngestOutcome:
    """What one ingest did to the store, per (kind, date)."""

    added: list[tuple[str, dt.date]] = field(default_factory=list)
    replaced: list[tuple[str, dt.date]] = field(default_factory=list)
    unchanged: list[tuple[str, dt.date]] = field(default_factory=list)
    repaired: int = 0
    dropped_parts: int = 0
    #: Snapshots dropped because the source held them under another date convention
    #: (re-dated: stored again under the new one).
    redated: int = 0


class Store:
    """One SQLite territory store. Use as a context manager or call :meth:`close`."""

    def __init__(self, path: str | Path, *, create: bool = True) -> None:
        self.path = Path(path)
        self.created = not self.path.exists()
        if self.created:
            if not create:
                # Translators: %(path)s is the store's file; the command stays as it is.
                raise StoreError(
                    _("%(path)s: no store here (run `vigil territory ingest` first)")
                    % {"path": self.path}
                )
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._tile_index: dict[int, dict[tuple[int, int], bytes]] = {}
        self._parts_cache: dict[str, list[Part]] = {}
        # Open transactions: 0 none, 1 the outermost (BEGIN), more: savepoints inside it.
        self._depth = 0
        self._held = False
        self._savepoints = 0  # names each savepoint uniquely
        # Called after any rollback, so that caches kept beside the store (the
        # Territory's) forget what was rolled back; see :meth:`on_rollback`.
        self._rollback_hooks: list[Callable[[], None]] = []
        try:
            self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self.db.execute("PRAGMA foreign_keys = ON")
            self.db.execute("PRAGMA journal_mode = WAL")
            self.db.execute("PRAGMA synchronous = NORMAL")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            # Translators: %(reason)s is SQLite's own message, in English.
            raise StoreError(
                _("%(path)s: not a Vigil store (%(reason)s)") % {"path": self.path, "reason": exc}
            ) from exc

    # -- lifecycle -------------------------------------------------------------------
    def close(self) -> None:
        self.db.close()

    def discard_if_new(self) -> None:
        """Close and delete the store file if this object created it and it holds nothing
        (a first ingest that failed leaves no empty store behind). Inside a transaction (an
        ingest that failed within :meth:`held`) it does nothing: the held block decides
        when it ends."""
        if self._depth:
            return
        if not self.created or self.db.execute("SELECT 1 FROM snapshots LIMIT 1").fetchone():
            return
        self.close()
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _migrate(self) -> None:
        tables = {
            r[0] for r in self.db.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
        if "meta" not in tables:
            with self.transaction():
                self._run_script(SCHEMA)
                self.db.executemany(
                    "INSERT INTO meta VALUES (?, ?)",
                    [("schema_version", "1"), ("tile_deg", repr(_tile_deg()))],
                )
        version = int(self._meta("schema_version"))
        if version < SCHEMA_VERSION:
            with self.transaction():
                for script in MIGRATIONS[version - 1 :]:
                    self._run_script(script)
                self.db.execute(
                    "UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),)
                )
            version = SCHEMA_VERSION
        if version > SCHEMA_VERSION:
            # Translators: %(version)d and %(known)d are schema version numbers.
            raise StoreError(
                _(
                    "%(path)s: store schema %(version)d is newer than this Vigil (%(known)d);"
                    " upgrade Vigil"
                )
                % {"path": self.path, "version": version, "known": SCHEMA_VERSION}
            )
        self._grid_checked = False

    def _check_grid(self) -> None:
        """Tiles are read and written on one grid: checked before the first tile is
        (not at open, so that reading stored figures needs no geometry module)."""
        if not self._grid_checked:
            if float(self._meta("tile_deg")) != _tile_deg():
                raise StoreError(
                    _("%(path)s: tiled at another grid size; rebuild the store")
                    % {"path": self.path}
                )
            self._grid_checked = True

    def _run_script(self, script: str) -> None:
        for stmt in script.split(";"):
            if stmt.strip():
                self.db.execute(stmt)

    def _meta(self, key: str) -> str:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        if row is None:
            # Translators: %(key)r is an internal setting name; "meta" is a table name.
            raise StoreError(
                _("%(path)s: damaged store (no %(key)r in meta)") % {"path": self.path, "key": key}
            )
        return row[0]

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE … COMMIT; any exception, Ctrl-C included, rolls back.

        Inside another transaction (:meth:`held`, or a transaction() around others) it is
        a SAVEPOINT instead: RELEASE on success (committed with the outer transaction),
        ROLLBACK TO on error, which undoes this block only; the error goes on to the
        caller, who may catch it and carry on, or let the outer transaction roll back."""
        if self._depth == 0:
            self._begin()
            self._depth = 1
            try:
                yield self.db
            except BaseException:
                self._depth = 0
                self._rollback()
                raise
            self._depth = 0
            self._commit()
            return
        self._check_open()
        self._savepoints += 1
        name = f"vigil_{self._savepoints}"
        self.db.execute(f"SAVEPOINT {name}")
        self._depth += 1
        try:
            yield self.db
        except BaseException:
            self._depth -= 1
            if self.db.in_transaction:  # else the outer one is gone already (see held)
                self.db.execute(f"ROLLBACK TO {name}")
                self.db.execute(f"RELEASE {name}")
            self._forget()
            raise
        self._depth -= 1
        self._check_open()
        self.db.execute(f"RELEASE {name}")

    @contextmanager
    def held(self) -> Iterator[Store]:
        """One transaction around everything done in the block, committed at its end.

        Reads inside see what the block wrote; other connections see none of it until
        the commit. Every :meth:`transaction` inside (each ingest) is a savepoint: an
        error caught inside the block undoes that one only; an error leaving the block
        rolls back all of it, clears the in-memory caches and, when this object created
        the store and it still holds no snapshot, deletes it as a failed first ingest
        would (:meth:`discard_if_new`, which closes the store). Not re-entrant."""
        if self._depth:
            raise StoreError(
                _("%(path)s: a transaction is already open; cannot hold another")
                % {"path": self.path}
            )
        created = self.created
        self._begin()
        self._depth, self._held = 1, True
        try:
            yield self
            self._check_open()
        except BaseException:
            self._depth, self._held = 0, False
            self._rollback()
            self.created = created
            self.discard_if_new()
            raise
        self._depth, self._held = 0, False
        self._commit()
        self.created = False  # it has a history now, even if no snapshot

    @property
    def is_held(self) -> bool:
        """Whether a :meth:`held` block is open (writes are not committed yet)."""
        return self._held

    def on_rollback(self, hook: Callable[[], None]) -> None:
        """Call ``hook`` after every rollback (whole or to a savepoint): caches kept
        outside the store that may hold rolled-back data clear themselves there."""
        self._rollback_hooks.append(hook)

    def _begin(self) -> None:
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            raise StoreError(
                _(
                    "%(path)s: another process is writing to the store (an ingest, or a"
                    " `vigil watch` run); try again when it has finished"
                )
                % {"path": self.path}
            ) from exc

    def _check_open(self) -> None:
        """StoreError if the outer transaction ended behind our back (a library that
        called ``rollback()`` on the connection): carrying on would commit half of it."""
        if not self.db.in_transaction:
            raise StoreError(
                _("%(path)s: the transaction was ended from outside; nothing was stored")
                % {"path": self.path}
            )

    def _commit(self) -> None:
        try:
            self.db.execute("COMMIT")
        except sqlite3.Error as exc:  # disk full, I/O error: nothing is kept
            self._rollback()
            # Translators: %(reason)s is SQLite's own message, in English.
            raise StoreError(
                _("%(path)s: cannot commit (%(reason)s); nothing was stored")
                % {"path": self.path, "reason": exc}
            ) from exc

    def _rollback(self) -> None:
        if self.db.in_transaction:
            self.db.execute("ROLLBACK")
        self._forget()

    def _forget(self) -> None:
        """Drop every cache that may hold rolled-back rows: snapshot ids are reused by
        SQLite, so a stale tile index would answer for another snapshot."""
        self._tile_index.clear()
        self._parts_cache.clear()
        for hook in self._rollback_hooks:
            hook()

    # -- writing ---------------------------------------------------------------------
    def write(
        self,
        prepared: Iterable[Prepared],
        *,
        source: str,
        format: str,
        credit: str,
        inputs: list[str],
        report: Callable[[], dict[str, object]] | None = None,
        fingerprint: str | None = None,
        dating: str = "",
    ) -> IngestOutcome:
        """Store prepared snapshots of ``source`` in one transaction.

        Same (kind, date) with the same content hash: unchanged. Different hash:
        replaced. New: added. ``report()``, called once every snapshot is written,
        gives the reader's tallies (JSON-able), saved with the ingest. ``fingerprint``
        (of the input, see :meth:`unchanged_input`) is recorded with the snapshots it
        gave; a replacement forgets every fingerprint of the source recorded before.
        ``dating`` is the reader's date convention: when the source holds snapshots
        dated by another one, they are all dropped first (counted as ``redated``), so
        that no date of the source means two things.
        """
        self._check_grid()
        outcome = IngestOutcome()
        now = _now()
        with self.transaction() as db:
            source_id = self._source_id(source, format, credit, now, dating)
            outcome.redated = self._redate(source_id, dating)
            ingest_id = db.execute(
                "INSERT INTO ingests (source_id, started_at, inputs) VALUES (?, ?, ?)",
                (source_id, now, json.dumps(inputs)),
            ).lastrowid
            known = {r[0] for r in db.execute("SELECT hash FROM tile_pieces")}
            given: list[tuple[str, str, str]] = []
            for p in prepared:
                self._write_one(db, p, source_id, ingest_id, outcome, known)
                given.append((p.kind, p.date.isoformat(), p.content_hash))
            if outcome.replaced or outcome.redated:
                self._drop_orphan_pieces()
                db.execute("DELETE FROM input_fingerprints WHERE source_id = ?", (source_id,))
            if fingerprint is not None:
                db.execute(
                    "INSERT OR REPLACE INTO input_fingerprints VALUES (?, ?, ?, ?, ?)",
                    (source_id, fingerprint, json.dumps(inputs), json.dumps(given), ingest_id),
                )
            full_report = report() if report is not None else {}
            full_report.update(
                added=len(outcome.added),
                replaced=[f"{k} {d}" for k, d in outcome.replaced],
                unchanged=len(outcome.unchanged),
                repaired=outcome.repaired,
                dropped_parts=outcome.dropped_parts,
                redated=outcome.redated,
            )
            db.execute(
                "UPDATE ingests SET finished_at = ?, report = ? WHERE id = ?",
                (_now(), json.dumps(full_report, default=str), ingest_id),
            )
        return outcome

    def unchanged_input(self, fingerprint: str) -> tuple[str, list[tuple[str, dt.date]]] | None:
        """(source, its (kind, date) keys) of an earlier ingest whose input had this
        ``fingerprint``, if the store still holds each of those snapshots with the
        content hash it had then (reading the input again would change nothing); else
        None."""
        row = self.db.execute(
            "SELECT f.source_id, f.snapshots, src.name FROM input_fingerprints f"
            " JOIN sources src ON src.id = f.source_id WHERE f.fingerprint = ?",
            (fingerprint,),
        ).fetchone()
        if row is None:
            return None
        held = {
            (kind, day): digest
            for kind, day, digest in self.db.execute(
                "SELECT kind, date, content_hash FROM snapshots WHERE source_id = ?", (row[0],)
            )
        }
        given = json.loads(row[1])
        if any(held.get((kind, day)) != digest for kind, day, digest in given):
            return None
        return row[2], [(kind, dt.date.fromisoformat(day)) for kind, day, _ in given]

    def log_unchanged(
        self, source: str, inputs: list[str], fingerprint: str, keys: int, note: str
    ) -> None:
        """Log an ingest that read nothing because its input was unchanged."""
        now = _now()
        report = {
            "unchanged_input": fingerprint,
            "notes": [note],
            "added": 0,
            "replaced": [],
            "unchanged": keys,
            "repaired": 0,
            "dropped_parts": 0,
        }
        with self.transaction() as db:
            db.execute(
                "INSERT INTO ingests (source_id, started_at, finished_at, inputs, report)"
                " SELECT id, ?, ?, ?, ? FROM sources WHERE name = ?",
                (now, now, json.dumps(inputs), json.dumps(report), source),
            )

    def _source_id(self, name: str, format: str, credit: str, now: str, dating: str = "") -> int:
        row = self.db.execute(
            "SELECT id, format, credit FROM sources WHERE name = ?", (name,)
        ).fetchone()
        if row:
            if row[1] == JOINED:
                raise StoreError(
                    _("%(name)r is joined from other sources; ingest into one of its parts")
                    % {"name": name}
                )
            if credit and credit != row[2]:  # a newer attribution (e.g. a rules file's)
                self.db.execute("UPDATE sources SET credit = ? WHERE id = ?", (credit, row[0]))
            return int(row[0])
        cur = self.db.execute(
            "INSERT INTO sources (name, format, credit, created_at, dating) VALUES (?, ?, ?, ?, ?)",
            (name, format, credit, now, dating),
        )
        return int(cur.lastrowid or 0)

    def _redate(self, source_id: int, dating: str) -> int:
        """Drop the source's snapshots when they were dated by another convention than
        ``dating`` (then record ``dating``); returns how many were dropped."""
        (held,) = self.db.execute(
            "SELECT dating FROM sources WHERE id = ?", (source_id,)
        ).fetchone()
        if not held or not dating or held == dating:
            return 0
        dropped = self.db.execute(
            "DELETE FROM snapshots WHERE source_id = ?", (source_id,)
        ).rowcount
        self.db.execute("DELETE FROM input_fingerprints WHERE source_id = ?", (source_id,))
        self.db.execute("UPDATE sources SET dating = ? WHERE id = ?", (dating, source_id))
        self._tile_index.clear()
        return int(dropped)

    # -- joined sources ----------------------------------------------------------------
    def join(self, name: str, parts: list[Part], *, credit: str = "", dating: str = "") -> None:
        """Define (or redefine) ``name`` as joined from ``parts``, in date order."""
        now = _now()
        with self.transaction() as db:
            row = db.execute("SELECT id, format FROM sources WHERE name = ?", (name,)).fetchone()
            if row is not None and row[1] != JOINED:
                raise StoreError(
                    _("%(name)r holds data of its own; name the joined source otherwise")
                    % {"name": name}
                )
            if row is None:
                source_id = int(
                    db.execute(
                        "INSERT INTO sources (name, format, credit, created_at, dating)"
                        " VALUES (?, ?, ?, ?, ?)",
                        (name, JOINED, credit, now, dating),
                    ).lastrowid
                    or 0
                )
            else:
                source_id = int(row[0])
                db.execute(
                    "UPDATE sources SET credit = ?, dating = ? WHERE id = ?",
                    (credit, dating, source_id),
                )
            db.execute("DELETE FROM source_parts WHERE source_id = ?", (source_id,))
            for position, part in enumerate(parts):
                (part_id,) = db.execute(
                    "SELECT id FROM sources WHERE name = ?", (part.name,)
                ).fetchone()
                db.execute(
                    "INSERT INTO source_parts VALUES (?, ?, ?, ?, ?)",
                    (
                        source_id,
                        position,
                        part_id,
                        part.until.isoformat() if part.until else None,
                        json.dumps(part.seam, default=str) if part.seam is not None else None,
                    ),
                )
        self._parts_cache.clear()

    def parts(self, source: str) -> list[Part]:
        """The parts of a joined source, in date order; [] for a source of its own."""
        cached = self._parts_cache.get(source)
        if cached is None:
            rows = self.db.execute(
                "SELECT p.name, sp.until, sp.seam FROM source_parts sp"
                " JOIN sources j ON j.id = sp.source_id JOIN sources p ON p.id = sp.part_id"
                " WHERE j.name = ? ORDER BY sp.position",
                (source,),
            ).fetchall()
            cached = [
                Part(
                    n,
                    dt.date.fromisoformat(u) if u else None,
                    json.loads(seam) if seam else None,
                )
                for n, u, seam in rows
            ]
            self._parts_cache[source] = cached
        return cached

    def part_names(self) -> set[str]:
        """Every source that is a part of a joined source."""
        sql = "SELECT DISTINCT p.name FROM source_parts sp JOIN sources p ON p.id = sp.part_id"
        return {r[0] for r in self.db.execute(sql)}

    def _spans(self, source: str) -> list[tuple[str, dt.date | None, dt.date | None]]:
        """(part, after, until) for a joined source; [(source, None, None)] otherwise."""
        parts = self.parts(source)
        if not parts:
            return [(source, None, None)]
        spans: list[tuple[str, dt.date | None, dt.date | None]] = []
        after: dt.date | None = None
        for part in parts:
            spans.append((part.name, after, part.until))
            after = part.until
        return spans

    def part_for(self, source: str, day: dt.date) -> str:
        """The source whose snapshots stand for ``day`` in ``source`` (itself unless joined)."""
        for name, after, until in self._spans(source):
            if (after is None or day > after) and (until is None or day <= until):
                return name
        return source  # not reached: the last part is open

    def _write_one(
        self,
        db: sqlite3.Connection,
        p: Prepared,
        source_id: int,
        ingest_id: int | None,
        outcome: IngestOutcome,
        known: set[bytes],
    ) -> None:
        import numpy as np

        key = (p.kind, p.date)
        old = db.execute(
            "SELECT id, content_hash FROM snapshots WHERE source_id = ? AND kind = ? AND date = ?",
            (source_id, p.kind, p.date.isoformat()),
        ).fetchone()
        if old and old[1] == p.content_hash:
            outcome.unchanged.append(key)
            return
        if old:
            db.execute("DELETE FROM snapshots WHERE id = ?", (old[0],))
            self._tile_index.pop(old[0], None)
            outcome.replaced.append(key)
        else:
            outcome.added.append(key)
        outcome.repaired += int(p.repaired)
        outcome.dropped_parts += p.dropped_parts
        db.execute(
            "INSERT INTO snapshots (source_id, kind, date, taken_at, content_hash, area_km2,"
            " n_polygons, n_vertices, repaired, origin, ingest_id, geometry, tiles)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                source_id,
                p.kind,
                p.date.isoformat(),
                p.taken_at.isoformat() if p.taken_at else None,
                p.content_hash,
                p.area_km2,
                p.n_polygons,
                p.n_vertices,
                int(p.repaired),
                p.origin,
                ingest_id,
                p.wkb,
                np.array([(x, y, h) for x, y, h, _ in p.tiles], dtype=tile_index_dtype()).tobytes(),
            ),
        )
        new = [(h, w) for _, _, h, w in p.tiles if h not in known]
        db.executemany("INSERT OR IGNORE INTO tile_pieces (hash, geometry) VALUES (?, ?)", new)
        known.update(h for h, _ in new)

    def _drop_orphan_pieces(self) -> None:
        """Delete pieces no snapshot refers to any more (after replacements)."""
        import numpy as np

        used: set[bytes] = set()
        for (blob,) in self.db.execute("SELECT tiles FROM snapshots"):
            used.update(bytes(h) for h in np.frombuffer(blob, dtype=tile_index_dtype())["hash"])
        stale = [(h,) for (h,) in self.db.execute("SELECT hash FROM tile_pieces") if h not in used]
        self.db.executemany("DELETE FROM tile_pieces WHERE hash = ?", stale)

    # -- reading ---------------------------------------------------------------------
    def sources(self) -> pd.DataFrame:
        """One row per source: name, format, credit, created_at, dating."""
        import pandas as pd

        return pd.read_sql_query(
            "SELECT name, format, credit, created_at, dating FROM sources ORDER BY name", self.db
        )

    def source_dating(self, source: str) -> str:
        """What ``source``'s dates mean (its reader's convention), '' when unknown."""
        row = self.db.execute("SELECT dating FROM sources WHERE name = ?", (source,)).fetchone()
        return row[0] if row else ""

    def source_names(self) -> list[str]:
        """The sources held, by name (no pandas: queries call this first)."""
        return [r[0] for r in self.db.execute("SELECT name FROM sources ORDER BY name")]

    def source_format(self, source: str) -> str | None:
        """The format of ``source``'s data, or None when the store has no such source."""
        row = self.db.execute("SELECT format FROM sources WHERE name = ?", (source,)).fetchone()
        return row[0] if row else None

    def source_credit(self, source: str) -> str:
        row = self.db.execute("SELECT credit FROM sources WHERE name = ?", (source,)).fetchone()
        return row[0] if row else ""

    def snapshot_table(self, source: str | None = None) -> pd.DataFrame:
        """All snapshots (no geometry): source, kind, date, area_km2, origin, hash… and
        ``part``, the source that holds the row (for a joined source, the part standing
        for its date; else the source itself)."""
        import pandas as pd

        sql = (
            "SELECT s.id, src.name AS source, s.kind, s.date, s.taken_at, s.area_km2,"
            " s.n_polygons, s.n_vertices, s.repaired, s.origin, s.content_hash"
            " FROM snapshots s JOIN sources src ON src.id = s.source_id"
        )
        frames = []
        names = [source] if source is not None else self.source_names()
        for name in names:
            for part, after, until in self._spans(name):
                df = pd.read_sql_query(
                    sql + " WHERE src.name = ? AND s.date > ? AND s.date <= ?"
                    " ORDER BY s.kind, s.date",
                    self.db,
                    params=(
                        part,
                        after.isoformat() if after else "",
                        until.isoformat() if until else "9999",
                    ),
                )
                frames.append(df.assign(source=name, part=part))
        df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        if df.empty:
            return pd.DataFrame(columns=[*_SNAPSHOT_COLUMNS, "part"])
        df = df.sort_values(["source", "kind", "date"], ignore_index=True)
        df["date"] = pd.to_datetime(df["date"]).dt.date
        return df

    def dates(self, source: str, kind: str) -> list[dt.date]:
        """The dates of ``source``'s snapshots of ``kind``; for a joined source, each
        part's dates within its span."""
        return list(self.areas(source, kind))

    def areas(self, source: str, kind: str) -> dict[dt.date, float]:
        """Date → stored area (km², geodesic) of ``source``'s snapshots of ``kind``, in
        date order; for a joined source, each part's within its span (one query a part)."""
        out: dict[dt.date, float] = {}
        for name, after, until in self._spans(source):
            rows = self.db.execute(
                "SELECT s.date, s.area_km2 FROM snapshots s"
                " JOIN sources src ON src.id = s.source_id"
                " WHERE src.name = ? AND s.kind = ? AND s.date > ? AND s.date <= ?"
                " ORDER BY s.date",
                (
                    name,
                    kind,
                    after.isoformat() if after else "",
                    until.isoformat() if until else "9999",
                ),
            )
            out.update((dt.date.fromisoformat(day), area) for day, area in rows)
        return out

    def snapshot(self, source: str, kind: str, date: dt.date) -> SnapshotRow:
        """The snapshot of ``kind`` dated ``date``; in a joined source, the part standing
        for ``date`` holds it and is named in ``SnapshotRow.source``."""
        part = self.part_for(source, date)
        row = self.db.execute(
            "SELECT s.id, s.area_km2, s.content_hash FROM snapshots s"
            " JOIN sources src ON src.id = s.source_id"
            " WHERE src.name = ? AND s.kind = ? AND s.date = ?",
            (part, kind, date.isoformat()),
        ).fetchone()
        if row is None:
            # Translators: %(kind)s is a layer identifier (controlled, controlled+grey),
            # %(source)s a source name, %(date)s an ISO date.
            raise NoDataError(
                _("no %(kind)s snapshot of %(source)s dated %(date)s")
                % {"kind": kind, "source": part, "date": date}
            )
        return SnapshotRow(row[0], part, kind, date, row[1], row[2])

    def find(self, source: str, kind: str, date: dt.date) -> SnapshotRow | None:
        """:meth:`snapshot`, or None when there is none (e.g. a joined source's part
        without a grey zone)."""
        try:
            return self.snapshot(source, kind, date)
        except NoDataError:
            return None

    def geometry(self, snapshot_id: int) -> BaseGeometry:
        import shapely

        row = self.db.execute(
            "SELECT geometry FROM snapshots WHERE id = ?", (snapshot_id,)
        ).fetchone()
        return shapely.from_wkb(row[0])

    def tile_index(self, snapshot_id: int) -> dict[tuple[int, int], bytes]:
        """(ix, iy) -> piece hash for one snapshot (cached in memory)."""
        index = self._tile_index.get(snapshot_id)
        if index is None:
            import numpy as np

            self._check_grid()
            row = self.db.execute(
                "SELECT tiles FROM snapshots WHERE id = ?", (snapshot_id,)
            ).fetchone()
            if row is None:
                raise NoDataError(_("no snapshot with id %(id)s") % {"id": snapshot_id})
            packed = np.frombuffer(row[0], dtype=tile_index_dtype())
            index = {
                (int(x), int(y)): bytes(h)
                for x, y, h in zip(packed["ix"], packed["iy"], packed["hash"], strict=True)
            }
            self._tile_index[snapshot_id] = index
        return index

    def pieces(self, hashes: Iterable[bytes]) -> dict[bytes, BaseGeometry]:
        """Piece hash -> geometry for the hashes asked for."""
        import shapely

        self._check_grid()
        wanted = list(set(hashes))
        out: dict[bytes, BaseGeometry] = {}
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(
                f"SELECT hash, geometry FROM tile_pieces WHERE hash IN ({marks})", chunk
            ).fetchall()
            if rows:
                geoms = shapely.from_wkb([r[1] for r in rows])
                out.update({r[0]: g for r, g in zip(rows, geoms, strict=True)})
        return out

    # -- reference geography -----------------------------------------------------------
    def replace_regions(
        self, level: str, frame: pd.DataFrame, *, source: str, fingerprint: str | None = None
    ) -> int:
        """Replace every region of ``level`` with ``frame`` (REGION_COLUMNS but ``level``,
        plus ``geometry`` as shapely), in one transaction. Returns the row count."""
        import shapely

        rows = [
            (level, *(r[c] for c in REGION_COLUMNS[1:]), shapely.to_wkb(r["geometry"]))
            for r in frame.to_dict(orient="records")
        ]
        with self.transaction() as db:
            db.execute("DELETE FROM regions WHERE level = ?", (level,))
            db.executemany(
                f"INSERT INTO regions ({', '.join(REGION_COLUMNS)}, geometry)"
                f" VALUES ({', '.join('?' * (len(REGION_COLUMNS) + 1))})",
                rows,
            )
            self._log_geography(db, level, source, len(rows), fingerprint)
        return len(rows)

    def regions(self, level: str) -> pd.DataFrame:
        """The regions of ``level`` (REGION_COLUMNS and a shapely ``geometry``), by code."""
        import pandas as pd
        import shapely

        frame = pd.read_sql_query(
            f"SELECT {', '.join(REGION_COLUMNS)}, geometry FROM regions WHERE level = ?"
            " ORDER BY code",
            self.db,
            params=(level,),
        )
        frame["geometry"] = shapely.from_wkb(frame["geometry"].tolist()) if len(frame) else []
        return frame

    def replace_settlements(
        self, frame: pd.DataFrame, *, source: str, fingerprint: str | None = None
    ) -> int:
        """Replace the settlement gazetteer with ``frame`` (SETTLEMENT_COLUMNS)."""
        clean = frame[SETTLEMENT_COLUMNS].astype(object).where(frame[SETTLEMENT_COLUMNS].notna())
        rows = [tuple(r) for r in clean.itertuples(index=False)]
        with self.transaction() as db:
            db.execute("DELETE FROM settlements")
            db.executemany(
                f"INSERT INTO settlements ({', '.join(SETTLEMENT_COLUMNS)})"
                f" VALUES ({', '.join('?' * len(SETTLEMENT_COLUMNS))})",
                rows,
            )
            self._log_geography(db, "settlement", source, len(rows), fingerprint)
        return len(rows)

    def settlements(self) -> pd.DataFrame:
        """The settlement gazetteer (SETTLEMENT_COLUMNS), by code."""
        import pandas as pd

        return pd.read_sql_query(
            f"SELECT {', '.join(SETTLEMENT_COLUMNS)} FROM settlements ORDER BY code", self.db
        )

    def has_regions(self, level: str) -> bool:
        """Whether any region of ``level`` is held (without loading their geometry)."""
        sql = "SELECT 1 FROM regions WHERE level = ? LIMIT 1"
        return self.db.execute(sql, (level,)).fetchone() is not None

    def has_settlements(self) -> bool:
        """Whether a settlement gazetteer is held (without loading it)."""
        return self.db.execute("SELECT 1 FROM settlements LIMIT 1").fetchone() is not None

    def geography_imports(self) -> pd.DataFrame:
        import pandas as pd

        return pd.read_sql_query(
            "SELECT level, source, imported_at, rows FROM geography_imports ORDER BY id", self.db
        )

    def _log_geography(
        self, db: sqlite3.Connection, level: str, source: str, rows: int, fingerprint: str | None
    ) -> None:
        db.execute(
            "INSERT INTO geography_imports (level, source, imported_at, rows, fingerprint)"
            " VALUES (?, ?, ?, ?, ?)",
            (level, source, _now(), rows, fingerprint),
        )

    def unchanged_geography(self, level: str, fingerprint: str) -> int | None:
        """The rows of ``level`` (oblast, raion, hromada or settlement) when its last
        import had ``fingerprint`` and the store still holds that many rows; else None."""
        last = self.db.execute(
            "SELECT fingerprint, rows FROM geography_imports WHERE level = ?"
            " ORDER BY id DESC LIMIT 1",
            (level,),
        ).fetchone()
        if last is None or last[0] != fingerprint:
            return None
        if level == "settlement":
            held = self.db.execute("SELECT count(*) FROM settlements").fetchone()[0]
        else:
            sql = "SELECT count(*) FROM regions WHERE level = ?"
            held = self.db.execute(sql, (level,)).fetchone()[0]
        return int(held) if held == last[1] else None

    def ingests(self) -> pd.DataFrame:
        import pandas as pd

        return pd.read_sql_query(
            "SELECT i.id, src.name AS source, i.started_at, i.finished_at, i.inputs, i.report"
            " FROM ingests i JOIN sources src ON src.id = i.source_id ORDER BY i.id",
            self.db,
        )


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
