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
