"""Server-rendered pages for members, boards and local authorities."""

from django.apps import AppConfig


class FrontendConfig(AppConfig):
    name = "frontend"
