"""The site's URLs: territory pages, prisoner pages, alerts and hearings, the editors'
area, and the API (territory, cases and alerts routers on one django-ninja API; docs
at /api/docs)."""

from django.urls import include, path
from django.views.decorators.http import require_safe
from django.views.i18n import JavaScriptCatalog

from vigil import i18n
from vigil.web import (
    cases_api,
    cases_views,
    check_api,
    check_views,
    registry_views,
    views,
    watch_api,
    watch_views,
)
from vigil.web.api import api

# Routers are added before api.urls is read (django-ninja builds the URLs once).
api.add_router("/cases/", cases_api.router)
api.add_router("", check_api.router)  # its operation's path is /check: /api/check
api.add_router("", watch_api.router)  # /api/alerts, /api/alerts/{id}, /api/hearings/upcoming


class _ScriptCatalog(JavaScriptCatalog):
    """The scripts' strings (domain ``djangojs``) from Vigil's own catalogues."""

    domain = "djangojs"

    def get_paths(self, packages: list[str]) -> list[str]:
        return [str(i18n.LOCALE_DIR)]


urlpatterns = [
    path("jsi18n/", require_safe(_ScriptCatalog.as_view()), name="javascript-catalog"),
    path("api/", api.urls),
    path("editors/", include("vigil.web.editors.urls")),
    *views.urlpatterns,
    *registry_views.urlpatterns,
    *cases_views.urlpatterns,
    *check_views.urlpatterns,
    *watch_views.urlpatterns,
]
