"""Builders for assemblies of the demo cooperative, with time under the test's control."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from assemblies import services
from assemblies.models import AgendaItem, Assembly, AssemblyKind, ItemKind, Resolution
from governance.demo import load_demo
from governance.models import Cooperative, Member, Person
from tests.governance.factories import add_member, chair_of, make_cooperative

PARIS = ZoneInfo("Europe/Paris")
# The day the board convenes; every test counts from here instead of the wall clock.
T0 = dt.datetime(2027, 3, 1, 9, 0, tzinfo=PARIS)
FIRST_CALL = dt.datetime(2027, 3, 17, 18, 0, tzinfo=PARIS)
SECOND_CALL = dt.datetime(2027, 3, 31, 18, 0, tzinfo=PARIS)


def demo() -> Cooperative:
    return load_demo()[0]


def person(username: str) -> Person:
    return Person.objects.get(username=username)


def member(cooperative: Cooperative, username: str) -> Member:
    """The member a username acts for: themself, or the legal person they represent."""
    own = Member.objects.filter(cooperative=cooperative, person__username=username).first()
    if own is not None:
        return own
    return Member.objects.get(
        cooperative=cooperative,
        representatives__person__username=username,
        representatives__revoked_at__isnull=True,
    )


def make_assembly(
    cooperative: Cooperative,
    *,
    kind: str = AssemblyKind.ORDINARY,
    resolutions: Iterable[str] = ("Approval of the accounts",),
    first_call_at: dt.datetime = FIRST_CALL,
    second_call_at: dt.datetime | None = SECOND_CALL,
    chair: str | Person = "claire",
    **options: object,
) -> Assembly:
    actor = person(chair) if isinstance(chair, str) else chair
    assembly = services.assembly_create(
        actor=actor,
        cooperative=cooperative,
        kind=kind,
        title=f"{AssemblyKind(kind).label} 2027",
        first_call_at=first_call_at,
        second_call_at=second_call_at,
        place="Maison des coopératives, Lyon",
        remote_url="https://visio.example.org/ag-2027",
        now=T0 - dt.timedelta(days=1),
        **options,  # type: ignore[arg-type]
    )
    for title in resolutions:
        services.agenda_item_add(
            actor=actor,
            assembly=assembly,
            kind=ItemKind.RESOLUTION,
            title=title,
            text=f"<p>{title}.</p>",
        )
    return assembly


def resolution(assembly: Assembly, position: int = 1) -> Resolution:
    return Resolution.objects.get(
        item__assembly=assembly, item__position=position, candidate__isnull=True
    )


def item(assembly: Assembly, position: int = 1) -> AgendaItem:
    return AgendaItem.objects.get(assembly=assembly, position=position)


def check_in(
    assembly: Assembly,
    usernames: Iterable[str],
    *,
    mode: str = "present",
    at: dt.datetime,
    by: str | Person = "claire",
) -> None:
    cooperative = assembly.cooperative
    actor = person(by) if isinstance(by, str) else by
    for username in usernames:
        services.attendance_check_in(
            actor=actor,
            assembly=assembly,
            mode=mode,
            member_id=member(cooperative, username).pk,
            now=at,
        )


@dataclass
class SmallCoop:
    """A cooperative of a dozen members, quicker to build than the demo one."""

    cooperative: Cooperative
    chair: Person
    people: dict[str, list[Person]]

    def usernames(self, college: str) -> list[str]:
        return [p.username for p in self.people[college]]

    @property
    def everyone(self) -> list[str]:
        return [p.username for people in self.people.values() for p in people]


def small_coop(sizes: dict[str, int] | None = None) -> SmallCoop:
    """Colleges weighted 30/30/20/20 (the worked example's), four members in each."""
    cooperative = make_cooperative(legal_form="scic_sa")
    chair = chair_of(cooperative)
    people: dict[str, list[Person]] = {}
    for name, count in (
        sizes or {"Workers": 4, "Users": 4, "Suppliers": 4, "Authorities": 4}
    ).items():
        people[name] = [
            add_member(cooperative, name).member.person  # type: ignore[misc]
            for _ in range(count)
        ]
    return SmallCoop(cooperative=cooperative, chair=chair, people=people)


def cast(
    resolution_obj: Resolution,
    username: str,
    choice: str,
    *,
    at: dt.datetime,
    for_member: str | None = None,
) -> None:
    """Vote in the booth as `username`, or, with `for_member`, as holder of that member's
    proxy."""
    cooperative = resolution_obj.item.assembly.cooperative
    services.assembly_ballot_cast(
        actor=person(username),
        resolution=resolution_obj,
        choice=choice,
        member_id=member(cooperative, username).pk,
        on_behalf_of=member(cooperative, for_member).pk if for_member else None,
        now=at,
    )


# The worked example of DOMAIN.md carried to the demo cooperative (weights 30/25/25/20):
# yes shares 60 % / 40 % / 90 % / 50 % give 0.18 + 0.10 + 0.225 + 0.10 = 60.5 % support,
# above an ordinary majority and below an extraordinary one. Postal ballots (antoine,
# salome), two proxies held by lea (paul, chloe) and a proxy without holder (omar, counted
# for a board resolution) are part of the count.
PRESENT = [
    "claire",
    "yanis",
    "mehdi",
    "ines",
    "thomas",
    "aminata",
    "julien",
    "fatou",
    "lucas",
    "lea",
    "emma",
    "louis",
    "jade",
    "nathan",
    "manon",
    "rayan",
    "karim",
    "marion",
    "bruno",
    "ophelie",
    "victor",
    "anais",
    "samir",
    "elise",
    "metropole.lyon",
]
REMOTE = ["sofia", "mairie.villeurbanne"]
POSTAL = ["antoine", "salome"]
PROXIES_TO_LEA = ["paul", "chloe"]
BLANK_PROXY = "omar"
FOR = [
    "claire",
    "yanis",
    "sofia",
    "mehdi",
    "ines",
    "thomas",
    "lea",
    "emma",
    "louis",
    "karim",
    "marion",
    "bruno",
    "ophelie",
    "victor",
    "anais",
    "samir",
    "mairie.villeurbanne",
]
AGAINST = [
    "aminata",
    "julien",
    "fatou",
    "lucas",
    "jade",
    "nathan",
    "manon",
    "rayan",
    "elise",
    "metropole.lyon",
]
WORKED_SUPPORT = "121/200"


def prepare_participation(
    assembly: Assembly, resolution_obj: Resolution, *, at: dt.datetime
) -> None:
    """Before the meeting: the postal ballots and the proxies of the worked pattern."""
    cooperative = assembly.cooperative
    for username in POSTAL:
        services.postal_vote_submit(
            actor=person(username), assembly=assembly, ballots={resolution_obj.pk: "for"}, now=at
        )
    for username in PROXIES_TO_LEA:
        services.assembly_proxy_give(
            actor=person(username),
            assembly=assembly,
            holder_id=member(cooperative, "lea").pk,
            now=at,
        )
    services.assembly_proxy_give(
        actor=person(BLANK_PROXY), assembly=assembly, holder_id=None, now=at
    )


def sign_in_everyone(assembly: Assembly, *, at: dt.datetime) -> None:
    check_in(assembly, PRESENT, at=at)
    for username in REMOTE:
        services.attendance_check_in(
            actor=person(username), assembly=assembly, mode="remote", now=at
        )


def cast_worked_pattern(resolution_obj: Resolution, *, at: dt.datetime) -> None:
    """The ballots cast in the room and remotely; postal and blank-proxy ballots were
    carried in when the resolution opened."""
    for username in FOR:
        cast(resolution_obj, username, "for", at=at)
    for username in AGAINST:
        cast(resolution_obj, username, "against", at=at)
    for principal in PROXIES_TO_LEA:
        cast(resolution_obj, "lea", "against", at=at, for_member=principal)
