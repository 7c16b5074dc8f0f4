"""Remember that a person read a proposal (for their to-do list)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from deliberation.models import Proposal, ProposalRead
from governance.models import Person


@transaction.atomic
def proposal_mark_read(*, person: Person, proposal: Proposal) -> None:
    """Record that `person` saw the current version of `proposal`; one row per pair,
    updated in place (an upsert, so two tabs opening at once do not collide)."""
    ProposalRead.objects.bulk_create(
        [
            ProposalRead(
                person=person,
                proposal=proposal,
                read_at=timezone.now(),
                version=proposal.current_version,
            )
        ],
        update_conflicts=True,
        unique_fields=["person", "proposal"],
        update_fields=["read_at", "version"],
    )
