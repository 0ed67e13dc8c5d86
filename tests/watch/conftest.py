"""Fixtures of the watch tests: the registry's (a migrated test database, the small
fictional sample registry) shared with tests/cases."""

from tests.cases.conftest import registry, sample  # noqa: F401  (pytest fixtures)
