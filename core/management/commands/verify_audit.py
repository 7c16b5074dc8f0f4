"""Check the whole audit chain, the anchors given and the records quoting the chain."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.audit import AuditAnchor, audit_verify, parse_anchor, parse_anchor_lines
from core.audit_keys import KeyringError


class Command(BaseCommand):
    help = (
        "Verify the keyed hash chain of the audit log, the anchors published outside the "
        "database, and the decisions and minutes quoting it; exits non-zero at the first "
        "problem."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--anchor",
            action="append",
            default=[],
            metavar="POSITION:HASH",
            help="A chain position and the hash published for it (in a webhook payload or "
            "in minutes); the chain must still hold that entry unchanged. Repeatable.",
        )
        parser.add_argument(
            "--anchors",
            metavar="FILE",
            help="A file of anchors, one POSITION:HASH per line ('#' starts a comment).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        anchors: list[AuditAnchor] = []
        try:
            anchors += [parse_anchor(text) for text in options["anchor"]]
            if options["anchors"]:
                anchors += parse_anchor_lines(Path(options["anchors"]).read_text("utf-8"))
        except (ValueError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        try:
            result = audit_verify(anchors=anchors)
        except KeyringError as exc:
            raise CommandError(str(exc)) from exc
        if not result.ok:
            where = f" at entry #{result.first_broken_id}" if result.first_broken_id else ""
            raise CommandError(
                f"Audit chain broken{where}: {result.reason} "
                f"({result.checked} entries before it are intact)."
            )
        keys = ", ".join(result.key_ids) or "none"
        bindings = "; ".join(f"{b.checked} {b.what}" for b in result.bindings)
        self.stdout.write(
            self.style.SUCCESS(
                f"Audit chain intact: {result.checked} entries, signed with keys {keys}; "
                f"{result.anchors_checked} anchors hold; matching their entries: {bindings}."
            )
        )
