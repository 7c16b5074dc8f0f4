"""Project plumbing shared by the domain apps."""

from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Collegia core"

    def ready(self) -> None:
        from core import checks  # noqa: F401  (registers the system checks)

        # Each app states in `audit_bindings.py` which of its records quote an audit
        # entry's hash, for verify_audit to check them.
        autodiscover_modules("audit_bindings")

        from django.contrib.auth.signals import user_logged_out

        from core.live.signals import on_user_logged_out

        # Every live room listens on the person's group, so the signal lives here.
        user_logged_out.connect(on_user_logged_out, dispatch_uid="core.live.logout")
