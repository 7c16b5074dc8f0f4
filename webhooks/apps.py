"""Signed webhooks to the operational platform, delivered at least once."""

from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
