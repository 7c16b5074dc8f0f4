"""Proposals, amendments, comments and their live rooms."""

from django.apps import AppConfig


class DeliberationConfig(AppConfig):
    name = "deliberation"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_out

        from deliberation.signals import on_user_logged_out

        user_logged_out.connect(on_user_logged_out, dispatch_uid="deliberation.logout")
