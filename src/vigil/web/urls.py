"""The site's URLs: territory pages, prisoner pages, the editors' area, and the API
(territory and cases routers on one django-ninja API; docs at /api/docs)."""

from django.urls import include, path

from vigil.web import cases_api, cases_views, check_api, check_views, registry_views, views
from vigil.web.api import api

# Routers are added before api.urls is read (django-ninja builds the URLs once).
api.add_router("/cases/", cases_api.router)
api.add_router("", check_api.router)  # its operation's path is /check: /api/check

urlpatterns = [
    path("api/", api.urls),
    path("editors/", include("vigil.web.editors.urls")),
    *views.urlpatterns,
    *registry_views.urlpatterns,
    *cases_views.urlpatterns,
    *check_views.urlpatterns,
]
