from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CasesConfig(AppConfig):
    name = "vigil.cases"
    label = "cases"
    verbose_name = "Cases registry"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from vigil.cases.appendonly import _after_migrate

        # SQLite drops a table's triggers when a migration rebuilds it: put them back.
        post_migrate.connect(_after_migrate, sender=self, dispatch_uid="cases-append-only")
