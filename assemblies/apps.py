"""General assemblies: convocation, attendance, quorum by call and minutes."""

from django.apps import AppConfig


class AssembliesConfig(AppConfig):
    name = "assemblies"
