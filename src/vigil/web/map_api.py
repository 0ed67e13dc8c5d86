"""The map's context in the JSON API (mounted on the territory router by
:mod:`vigil.web.api`). Operations are added by :func:`add_routes`."""

from ninja import Router


def add_routes(router: Router) -> None:
    """Add the map-context operations to the territory ``router``."""
