from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "vigil.cases"
    label = "cases"
    verbose_name = "Cases registry"
    default_auto_field = "django.db.models.BigAutoField"
