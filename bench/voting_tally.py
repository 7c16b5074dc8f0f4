"""Tally of a vote with a million ballots over five colleges, beside a bare GROUP BY."""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from typing import Any

from bench.common import bench_cooperative, record, run_child, scratch_database

BALLOTS_FULL = 1_000_000
BALLOTS_QUICK = 20_000
REPEATS = 7
# entre2mondes (DOMAIN.md): employees 25, producers 25, users 25, public bodies 15, others 10.
COLLEGES = (
    ("Employees", 25),
    ("Producers", 25),
    ("Users", 25),
    ("Public bodies", 15),
    ("Other partners", 10),
)
# Share of each choice, so that every college has a result worth weighting.
CHOICES = (("for", 55), ("against", 35), ("abstain", 10))


def _median_seconds(function: Any, repeats: int) -> tuple[float, Any]:
    function()  # warm-up: plans cached, pages in the buffer cache
    timings = []
    result = None
    for _ in range(repeats):
        started = time.perf_counter()
        result = function()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings), result


def child(ballots: int) -> dict[str, Any]:
    """Build the vote in the scratch database, then time the tally and the bare query."""
    import django

    django.setup()

    from django.db import connection, transaction
    from django.utils import timezone

    from governance.models import Member, Membership
    from voting import selectors, services
    from voting.models import Vote, VoteCollege

    chair, cooperative, category, colleges = bench_cooperative(
        name="Bench SCIC", weights=COLLEGES, category=("Partners", "supporters")
    )
    # One member per college, so that the vote opens through the service; the rest of the
    # roll is then written with COPY.
    for college in colleges:
        member = Member.objects.create(
            cooperative=cooperative,
            kind="legal",
            name=f"Founding {college.name}",
            organisation_type="association",
        )
        Membership.objects.create(
            member=member,
            cooperative=cooperative,
            category=category,
            college=college,
            status="active",
            applied_at=timezone.now(),
            started_on=timezone.localdate(),
            shares=1,
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
    frozen = {c.college_id: c for c in VoteCollege.objects.filter(vote=vote)}
    started = time.perf_counter()
    _copy_roll_and_ballots(
        connection, vote, cooperative, category, colleges, frozen, ballots - len(colleges)
    )
    load_seconds = time.perf_counter() - started

    vote = Vote.objects.select_related("rules_version", "cooperative").get(pk=vote.pk)
    bare_sql = (
        "SELECT vote_college_id, choice, count(*) FROM voting_ballot "
        "WHERE vote_id = %s AND is_current GROUP BY 1, 2"
    )

    def bare() -> list[tuple[Any, ...]]:
        with connection.cursor() as cursor:
            cursor.execute(bare_sql, [vote.pk])
            return cursor.fetchall()

    def tally() -> Any:
        fresh = Vote.objects.select_related("rules_version", "cooperative").get(pk=vote.pk)
        return selectors.vote_tally(fresh)

    bare_seconds, rows = _median_seconds(bare, REPEATS)
    tally_seconds, outcome = _median_seconds(tally, REPEATS)
    # A second round in the other order, so that neither side always runs warmer.
    tally_again, _ = _median_seconds(tally, REPEATS)
    bare_again, _ = _median_seconds(bare, REPEATS)
    counted = outcome.result["tally"]["totals"]["voted"]
    assert counted == ballots == sum(row[2] for row in rows), (counted, ballots)
    started = time.perf_counter()
    with transaction.atomic(durable=True):
        decision = services.vote_close(actor=chair, vote=vote)
    close_seconds = time.perf_counter() - started
    return {
        "ballots": ballots,
        "load_seconds": load_seconds,
        "tally_seconds": min(tally_seconds, tally_again),
        "bare_seconds": min(bare_seconds, bare_again),
        "close_seconds": close_seconds,
        "support": decision.result["tally"]["support_pct"],
        "timezone": str(timezone.get_current_timezone()),
    }


def _copy_roll_and_ballots(
    connection: Any,
    vote: Any,
    cooperative: Any,
    category: Any,
    colleges: list[Any],
    frozen: dict[int, Any],
    count: int,
) -> None:
    """Write `count` more legal-person members, their active memberships, roll entries and
    one ballot each, with COPY; then fix the frozen eligible counts and analyse."""
    from django.utils import timezone

    now = timezone.now()
    today = timezone.localdate()
    college_of = [colleges[i % len(colleges)] for i in range(count)]
    cycle = [choice for choice, share in CHOICES for _ in range(share)]
    with connection.cursor() as cursor:
        raw = cursor.connection
        with raw.cursor() as pg:
            pg.execute("SELECT nextval(pg_get_serial_sequence('governance_member', 'id'))")
            first_member = pg.fetchone()[0] + 1
            pg.execute(
                "SELECT setval(pg_get_serial_sequence('governance_member', 'id'), %s)",
                [first_member + count],
            )
            with pg.copy(
                "COPY governance_member (id, cooperative_id, kind, name, "
                "organisation_type, created_at) FROM STDIN"
            ) as copy:
                for i in range(count):
                    copy.write_row(
                        (
                            first_member + i,
                            cooperative.pk,
                            "legal",
                            f"Member {i}",
                            "association",
                            now,
                        )
                    )
            pg.execute("SELECT nextval(pg_get_serial_sequence('governance_membership', 'id'))")
            first_membership = pg.fetchone()[0] + 1
            pg.execute(
                "SELECT setval(pg_get_serial_sequence('governance_membership', 'id'), %s)",
                [first_membership + count],
            )
            with pg.copy(
                "COPY governance_membership (id, member_id, cooperative_id, "
                "category_id, college_id, status, applied_at, started_on, "
                "end_reason, shares) FROM STDIN"
            ) as copy:
                for i in range(count):
                    copy.write_row(
                        (
                            first_membership + i,
                            first_member + i,
                            cooperative.pk,
                            category.pk,
                            college_of[i].pk,
                            "active",
                            now,
                            today,
                            "",
                            1,
                        )
                    )
            pg.execute("SELECT nextval(pg_get_serial_sequence('voting_rollentry', 'id'))")
            first_entry = pg.fetchone()[0] + 1
            pg.execute(
                "SELECT setval(pg_get_serial_sequence('voting_rollentry', 'id'), %s)",
                [first_entry + count],
            )
            with pg.copy(
                "COPY voting_rollentry (id, vote_id, membership_id, member_id, "
                "vote_college_id, college_weight, has_voted, voted_at, "
                "voted_via_proxy, tracker) FROM STDIN"
            ) as copy:
                for i in range(count):
                    college = frozen[college_of[i].pk]
                    copy.write_row(
                        (
                            first_entry + i,
                            vote.pk,
                            first_membership + i,
                            first_member + i,
                            college.pk,
                            str(college.weight),
                            True,
                            now,
                            False,
                            "",
                        )
                    )
            with pg.copy(
                "COPY voting_ballot (vote_id, roll_entry_id, vote_college_id, "
                "choice, is_current, created_at) FROM STDIN"
            ) as copy:
                for i in range(count):
                    college = frozen[college_of[i].pk]
                    copy.write_row(
                        (
                            vote.pk,
                            first_entry + i,
                            college.pk,
                            json.dumps(cycle[(i * 7) % len(cycle)]),
                            True,
                            now,
                        )
                    )
            # The founding members vote too, so that every roll entry holds one ballot.
            pg.execute(
                "INSERT INTO voting_ballot (vote_id, roll_entry_id, vote_college_id, choice, "
                "is_current, created_at) SELECT vote_id, id, vote_college_id, '\"for\"', "
                "true, now() FROM voting_rollentry WHERE vote_id = %s AND NOT has_voted",
                [vote.pk],
            )
            pg.execute(
                "UPDATE voting_rollentry SET has_voted = true, voted_at = now() "
                "WHERE vote_id = %s AND NOT has_voted",
                [vote.pk],
            )
            pg.execute(
                "UPDATE voting_votecollege c SET eligible = (SELECT count(*) FROM "
                "voting_rollentry r WHERE r.vote_college_id = c.id) WHERE c.vote_id = %s",
                [vote.pk],
            )
        raw.commit()
        cursor.execute("ANALYZE")


def run(quick: bool) -> None:
    ballots = BALLOTS_QUICK if quick else BALLOTS_FULL
    with scratch_database("voting_tally") as url:
        env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings_test"}
        figures = run_child(
            "bench.voting_tally", "child", str(ballots), env=env, timeout=3600, what="tally"
        )
    ratio = figures["tally_seconds"] / figures["bare_seconds"]
    record(
        f"voting_tally ({ballots:,} ballots, {len(COLLEGES)} colleges)",
        round(figures["tally_seconds"], 4),
        "s",
        baseline_name="bare SELECT college, choice, count(*) GROUP BY",
        baseline_value=round(figures["bare_seconds"], 4),
        goal="ratio <= 2",
        met=ratio <= 2,
    )
    record(
        f"voting_close ({ballots:,} ballots; tally, decision, audit, events; context)",
        round(figures["close_seconds"], 4),
        "s",
    )
    record(
        f"voting_tally_load ({ballots:,} roll entries and ballots by COPY; context)",
        round(figures["load_seconds"], 1),
        "s",
    )


if __name__ == "__main__":
    from bench.common import child_or_run

    child_or_run(sys.argv[1:], prog="python -m bench.voting_tally", child=child, run=run)
