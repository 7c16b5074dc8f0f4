from django.apps import AppConfig


class VerifiableConfig(AppConfig):
    name = "verifiable"
    verbose_name = "Verifiable ballots"
    default_auto_field = "django.db.models.BigAutoField"
