"""Concurrent writes on one assembly take turns on its row: caps and counts hold."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, transaction

from assemblies import services
from assemblies.errors import ProxyError
from assemblies.models import AssemblyProxy, Attendance
from governance import services as governance
from tests.assemblies.factories import FIRST_CALL, T0, make_assembly, member, small_coop

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(work: list) -> list[str]:
    """Run each callable in its own thread and connection, all released at once."""
    start = threading.Barrier(len(work))
    outcomes: list[str] = []

    def run(job) -> None:  # type: ignore[no-untyped-def]
        start.wait()
        try:
            with transaction.atomic(durable=True):
                job()
            outcomes.append("ok")
        except ProxyError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_parallel_proxies_to_one_holder_never_exceed_the_cap():
    coop = small_coop()
    governance.rules_update(
        actor=coop.chair, cooperative=coop.cooperative, changes={"ordinary": {"proxy_cap": 2}}
    )
    assembly = make_assembly(coop.cooperative, chair=coop.chair)
    services.assembly_convene(actor=coop.chair, assembly=assembly, now=T0)
    holder = member(coop.cooperative, coop.usernames("Workers")[0]).pk
    givers = coop.people["Users"] + coop.people["Suppliers"][:2]
    when = T0 + dt.timedelta(days=1)
    outcomes = _race(
        [
            (
                lambda person=person: services.assembly_proxy_give(
                    actor=person, assembly=assembly, holder_id=holder, now=when
                )
            )
            for person in givers
        ]
    )
    assert sorted(outcomes) == ["ok", "ok"] + ["proxy_cap_reached"] * 4
    assert AssemblyProxy.objects.filter(holder_id=holder, revoked_at__isnull=True).count() == 2


def test_parallel_check_ins_are_all_counted_once():
    coop = small_coop()
    assembly = make_assembly(coop.cooperative, chair=coop.chair)
    services.assembly_convene(actor=coop.chair, assembly=assembly, now=T0)
    outcomes = _race(
        [
            (
                lambda username=username: services.attendance_check_in(
                    actor=coop.chair,
                    assembly=assembly,
                    mode="present",
                    member_id=member(coop.cooperative, username).pk,
                    now=FIRST_CALL,
                )
            )
            for username in coop.everyone
        ]
    )
    assert outcomes == ["ok"] * 16
    assert Attendance.objects.filter(call__assembly=assembly).count() == 16
    events = assembly.events.filter(type="attendance.changed").order_by("seq")
    # Each check-in saw the ones committed before it: the counts rise one by one.
    assert [e.data["present"] for e in events] == list(range(1, 17))
