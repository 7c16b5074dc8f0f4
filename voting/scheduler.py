"""Open and close votes on time, remind those who have not voted a day before the close,
and end board rights when a term is over: a loop run by
`manage.py serve` or `run_scheduler`."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass, field

from django.db import close_old_connections, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.actors import SCHEDULER
from core.errors import DomainError
from governance.services import board_terms_expire
from voting import services
from voting.models import Vote, VoteStatus
from voting.notices import remind_closing_votes

logger = logging.getLogger(__name__)

INTERVAL_SECONDS = 1.0
BATCH = 50


@dataclass
class TickReport:
    opened: list[int] = field(default_factory=list)
    closed: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    board_terms_ended: list[int] = field(default_factory=list)
    # Votes counted end to end whose time is up: their electoral board closes them.
    left_to_trustees: list[int] = field(default_factory=list)
    reminded: list[int] = field(default_factory=list)


def _due(queryset: QuerySet[Vote]) -> list[int]:
    return list(queryset.values_list("pk", flat=True)[:BATCH])


def tick(*, now: dt.datetime | None = None) -> TickReport:
    """Open the drafts whose time has come and close the open votes whose time is up.

    Each vote is handled in its own transaction, so one failure does not hold the others;
    a vote that cannot open records why (see `vote_mark_schedule_error`) and waits for the
    board. Several schedulers may run at once: the services lock each vote row and check
    its state again, so a vote is opened or closed once, by whichever comes first.
    """
    now = now or timezone.now()
    report = TickReport()
    to_open = _due(
        Vote.objects.filter(
            status=VoteStatus.DRAFT, opens_at__lte=now, schedule_error="", booth=""
        ).order_by("opens_at", "id")
    )
    for vote_id in to_open:
        vote = Vote.objects.get(pk=vote_id)
        try:
            with transaction.atomic(durable=True):
                services.vote_open(actor=SCHEDULER, vote=vote, now=now)
            report.opened.append(vote_id)
        except Exception as exc:
            if not Vote.objects.filter(pk=vote_id, status=VoteStatus.DRAFT).exists():
                continue  # Another scheduler or the board opened or cancelled it meanwhile.
            if isinstance(exc, DomainError):
                message = exc.message
            else:
                logger.exception("Vote %s failed to open", vote_id)
                message = str(_("An unexpected error stopped the opening; see the logs."))
            with transaction.atomic(durable=True):
                services.vote_mark_schedule_error(vote=vote, message=message)
            report.failed.append(vote_id)
            logger.warning("Vote %s could not open on time: %s", vote_id, message)
    to_close = _due(
        # A vote with a booth closes with its assembly's agenda, never on a clock; a vote
        # counted end to end closes when its trustees have decrypted the totals.
        Vote.objects.filter(
            status=VoteStatus.OPEN, closes_at__lte=now, booth="", e2e__isnull=True
        ).order_by("closes_at", "id")
    )
    report.left_to_trustees = _leave_to_trustees(now)
    for vote_id in to_close:
        try:
            with transaction.atomic(durable=True):
                services.vote_close(actor=SCHEDULER, vote=Vote.objects.get(pk=vote_id), now=now)
            report.closed.append(vote_id)
        except DomainError as exc:
            # Another scheduler or the board closed it first; nothing is left to do.
            logger.info("Vote %s not closed by this scheduler: %s", vote_id, exc.message)
        except Exception:
            logger.exception("Vote %s failed to close; retrying at the next tick", vote_id)
    try:
        report.reminded = remind_closing_votes(now=now)
    except Exception:
        logger.exception("Vote reminders could not be sent; retrying at the next tick")
    try:
        ended = board_terms_expire(today=timezone.localdate(now))
        report.board_terms_ended = [seat.pk for seat in ended]
    except Exception:
        logger.exception("Ended board terms could not be processed; retrying at the next tick")
    return report


def _leave_to_trustees(now: dt.datetime) -> list[int]:
    """Say once, on the vote and in the audit log, that a vote counted end to end is past
    its closing time and waits for its electoral board (ballots end, trustees decrypt,
    then the board closes it); the scheduler never tries to close it."""
    due = _due(
        Vote.objects.filter(
            status=VoteStatus.OPEN,
            closes_at__lte=now,
            booth="",
            e2e__isnull=False,
            schedule_error="",
        )
        .distinct()
        .order_by("closes_at", "id")
    )
    message = str(
        _(
            "The closing time has passed. This vote is counted end to end: the board ends "
            "its ballots, the trustees decrypt the totals, then the board closes it."
        )
    )
    for vote_id in due:
        try:
            with transaction.atomic(durable=True):
                services.vote_mark_schedule_error(
                    vote=Vote.objects.get(pk=vote_id), message=message
                )
        except Exception:
            logger.exception("Vote %s could not be marked as waiting for its trustees", vote_id)
            continue
        logger.info("Vote %s is past its closing time and waits for its trustees", vote_id)
    return due


def run_forever(*, stop: threading.Event, interval: float = INTERVAL_SECONDS) -> None:
    """Tick until `stop` is set. An unexpected error is logged and the loop goes on."""
    logger.info("Vote scheduler started (every %.1f s)", interval)
    while not stop.is_set():
        try:
            close_old_connections()
            report = tick()
            if report.board_terms_ended:
                logger.info("Board terms ended, grants taken: %s", report.board_terms_ended)
            if report.opened or report.closed or report.failed:
                logger.info(
                    "Votes opened %s, closed %s, failed to open %s",
                    report.opened,
                    report.closed,
                    report.failed,
                )
        except Exception:
            logger.exception("Vote scheduler tick failed")
        stop.wait(interval)
    close_old_connections()
