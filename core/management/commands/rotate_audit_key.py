"""Add a new key to the audit keyring: it signs from now on, the older keys still verify."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from core.audit import KEY_ROTATED, audit_append
from core.audit_keys import (
    Keyring,
    KeyringError,
    format_keyring,
    keyring,
    load_keyring,
    new_key,
    reset_keyring,
)


class Command(BaseCommand):
    help = (
        "Rotate the audit key. With AUDIT_KEY_FILE, append a new key to that file and record "
        "the rotation in the audit log, signed with the new key. With AUDIT_KEY (or "
        "--print), print the new keyring to set in the environment instead. Never remove "
        "an old key: it verifies the entries it signed."
    )

    # It is the command the missing-key check recommends, so that check must not stop it.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--print",
            action="store_true",
            help="Only print the new keyring (the current keys and a new one); change nothing.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            ring = load_keyring()
        except KeyringError as exc:
            if not options["print"]:
                raise CommandError(str(exc)) from exc
            ring = Keyring((), "none")
        key = new_key(ring)
        if options["print"] or ring.source != "file":
            # The development key never goes into a real keyring.
            kept = ring.keys if ring.source in {"environment", "file"} else ()
            self.stdout.write(f"AUDIT_KEY={format_keyring((*kept, key))}")
            self.stderr.write(
                "Set this value as AUDIT_KEY in the environment of every Collegia process and "
                "restart them: the last key signs from then on, the others keep verifying."
            )
            return
        path = settings.AUDIT_KEY_FILE
        self._append_to_file(Path(path), f"{key.id}:{key.secret.decode()}")
        reset_keyring()
        if keyring().signing.id != key.id:
            raise CommandError(f"{path} was written but does not read back with the new key.")
        with transaction.atomic(durable=True):
            entry = audit_append(
                actor=None,
                verb=KEY_ROTATED,
                data={"key_id": key.id, "previous_key_id": ring.signing.id},
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Audit key {key.id} added to {path}; it signed entry #{entry.pk}. Restart the "
                "running processes so they sign with it; keep the older keys in the file."
            )
        )

    @staticmethod
    def _append_to_file(path: Path, line: str) -> None:
        text = path.read_text(encoding="utf-8")
        with path.open("a", encoding="utf-8") as handle:
            handle.write(("" if not text or text.endswith("\n") else "\n") + line + "\n")
