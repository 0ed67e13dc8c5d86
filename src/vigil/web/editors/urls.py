"""The editors' area, mounted by the site at ``/editors/``."""

from django.urls import path

from vigil.web.editors import admin_views, release_views, views

app_name = "editors"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
    path("enrol/", views.enrol, name="enrol"),
    path("people/", views.people, name="people"),
    path("people/new/", views.person_edit, name="person-new"),
    path("people/<str:ref>/", views.person_detail, name="person"),
    path("people/<str:ref>/edit/", views.person_edit, name="person-edit"),
    path("people/<str:ref>/events/", views.event_add, name="event-add"),
    path("events/<int:pk>/correct/", views.event_correct, name="event-correct"),
    path("cases/", views.cases, name="cases"),
    path("cases/new/", views.case_edit, name="case-new"),
    path("cases/<str:ref>/", views.case_detail, name="case"),
    path("cases/<str:ref>/edit/", views.case_edit, name="case-edit"),
    path("cases/<str:ref>/hearings/", views.hearing_add, name="hearing-add"),
    path("hearings/<int:pk>/postpone/", views.hearing_postpone, name="hearing-postpone"),
    path("releases/", release_views.release_list, name="releases"),
    path("releases/new/", views.release_new, name="release-new"),
    path("releases/<str:ref>/edit/", release_views.release_edit, name="release-edit"),
    path("import/", views.import_upload, name="import"),
    path("import/confirm/", views.import_confirm, name="import-confirm"),
    path("import/extract/", views.extract_list, name="extract"),
    path("audit/", views.audit_trail, name="audit"),
    path("hearings/<int:pk>/outcome/", views.hearing_outcome, name="hearing-outcome"),
    path("users/", admin_views.user_list, name="users"),
    path("users/new/", admin_views.user_new, name="user-new"),
    path("users/<str:name>/role/", admin_views.user_role, name="user-role"),
    path("users/<str:name>/restricted/", admin_views.user_restricted, name="user-restricted"),
    path("users/<str:name>/deactivate/", admin_views.user_deactivate, name="user-deactivate"),
    path("users/<str:name>/reset-totp/", admin_views.user_reset_totp, name="user-reset-totp"),
    path("duplicates/", admin_views.duplicates, name="duplicates"),
    path("duplicates/merge/", admin_views.duplicate_merge, name="duplicate-merge"),
]
