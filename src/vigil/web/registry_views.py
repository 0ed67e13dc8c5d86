"""Public registry pages beyond a person and a case: list releases and their
differences, indexes of cases and organisations."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
