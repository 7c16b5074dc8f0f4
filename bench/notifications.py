"""Notifications of a vote opening in a large cooperative, beside a bare bulk insert of the
same rows, and the daily digest run for every member."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import (
    ROUNDS,
    Rounds,
    alternate,
    bench_cooperative,
    bench_members,
    record,
    run_child,
    scratch_database,
)

ROOT = Path(__file__).resolve().parent.parent
PEOPLE_FULL = 10_000
PEOPLE_QUICK = 500
DEADLINE_SECONDS = 1800


def child(people: int) -> dict[str, Any]:
    """Build the cooperative in the scratch database, then time each side."""
    import django

    django.setup()
    from django.core import mail
    from django.db import connection, transaction
    from django.utils import timezone

    from core.mailer import send_digests
    from core.models import EmailMode, Notification, NotificationPreference
    from core.notifications import next_digest_at
    from governance.models import Person
    from voting import services
    from voting.notices import notify_vote_opened

    chair, cooperative, category, colleges = bench_cooperative(
        name="Bench SCIC",
        weights=(("Workers", 50), ("Users", 50)),
        category=("Users", "beneficiaries"),
    )
    started = time.perf_counter()
    persons = Person.objects.bulk_create(
        [
            Person(
                username=f"member{i}",
                email=f"member{i}@example.org",
                language="en" if i % 4 == 0 else "fr",
            )
            for i in range(people)
        ],
        batch_size=2000,
    )
    bench_members(cooperative, category, colleges, persons, grant=False, batch_size=2000, shares=1)
    # A third chose the digest for votes opening, a tenth turned them off.
    NotificationPreference.objects.bulk_create(
        [
            NotificationPreference(
                person=p, kind="vote.opened", mode=EmailMode.DIGEST if i % 3 else EmailMode.OFF
            )
            for i, p in enumerate(persons)
            if i % 3 == 0 or i % 10 == 0
        ],
        batch_size=2000,
    )
    with transaction.atomic():
        vote = services.vote_create(
            actor=chair,
            cooperative=cooperative,
            method="resolution",
            title="Bench resolution",
            decision_kind="ordinary",
        )
        vote = services.vote_open(actor=chair, vote=vote)
    load_seconds = time.perf_counter() - started
    assert Notification.objects.filter(kind="vote.opened").count() == people
    ids = [p.pk for p in persons]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    def reset() -> None:
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE core_notification")

    def product() -> int:
        with transaction.atomic():
            return notify_vote_opened(vote)

    bare_sql = (
        "INSERT INTO core_notification (person_id, cooperative_id, kind, message, data, url,"
        " created_at, read_at, once_key, email_mode, email_status, email_attempts,"
        " email_next_at, email_sent_at, email_error)"
        " SELECT p.id, %s, 'vote.opened', '', %s::jsonb, %s, now(), NULL, '', 'immediate',"
        " 'queued', 0, now(), NULL, '' FROM governance_person p WHERE p.id = ANY(%s)"
    )
    data = json.dumps({"vote_id": vote.pk, "title": vote.title, "closes_at": ""})

    def bare() -> int:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(bare_sql, [cooperative.pk, data, f"/votes/{vote.pk}/", ids])
            return cursor.rowcount

    def timed(function: Any) -> float:
        reset()
        began = time.perf_counter()
        written = function()
        seconds = time.perf_counter() - began
        distinct = Notification.objects.values("person_id").distinct().count()
        if written != people or distinct != people:
            raise RuntimeError(f"{function.__name__} wrote {written} rows for {distinct} people")
        return seconds

    timed(bare)  # warm-up of both sides: plans cached, pages in the buffer cache
    timed(product)
    rounds = alternate(lambda _number: timed(bare), lambda _number: timed(product))

    # The digest: every person has two notices waiting (a proposal, a vote).
    reset()
    NotificationPreference.objects.all().delete()
    NotificationPreference.objects.bulk_create(
        [NotificationPreference(person=p, kind="vote.opened", mode="digest") for p in persons],
        batch_size=2000,
    )
    notify_vote_opened(vote)
    notify_vote_opened(vote, now=timezone.now())
    due = next_digest_at(timezone.now())
    mail.outbox = []
    began = time.perf_counter()
    digests = send_digests(now=due)
    digest_seconds = time.perf_counter() - began
    recipients = {m.to[0] for m in mail.outbox}
    if digests != people or len(recipients) != people:
        raise RuntimeError(f"{digests} digests for {len(recipients)} of {people} people")
    if Notification.objects.filter(email_status="sent").count() != 2 * people:
        raise RuntimeError("Some digest rows were not marked sent")
    return {
        "bare_seconds": rounds.baseline,
        "product_seconds": rounds.product,
        "digest_seconds": digest_seconds,
        "load_seconds": load_seconds,
    }


def run(quick: bool) -> None:
    people = PEOPLE_QUICK if quick else PEOPLE_FULL
    with scratch_database("notifications") as url:
        env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings_test"}
        figures = run_child(
            "bench.notifications",
            "child",
            str(people),
            env=env,
            timeout=DEADLINE_SECONDS,
            what="notifications",
        )
    rounds = Rounds(baseline=figures["bare_seconds"], product=figures["product_seconds"])
    low, high = rounds.spread
    record(
        f"notifications_vote_opened ({people:,} members; median ratio of {ROUNDS} alternating "
        f"rounds, spread {low:.2f}-{high:.2f})",
        round(rounds.median_product, 4),
        "s",
        baseline_name="bare INSERT ... SELECT of the same rows",
        baseline_value=round(rounds.median_baseline, 4),
        goal="ratio <= 3",
        met=rounds.median_ratio <= 3,
        rounds=rounds,
    )
    record(
        f"notifications_digest ({people:,} people, 2 notices each, rendered and sent; context)",
        round(figures["digest_seconds"], 3),
        "s",
    )
    record(
        f"notifications_setup ({people:,} members and the vote opening; context)",
        round(figures["load_seconds"], 1),
        "s",
    )


if __name__ == "__main__":
    from bench.common import child_or_run

    child_or_run(sys.argv[1:], prog="python -m bench.notifications", child=child, run=run)
