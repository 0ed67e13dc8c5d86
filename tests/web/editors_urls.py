"""The site's URLs with the editors' area at /editors/, for the tests until the site's
own urls.py includes it (then this module is the same as vigil.web.urls)."""

from django.urls import include, path

from vigil.web import urls as site

urlpatterns = list(site.urlpatterns)
if not any(getattr(p, "app_name", None) == "editors" for p in urlpatterns):
    urlpatterns.insert(0, path("editors/", include("vigil.web.editors.urls")))
