"""The one exception family of Vigil.

A ``VigilError`` carries a message meant for the user: the CLI prints it on one
line (``Error: …``) and exits non-zero. Anything else that escapes is a bug and
keeps its traceback.
"""

from __future__ import annotations


class VigilError(Exception):
    """A user-facing error: bad input, missing data, impossible request."""

    exit_code = 1


class InputError(VigilError):
    """A file, row or field is not what was expected."""


class UnknownLayerError(InputError):
    """A raw map layer name matched no classification rule."""

    def __init__(self, names: list[str], origin: str = "") -> None:
        self.names = sorted(set(names))
        where = f" in {origin}" if origin else ""
        shown = "; ".join(repr(n) for n in self.names[:20])
        more = f" (and {len(self.names) - 20} more)" if len(self.names) > 20 else ""
        super().__init__(
            f"{len(self.names)} layer name(s){where} match no classification rule: "
            f"{shown}{more}. Add a rule to vigil/territory/sources/layers.py."
        )


class StoreError(VigilError):
    """The store is missing, locked, from a newer version, or lacks the data asked for."""


class NoDataError(StoreError):
    """The store holds no snapshot that answers the question."""


class FetchError(VigilError):
    """Downloading new data failed (offline, HTTP error, bad content)."""


class NotFound(InputError):
    """No such record, or one the actor may not see: the two are one answer."""


class Forbidden(VigilError):
    """The actor's role does not allow this action (whatever the record)."""
