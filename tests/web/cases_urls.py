"""URLs for the cases tests: the site's own when ``vigil.web.urls`` mounts the cases
pages and API (as the lead's urls.py does); until then, the site's pages plus the cases
pages, and the cases router on a test API that answers errors as the site's API does."""

from django.urls import path
from ninja import NinjaAPI

from vigil.web import cases_api, cases_views
from vigil.web import urls as site
from vigil.web.api import api

urlpatterns = list(site.urlpatterns)
if not any(r is cases_api.router for _, r in api._routers):
    test_api = NinjaAPI(title="Vigil API (cases tests)", urls_namespace="cases-test-api")
    test_api._exception_handlers.update(api._exception_handlers)
    test_api.add_router("/cases/", cases_api.router)
    urlpatterns.insert(0, path("api/", test_api.urls))
if not any(getattr(p, "name", None) == "cases-list" for p in urlpatterns):
    urlpatterns += cases_views.urlpatterns
