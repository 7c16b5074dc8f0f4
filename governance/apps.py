"""Cooperatives, colleges, members, board and the rules their assemblies follow."""

from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = "Governance"
