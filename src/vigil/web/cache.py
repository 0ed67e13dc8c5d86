"""One response/figure cache for the site: a value computed once per key.

The caller puts in the key everything the value depends on (the store's content
version, the reader's level, the query); nothing needs flushing when data change, a
new version makes new keys. The reader's language is in every key, here, once: pages,
API bodies, map labels and located fragments carry words, names and formatted numbers.
``VIGIL_WEB_CACHE=0`` turns caching off (benchmarks).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable
from typing import TypeVar

from django.core.cache import cache

from vigil import i18n

T = TypeVar("T")


def key(namespace: str, parts: Iterable[object]) -> str:
    """A cache key for ``parts`` in the active language (hashed: any length, any
    characters)."""
    raw = "|".join([i18n.active(), *map(str, parts)])
    return f"{namespace}:{hashlib.sha256(raw.encode()).hexdigest()}"


def enabled() -> bool:
    return os.environ.get("VIGIL_WEB_CACHE", "1") != "0"


def memo(cache_key: str, compute: Callable[[], T], *, timeout: float | None = None) -> T:
    """``compute()``, kept under ``cache_key`` (``timeout`` seconds, None: until evicted)."""
    if not enabled():
        return compute()
    hit = cache.get(cache_key)
    if hit is None:
        hit = compute()
        cache.set(cache_key, hit, timeout=timeout)
    return hit
