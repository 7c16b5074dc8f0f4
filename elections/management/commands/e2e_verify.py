"""`e2e_verify BUNDLE`: re-check a closed vote's proof bundle from its files alone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from elections.verify_bundle import BundleRefused, verify_bundle


class Command(BaseCommand):
    help = "Verify a proof bundle: every college's election, then the weighting."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("bundle", type=Path, help="the bundle's zip, or its unpacked folder")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = verify_bundle(options["bundle"])
        except (BundleRefused, OSError, ValueError, KeyError) as exc:
            raise CommandError(f"refused: {exc}") from exc
        for key, result in report.colleges.items():
            self.stdout.write(f"college {key}: {result}")
        self.stdout.write(f"outcome: {report.outcome} (adopted: {report.adopted})")
        if report.sha256:
            self.stdout.write(f"bundle sha256: {report.sha256}")
        self.stdout.write(self.style.SUCCESS("verified"))
