"""The notifications of votes: opened, closing within a day, result, proxies."""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import CharField, Exists, OuterRef, Q, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from core.models import NoticeJob
from core.notices import iso
from core.notifications import notify, notify_set
from governance.models import Member
from governance.recipients import people_of_members
from voting.models import Decision, Proxy, RollEntry, Vote, VoteStatus

REMINDER_BEFORE: Final = dt.timedelta(hours=24)


def vote_path(vote: Vote) -> str:
    return f"/votes/{vote.pk}/"


def _data(vote: Vote, **extra: Any) -> dict[str, Any]:
    return {"vote_id": vote.pk, "title": vote.title, "closes_at": iso(vote.closes_at), **extra}


def notify_vote_opened(vote: Vote, *, now: dt.datetime | None = None) -> int:
    """Everyone acting for a member on the frozen roll, in one INSERT ... SELECT. Not for
    the resolutions of an assembly, which open and close in the meeting itself."""
    if vote.booth:
        return 0
    members = RollEntry.objects.filter(vote=vote).values("member_id")
    return notify_set(
        person_ids=people_of_members(members),
        kind="vote.opened",
        data=_data(vote),
        cooperative_id=vote.cooperative_id,
        url=vote_path(vote),
        now=now,
    )


def notify_vote_result(vote: Vote, decision: Decision) -> int:
    if vote.booth:
        return 0
    members = RollEntry.objects.filter(vote=vote).values("member_id")
    outcome = "adopted" if decision.adopted else decision.outcome
    return notify_set(
        person_ids=people_of_members(members),
        kind="vote.result",
        data=_data(vote, decision_id=decision.pk, outcome=outcome),
        cooperative_id=vote.cooperative_id,
        url=f"/votes/{vote.pk}/results/",
    )


def notify_proxy(proxy: Proxy, kind: str) -> None:
    """Tell the people acting for the holder that a proxy was given to them, or revoked."""
    vote = proxy.vote
    holder = Member.objects.filter(pk=proxy.holder_id).values("pk")
    notify(
        people=get_user_model().objects.filter(pk__in=people_of_members(holder)),
        kind=kind,
        data=_data(vote, proxy_id=proxy.pk, principal=proxy.principal.name),
        cooperative_id=vote.cooperative_id,
        url=vote_path(vote),
    )


def reminder_key(vote: Vote) -> str:
    return f"vote.closing:{vote.pk}"


def remind_vote(vote: Vote, *, now: dt.datetime) -> int | None:
    """Remind, once, the people who can still vote on `vote`: those acting for a member
    who has not voted, and the holders of unused proxies from such members. The job's
    unique key is taken in the same transaction, so a second scheduler inserts nothing;
    the (person, once_key) pair guards each person as well. None if already sent."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                job = NoticeJob.objects.create(key=reminder_key(vote), created_at=now)
        except IntegrityError:
            return None
        waiting = RollEntry.objects.filter(vote=vote, has_voted=False).values("member_id")
        holders = Proxy.objects.filter(
            vote=vote, revoked_at__isnull=True, used_at__isnull=True, principal_id__in=waiting
        ).values("holder_id")
        member_ids = Member.objects.filter(Q(pk__in=waiting) | Q(pk__in=holders)).values("pk")
        count = notify_set(
            person_ids=people_of_members(member_ids),
            kind="vote.closing",
            data=_data(vote),
            cooperative_id=vote.cooperative_id,
            url=vote_path(vote),
            once_key=reminder_key(vote),
            now=now,
        )
        job.recipients = count
        job.save(update_fields=["recipients"])
        return count


def remind_closing_votes(*, now: dt.datetime | None = None) -> list[int]:
    """The scheduler's job: remind every open vote closing within 24 hours, once."""
    now = now or timezone.now()
    due = (
        Vote.objects.filter(
            status=VoteStatus.OPEN,
            booth="",
            closes_at__gt=now,
            closes_at__lte=now + REMINDER_BEFORE,
        )
        .exclude(
            Exists(
                NoticeJob.objects.filter(
                    key=Concat(Value("vote.closing:"), Cast(OuterRef("pk"), CharField()))
                )
            )
        )
        .order_by("closes_at", "id")[:50]
    )
    done = []
    for vote in due:
        if remind_vote(vote, now=now) is not None:
            done.append(vote.pk)
    return done
