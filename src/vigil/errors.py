"""The one exception family of Vigil.

A ``VigilError`` carries a message meant for the user: the CLI prints it on one
line (``Error: …``) and exits non-zero; the web API turns it into one JSON error body.
Anything else that escapes is a bug and keeps its traceback.

Library errors speak of values, not of command-line flags: an error about one argument
names it by its library parameter (``param="date_from"``); the CLI shows that parameter
as its flag (``--from``), the API as its query parameter (``from``)::

    VigilError                  user-facing, exit code 1
    ├── InputError              a file, row, field or argument is not what was expected
    │   ├── UnknownLayerError   a raw map layer matched no classification rule
    │   └── NotFound            no such record, or one the actor may not see
    ├── StoreError              the store is missing, locked, newer, or lacks the data
    │   └── NoDataError         no snapshot answers the question
    ├── FetchError              downloading new data failed
    └── Forbidden               the actor's role does not allow the action
"""

from __future__ import annotations

from vigil.i18n import gettext as _
from vigil.i18n import ngettext


class VigilError(Exception):
    """A user-facing error: bad input, missing data, impossible request.

    ``param``: the library parameter the message is about (``"date_from"``,
    ``"week_start"``), when there is one. ``str(error)`` then reads
    ``"date_from: expected …"``; :attr:`detail` is the message without the name, for
    front ends that name the parameter their own way (a flag, a query parameter).
    """

    exit_code = 1

    def __init__(self, message: str = "", *args: object, param: str | None = None) -> None:
        super().__init__(message, *args)
        self.param = param
        self.detail = message

    def __str__(self) -> str:
        if self.param is None:
            return super().__str__()
        return f"{self.param}: {self.detail}"

    def named(self, name: str) -> str:
        """The message with the parameter called ``name`` (a flag, a query parameter)."""
        return f"{name}: {self.detail}" if self.param is not None else str(self)


class InputError(VigilError):
    """A file, row or field is not what was expected."""


class UnknownLayerError(InputError):
    """A raw map layer name matched no classification rule."""

    def __init__(self, names: list[str], origin: str = "") -> None:
        self.names = sorted(set(names))
        n = len(self.names)
        shown = "; ".join(repr(name) for name in self.names[:20])
        if n > 20:
            # Translators: after a list of layer names cut at 20; %(n)d is how many more.
            shown += _(" (and %(n)d more)") % {"n": n - 20}
        # English keeps "name(s)" in both forms; translators give each form its own words.
        if origin:
            # Translators: %(origin)s is a file or address; %(names)s quoted layer names.
            message = ngettext(
                "%(n)d layer name(s) in %(origin)s match no classification rule: %(names)s."
                " Add a rule to vigil/territory/sources/layers.py.",
                "%(n)d layer name(s) in %(origin)s match no classification rule: %(names)s."
                " Add a rule to vigil/territory/sources/layers.py.",
                n,
            ) % {"n": n, "origin": origin, "names": shown}
        else:
            message = ngettext(
                "%(n)d layer name(s) match no classification rule: %(names)s."
                " Add a rule to vigil/territory/sources/layers.py.",
                "%(n)d layer name(s) match no classification rule: %(names)s."
                " Add a rule to vigil/territory/sources/layers.py.",
                n,
            ) % {"n": n, "names": shown}
        super().__init__(message)


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
