"""Vigil's web site: a Django project (settings, URLs, API). Pages arrive with the web issues."""
