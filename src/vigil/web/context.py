"""What every page knows about languages: the switcher's links, ``hreflang``
alternates and the canonical address (``vigil.web.middleware.LanguageMiddleware``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from vigil import i18n


def languages(request: HttpRequest) -> dict[str, Any]:
    """``languages``: one entry per language (code, its own name, this page's address in
    it, whether it is the page's); ``x_default``: the address without a prefix (the
    browser's language decides); ``canonical``: this page's address in its language."""
    lang = getattr(request, "LANGUAGE_CODE", i18n.DEFAULT)
    prefix = getattr(request, "language_prefix", None)
    script = request.META.get("SCRIPT_NAME", "")
    if prefix and script.endswith(f"/{prefix}"):
        script = script[: -len(prefix) - 1]
    query = request.META.get("QUERY_STRING", "")
    tail = request.path_info + (f"?{query}" if query else "")
    entries = [
        {
            "code": code,
            "name": name,
            "url": f"{script}/{code}{tail}",
            "current": code == lang,
        }
        for code, name in i18n.LANGUAGES.items()
    ]
    return {
        "languages": entries,
        "x_default": f"{script}{tail}",
        "canonical": f"{script}/{lang}{tail}",
        "LANGUAGE_CODE": lang,
    }
