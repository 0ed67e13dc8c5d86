from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "vigil.web"
    label = "web"
    verbose_name = "Vigil web site"

    def ready(self) -> None:
        from vigil.web import signals

        signals.connect()  # failed sign-ins and lockouts in the audit trail
