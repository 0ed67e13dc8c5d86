"""The site's URLs: pages (vigil.web.views) and the API (vigil.web.api, docs at /api/docs)."""

from django.urls import path

from vigil.web import views
from vigil.web.api import api

urlpatterns = [
    path("api/", api.urls),
]
# The pages arrive with vigil.web.views (map, figures); added below when present.
if hasattr(views, "urlpatterns"):
    urlpatterns += views.urlpatterns
