"""Project plumbing shared by the domain apps."""

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Collegia core"
