"""Load the demo cooperative and what it is doing (idempotent), and print its logins."""

from typing import Any

from django.core.management.base import BaseCommand

from assemblies.demo import load_demo_assembly
from elections.demo import credentials_path, load_demo_election
from governance.demo import DEMO_LOGINS, DEMO_PASSWORD, load_demo
from onboarding.demo import load_demo_onboarding
from voting.demo import load_demo_activity


class Command(BaseCommand):
    help = (
        "Create the demo delivery-platform SCIC, its proposals, votes, next general "
        "assembly and vote counted end to end if they are missing, "
        "then print the logins."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        cooperative, created = load_demo()
        load_demo_activity(cooperative)
        load_demo_assembly(cooperative)
        # After the assembly, whose convocations went to the members as they were.
        load_demo_onboarding(cooperative)
        load_demo_election(cooperative)
        verb = "Created" if created else "Already present:"
        members = cooperative.memberships.filter(status="active").count()
        self.stdout.write(f"{verb} {cooperative.name} ({members} active members).")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for login in DEMO_LOGINS:
            self.stdout.write(f"  {login.username:<22} {login.role}")
        self.stdout.write(
            "Vote counted end to end: voters' credentials and trustees' keys in "
            f"{credentials_path().parent}/"
        )
