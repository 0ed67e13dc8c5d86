from django.apps import AppConfig


class WatchConfig(AppConfig):
    """The alerts `vigil watch` stores once and publishes (feeds, webhook, e-mail)."""

    name = "vigil.watch"
    label = "watch"
    verbose_name = "Watch: alerts and runs"
    default_auto_field = "django.db.models.BigAutoField"
