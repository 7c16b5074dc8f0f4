"""Send the convocation emails still queued (after a crash or a mail server outage)."""

from typing import Any

from django.core.management.base import BaseCommand

from assemblies.models import Convocation, ConvocationChannel, ConvocationStatus
from assemblies.services import convocations_send


class Command(BaseCommand):
    help = "Send every queued convocation email and record each outcome."

    def handle(self, *args: Any, **options: Any) -> None:
        calls = (
            Convocation.objects.filter(
                status=ConvocationStatus.QUEUED, channel=ConvocationChannel.EMAIL
            )
            .values_list("call_id", flat=True)
            .distinct()
        )
        sent = sum(convocations_send(call_id=call_id) for call_id in sorted(set(calls)))
        self.stdout.write(f"Sent {sent} convocation email(s).")
