from django.apps import AppConfig


class ElectionsConfig(AppConfig):
    name = "elections"
    verbose_name = "Verifiable elections"
    default_auto_field = "django.db.models.BigAutoField"
