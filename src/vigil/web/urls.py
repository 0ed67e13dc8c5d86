"""The site's URLs: territory pages, prisoner pages, alerts and hearings, the editors'
area, and the API (territory, cases and alerts routers on one django-ninja API; docs
at /api/docs)."""

from django.urls import include, path

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

urlpatterns = [
    path("api/", api.urls),
    path("editors/", include("vigil.web.editors.urls")),
    *views.urlpatterns,
    *registry_views.urlpatterns,
    *cases_views.urlpatterns,
    *check_views.urlpatterns,
    *watch_views.urlpatterns,
]
