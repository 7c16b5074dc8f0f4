"""Proposals, amendments, comments and their live rooms."""

from django.apps import AppConfig


class DeliberationConfig(AppConfig):
    name = "deliberation"
