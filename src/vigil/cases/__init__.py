"""The cases registry: political prisoners, cases, hearings and published lists.

A Django app (models and migrations) usable without a web server::

    from vigil.cases import setup
    setup()                      # DATABASE_URL or the default SQLite file; migrates
    from vigil.cases import registry
    registry.find("Ali Karimli")

Nothing here imports Django models at import time, so ``import vigil.cases`` is cheap;
:func:`setup` configures Django once per process.
"""

from __future__ import annotations

from vigil.cases.db import setup
from vigil.cases.levels import Level

__all__ = ["Level", "setup"]
