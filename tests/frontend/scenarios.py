"""Data the browser tests need, built and read inside the browser-test server's process."""

from __future__ import annotations

import itertools
from typing import Any

from governance import selectors
from governance.models import Cooperative
from tests.governance.factories import (
    PersonFactory,
    add_legal_member,
    add_member,
    chair_of,
    make_cooperative,
)

_numbers = itertools.count(1)


def _name(prefix: str) -> str:
    return f"{prefix}{next(_numbers)}"


def board_cooperative() -> dict[str, Any]:
    """A cooperative of four colleges and no members yet, with its chair."""
    chair = PersonFactory(username=_name("chair"), display_name="Claire Martin")
    cooperative = make_cooperative(
        chair=chair,
        slug=_name("coop-"),
        weights=(
            ("Couriers", 30),
            ("Customers", 30),
            ("Restaurants", 20),
            ("Local authorities", 20),
        ),
    )
    return {"slug": cooperative.slug, "chair": chair.username}


def colleges_current(slug: str) -> list[list[str]]:
    cooperative = Cooperative.objects.get(slug=slug)
    version = selectors.college_config_current(cooperative)
    assert version is not None
    return [[w.college.name, f"{w.weight.normalize():f}"] for w in version.weights.all()]


def populated_cooperative() -> dict[str, Any]:
    """A cooperative with members in each college, an applicant, a commune and an observer."""
    from governance import services
    from governance.models import CategoryKind

    chair = PersonFactory(username=_name("chair"), display_name="Claire Martin")
    cooperative = make_cooperative(
        chair=chair,
        slug=_name("coop-"),
        weights=(
            ("Couriers", 30),
            ("Customers", 25),
            ("Restaurants", 25),
            ("Local authorities", 20),
        ),
    )
    add_member(cooperative, "Couriers", person=chair, kind=CategoryKind.EMPLOYEES)
    member = PersonFactory(username=_name("lea"), display_name="Léa Petit")
    add_member(cooperative, "Customers", person=member, kind=CategoryKind.BENEFICIARIES)
    add_member(cooperative, "Restaurants", kind=CategoryKind.SUPPLIERS)
    commune = add_legal_member(
        cooperative, "Local authorities", name="Commune de Villeurbanne", representatives=0
    )
    representative = PersonFactory(username=_name("mairie"), display_name="Mairie de Villeurbanne")
    services.representative_designate(actor=chair, member=commune.member, person=representative)
    applicant = PersonFactory(username=_name("applicant"), display_name="Nora Applicant")
    add_member(
        cooperative, "Customers", person=applicant, kind=CategoryKind.BENEFICIARIES, admit=False
    )
    observer = PersonFactory(username=_name("region"), display_name="Région AURA")
    services.observer_invite(
        actor=chair_of(cooperative),
        cooperative=cooperative,
        person=observer,
        organisation="Région Auvergne-Rhône-Alpes",
    )
    return {
        "slug": cooperative.slug,
        "chair": chair.username,
        "member": member.username,
        "representative": representative.username,
        "observer": observer.username,
        "applicant": applicant.username,
    }


def validation_messages(colleges: list[list[str]]) -> dict[str, list[str]]:
    """What the server says of these typed rows, in French: the page's parsing, then the law."""
    from django.http import QueryDict
    from django.utils import translation

    from frontend.forms import colleges_from_post
    from governance.validation import validate_college_weights

    data = QueryDict(mutable=True)
    for index, (name, weight) in enumerate(colleges):
        data[f"name-{index}"] = name
        data[f"weight-{index}"] = weight
    with translation.override("fr"):
        parsed = colleges_from_post(data)
        if parsed.has_row_errors:
            return {"errors": [row.error for row in parsed.rows if row.error], "warnings": []}
        report = validate_college_weights([(s.name, s.weight) for s in parsed.specs])
        return {
            "errors": [p.message for p in report.errors],
            "warnings": [p.message for p in report.warnings],
        }


def debate_cooperative(
    *, open_vote: bool = False, secret: bool = False, second_representative: bool = False
) -> dict[str, Any]:
    """A cooperative of four colleges with a published proposal; optionally its open vote."""
    from deliberation import services as deliberation
    from governance import services
    from governance.models import CategoryKind
    from voting import services as voting

    chair = PersonFactory(username=_name("claire"), display_name="Claire Martin")
    cooperative = make_cooperative(
        chair=chair,
        slug=_name("coursiers-"),
        weights=(
            ("Couriers", 30),
            ("Customers", 25),
            ("Restaurants", 25),
            ("Local authorities", 20),
        ),
    )
    add_member(cooperative, "Couriers", person=chair, kind=CategoryKind.EMPLOYEES, shares=4)
    alice = PersonFactory(username=_name("lea"), display_name="Léa Petit")
    add_member(cooperative, "Customers", person=alice, kind=CategoryKind.BENEFICIARIES, shares=2)
    bob = PersonFactory(username=_name("karim"), display_name="Karim Benali")
    add_member(cooperative, "Restaurants", person=bob, kind=CategoryKind.SUPPLIERS, shares=2)
    commune = add_legal_member(
        cooperative,
        "Local authorities",
        name="Commune de Villeurbanne",
        representatives=0,
        shares=2,
    )
    mayor = PersonFactory(username=_name("mairie"), display_name="Sophie Adjointe")
    services.representative_designate(actor=chair, member=commune.member, person=mayor)
    deputy = None
    if second_representative:
        deputy = PersonFactory(username=_name("mairie"), display_name="Marc Conseiller")
        services.representative_designate(actor=chair, member=commune.member, person=deputy)
    proposal = deliberation.proposal_create(
        actor=chair,
        cooperative=cooperative,
        title="Tarif des livraisons en 2027",
        body="<p>Porter le tarif minimum d'une course à 4,50 € au 1er janvier 2027.</p>",
    )
    deliberation.proposal_publish(actor=chair, proposal=proposal)
    vote_id = None
    if open_vote:
        vote = voting.vote_create(
            actor=chair,
            cooperative=cooperative,
            proposal=proposal,
            method="resolution",
            is_secret=secret,
        )
        voting.vote_open(actor=chair, vote=vote)
        vote_id = vote.pk
    return {
        "slug": cooperative.slug,
        "chair": chair.username,
        "alice": alice.username,
        "bob": bob.username,
        "mayor": mayor.username,
        "deputy": deputy.username if deputy else None,
        "proposal": proposal.pk,
        "vote": vote_id,
        "commune_member": commune.member_id,
    }


def post_comments(proposal: int, username: str, count: int) -> list[int]:
    """`count` comments by one person on a proposal, each committed on its own (past
    the posting limit, which is not what this measures)."""
    from django.conf import settings
    from django.db import transaction
    from django.test import override_settings

    from deliberation import services
    from deliberation.models import Proposal
    from governance.models import Person

    author = Person.objects.get(username=username)
    target = Proposal.objects.get(pk=proposal)
    posted = []
    quick = override_settings(COLLEGIA={**settings.COLLEGIA, "COMMENT_RATE_LIMIT": "1000/60"})
    for n in range(count):
        with quick, transaction.atomic():
            comment = services.comment_create(
                actor=author,
                proposal=target,
                body=f"<p>Avis numéro {n} <script>alert(1)</script><b>gras</b></p>",
                stance="for" if n % 2 else "",
            )
        posted.append(comment.pk)
    return posted


def ballots_of(vote_id: int) -> dict[str, Any]:
    """How the vote's roll and ballot box stand, per college."""
    from django.db.models import Count

    from voting.models import Ballot, RollEntry, SecretBallot, Vote

    vote = Vote.objects.get(pk=vote_id)
    box: Any = Ballot.objects.filter(vote=vote, is_current=True)
    if vote.is_secret:
        # Sealed on the roll until the close, in the box after it.
        box = (
            SecretBallot.objects.filter(vote=vote)
            if vote.status == "closed"
            else RollEntry.objects.filter(vote=vote, sealed_ballot__isnull=False)
        )
    return {
        "voted_by_college": dict(
            RollEntry.objects.filter(vote=vote, has_voted=True)
            .values_list("vote_college__name")
            .annotate(n=Count("id"))
        ),
        "ballots_by_college": dict(box.values_list("vote_college__name").annotate(n=Count("pk"))),
        "all_ballots": Ballot.objects.filter(vote=vote).count(),
        "voted_members": sorted(
            RollEntry.objects.filter(vote=vote, has_voted=True).values_list(
                "member__name", flat=True
            )
        ),
    }


def showcase() -> dict[str, Any]:
    """One cooperative with something on every page: a debate, amendments, votes of each
    method (open and closed, open and secret), a webhook log, an applicant, an observer."""
    from django.utils import timezone

    from deliberation import services as deliberation
    from governance.models import CategoryKind, Person
    from voting import services as voting
    from webhooks import services as webhooks
    from webhooks.models import Attempt, MessageStatus

    data = debate_cooperative()
    cooperative = Cooperative.objects.get(slug=data["slug"])
    chair = Person.objects.get(username=data["chair"])
    alice = Person.objects.get(username=data["alice"])
    bob = Person.objects.get(username=data["bob"])
    mayor = Person.objects.get(username=data["mayor"])
    applicant = PersonFactory(username=_name("nora"), display_name="Nora Candidate")
    add_member(
        cooperative, "Customers", person=applicant, kind=CategoryKind.BENEFICIARIES, admit=False
    )
    observer = PersonFactory(username=_name("region"), display_name="Région AURA")
    from governance import services

    services.observer_invite(
        actor=chair,
        cooperative=cooperative,
        person=observer,
        organisation="Région Auvergne-Rhône-Alpes",
    )

    from deliberation.models import Proposal

    proposal = Proposal.objects.get(pk=data["proposal"])
    first = deliberation.comment_create(
        actor=alice,
        proposal=proposal,
        stance="for",
        body="<p>Je soutiens : les coursiers y gagnent.</p>",
    )
    deliberation.comment_create(
        actor=bob,
        proposal=proposal,
        parent=first,
        stance="against",
        body="<p>Les restaurants paieront plus, @" + alice.username + " ?</p>",
    )
    deliberation.reaction_add(actor=chair, comment=first, kind="agree")
    amendment = deliberation.amendment_propose(
        actor=bob,
        proposal=proposal,
        reason="Un palier intermédiaire",
        body="<p>Porter le tarif minimum d'une course à 4,20 € au 1er janvier 2027.</p>",
    )
    deliberation.amendment_accept(actor=chair, amendment=amendment, note="Compromis")
    deliberation.amendment_propose(
        actor=alice,
        proposal=proposal,
        body="<p>Porter le tarif minimum d'une course à 4,30 € au 1er janvier 2027.</p>",
    )

    def poll(method: str, options: list[str], *, secret: bool = False) -> Any:
        vote = voting.vote_create(
            actor=chair,
            cooperative=cooperative,
            method=method,
            title=f"Sondage : {method}",
            decision_kind="advisory",
            options=options,
            is_secret=secret,
        )
        return voting.vote_open(actor=chair, vote=vote)

    closed = voting.vote_open(
        actor=chair,
        vote=voting.vote_create(
            actor=chair, cooperative=cooperative, method="resolution", proposal=proposal
        ),
    )
    for person, choice in ((chair, "for"), (alice, "for"), (bob, "against"), (mayor, "for")):
        voting.ballot_cast(actor=person, vote=closed, choice=choice)
    voting.vote_close(actor=chair, vote=closed)

    judgment = poll("majority_judgment", ["Vélo cargo", "Scooter électrique", "Triporteur"])
    voting.ballot_cast(actor=alice, vote=judgment, choice={"Vélo cargo": judgment.grades[4]})
    approval = poll("approval", ["Lyon", "Villeurbanne", "Vaulx-en-Velin"])
    ranked = poll("ranked", ["Lundi", "Mercredi", "Vendredi"])
    consent = poll("consent", [])
    voting.objection_raise(actor=bob, vote=consent, reason="Le calendrier est trop serré.")
    secret = poll("approval", ["Claire", "Karim", "Léa"], secret=True)
    receipt = voting.ballot_cast(actor=alice, vote=secret, choice=["Claire"]).receipt
    voting.ballot_cast(actor=bob, vote=secret, choice=["Karim", "Léa"])
    voting.vote_close(actor=chair, vote=secret)
    voting.proxy_give(
        actor=bob,
        vote=approval,
        holder_id=alice.memberships_as_person.get(cooperative=cooperative).pk,
    )

    endpoint = webhooks.endpoint_create(
        actor=chair,
        cooperative=cooperative,
        url="https://platform.example.org/hooks/collegia",
        description="Plateforme de livraison",
    )
    message = webhooks.endpoint_send_test(actor=chair, endpoint=endpoint)
    now = timezone.now()
    Attempt.objects.create(
        message=message,
        number=1,
        started_at=now,
        status_code=503,
        duration_ms=41,
        response_excerpt="Service Unavailable",
    )
    message.status = MessageStatus.FAILED
    message.attempts = 1
    message.last_status_code = 503
    message.next_attempt_at = None
    message.save()

    slug = cooperative.slug
    return {
        **data,
        "observer": observer.username,
        "closed_vote": closed.pk,
        "secret_vote": secret.pk,
        "receipt": receipt,
        "votes": {
            "majority_judgment": judgment.pk,
            "approval": approval.pk,
            "ranked": ranked.pk,
            "consent": consent.pk,
        },
        "endpoint": endpoint.pk,
        "board_pages": [
            f"/c/{slug}/board/{page}/"
            for page in (
                "colleges",
                "rules",
                "members",
                "representatives",
                "observers",
                "audit",
                "webhooks",
            )
        ]
        + [f"/c/{slug}/board/webhooks/{endpoint.pk}/"],
    }


def demo_pages() -> dict[str, Any]:
    """The demo of `make run` (built once), and the addresses of its main pages."""
    from deliberation.models import Proposal
    from governance.demo import DEMO_PASSWORD, DEMO_SLUG, load_demo
    from governance.models import Membership
    from voting.demo import load_demo_activity
    from voting.models import Vote

    cooperative, _created = load_demo()
    load_demo_activity(cooperative)
    votes = Vote.objects.filter(cooperative=cooperative)
    return {
        "slug": DEMO_SLUG,
        "cooperative": cooperative.pk,
        "password": DEMO_PASSWORD,
        "proposals": sorted(
            Proposal.objects.filter(cooperative=cooperative).values_list("pk", flat=True)
        ),
        "open_votes": sorted(votes.filter(status="open").values_list("pk", flat=True)),
        "closed_votes": sorted(votes.filter(status="closed").values_list("pk", flat=True)),
        "membership": Membership.objects.filter(cooperative=cooperative).order_by("pk")[0].pk,
    }


# General assemblies.

ASSEMBLY_PEOPLE = ("claire", "yanis", "karim", "lea", "sofia", "mairie.villeurbanne")


def assembly_demo() -> dict[str, Any]:
    """The demo cooperative (loaded once), its people signing in with the demo's password."""
    from assemblies.demo import load_demo_assembly
    from governance.demo import DEMO_PASSWORD, load_demo

    cooperative, _created = load_demo()
    load_demo_assembly(cooperative)
    return {"slug": cooperative.slug, "people": list(ASSEMBLY_PEOPLE), "password": DEMO_PASSWORD}


def assembly_clock(at: str | None) -> None:
    """Set the assembly services' clock in the server to `at` (ISO), or back to real time."""
    import datetime as dt

    from django.utils import timezone

    from assemblies.services import _common

    if at is None:
        _common.clock = timezone.now
        return
    moment = dt.datetime.fromisoformat(at)
    _common.clock = lambda: moment


def assembly_state(assembly_id: int) -> dict[str, Any]:
    from assemblies.models import Assembly, AssemblyProxy, PostalVote

    assembly = Assembly.objects.get(pk=assembly_id)
    return {
        "status": assembly.status,
        "current_call": assembly.current_call,
        "calls": {c.number: c.status for c in assembly.calls.all()},
        "proxies": [
            [p.principal.name, p.holder.name if p.holder else None]
            for p in AssemblyProxy.objects.filter(assembly=assembly, revoked_at__isnull=True)
        ],
        "postal": sorted({v.member.name for v in PostalVote.objects.filter(assembly=assembly)}),
    }


def long_debate(proposal_id: int, threads: int) -> dict[str, Any]:
    """`threads` more threads on a proposal, each a comment with one reply, posted by its
    author (written directly: the posting limit is the comment services' business; the
    proposal's comment count is then counted again from them)."""
    from deliberation.models import Comment, Proposal
    from deliberation.services import comment_counts_refresh

    proposal = Proposal.objects.get(pk=proposal_id)
    for number in range(threads):
        root = Comment.objects.create(
            proposal=proposal, author=proposal.author, body=f"<p>Fil numéro {number}</p>"
        )
        Comment.objects.create(
            proposal=proposal,
            author=proposal.author,
            parent=root,
            depth=1,
            body=f"<p>Réponse au fil {number}</p>",
        )
    comment_counts_refresh(proposal_ids=[proposal.pk])
    return {"threads": threads}


def proxies_of(vote_id: int) -> list[list[str]]:
    from voting.models import Proxy

    return [
        [p.principal.name, p.holder.name]
        for p in Proxy.objects.filter(vote_id=vote_id, revoked_at__isnull=True)
    ]


def todo_cooperative() -> dict[str, Any]:
    """The debate cooperative with two open votes closing at different times, and a proxy
    from Karim to Léa on the sooner one: what each person's to-do list shows."""
    import datetime as dt

    from django.utils import timezone

    from governance.models import Cooperative, Member, Person
    from voting import services as voting

    data = debate_cooperative(open_vote=True)
    chair = Person.objects.get(username=data["chair"])
    now = timezone.now()
    cooperative = Cooperative.objects.get(slug=data["slug"])
    first = voting.vote_create(
        actor=chair,
        cooperative=cooperative,
        title="Horaires de la permanence",
        method="approval",
        options=["Matin", "Soir"],
        decision_kind="advisory",
        closes_at=now + dt.timedelta(days=2),
    )
    voting.vote_open(actor=chair, vote=first)
    karim = Person.objects.get(username=data["bob"])
    lea = Person.objects.get(username=data["alice"])
    voting.proxy_give(actor=karim, vote=first, holder_id=Member.objects.get(person=lea).pk)
    data["soon"] = first.pk
    return data


def cast_as(username: str, vote_id: int, choice: Any) -> None:
    from governance.models import Person
    from voting import services as voting
    from voting.models import Vote

    voting.ballot_cast(
        actor=Person.objects.get(username=username),
        vote=Vote.objects.get(pk=vote_id),
        choice=choice,
    )


def demo_everything() -> dict[str, Any]:
    """The whole demo of `make run` (loaded once) and the text its people wrote: the words
    the cooperative typed are French in both interfaces, so the language tests set them
    aside and read only the interface's own words."""
    import html
    import re

    from assemblies.demo import load_demo_assembly
    from assemblies.models import (
        AgendaItem,
        Assembly,
        AssemblyCall,
        AssemblyDocument,
        Candidate,
    )
    from deliberation.models import Amendment, Comment, Proposal, ProposalVersion
    from elections.demo import E2E_VOTE_TITLE, load_demo_election
    from elections.models import Election, ElectoralBoard
    from governance.demo import DEMO_PASSWORD, load_demo
    from governance.models import Category, College, Cooperative, Member, Observer, Person
    from voting.demo import load_demo_activity
    from voting.models import Vote

    cooperative, _created = load_demo()
    load_demo_activity(cooperative)
    load_demo_assembly(cooperative)
    load_demo_election(cooperative)

    def plain(markup: str) -> list[str]:
        text = html.unescape(re.sub(r"<[^>]+>", "\n", markup or ""))
        return [line.strip() for line in text.splitlines() if line.strip()]

    written: set[str] = {cooperative.name}
    written |= set(Cooperative.objects.values_list("name", flat=True))
    written |= set(College.objects.values_list("name", flat=True))
    written |= set(Category.objects.values_list("name", flat=True))
    written |= set(Member.objects.values_list("name", flat=True))
    written |= set(Person.objects.values_list("display_name", flat=True))
    written |= set(Observer.objects.values_list("organisation", flat=True))
    written |= set(Vote.objects.values_list("title", flat=True))
    for vote in Vote.objects.all():
        written |= set(vote.options) | set(vote.grades)
    for model, fields in (
        (Proposal, ("title", "body")),
        (Vote, ("description",)),
        (ElectoralBoard, ("name",)),
        (ProposalVersion, ("title", "body")),
        (Amendment, ("title", "body", "reason")),
        (Comment, ("body",)),
        (Assembly, ("title",)),
        (AssemblyCall, ("place", "remote_url")),
        (AgendaItem, ("title", "text")),
        (AssemblyDocument, ("title", "url")),
        (Candidate, ("statement",)),
    ):
        for row in model.objects.values_list(*fields):
            for value in row:
                written |= set(plain(str(value or "")))
    e2e_vote = Vote.objects.get(cooperative=cooperative, title=E2E_VOTE_TITLE)
    return {
        "password": DEMO_PASSWORD,
        "written": sorted((w for w in written if w), key=len, reverse=True),
        # The pages of the demo's vote counted end to end, which the walks must read.
        "e2e_booth": f"/votes/{e2e_vote.pk}/",
        "e2e_bulletins": [
            f"/votes/{e2e_vote.pk}/bulletin/{uuid}/"
            for uuid in Election.objects.filter(vote=e2e_vote).values_list("uuid", flat=True)
        ],
    }


def current_choices(vote_id: int) -> list[list[Any]]:
    """The current open ballots of a vote: [member's name, choice as stored]."""
    from voting.models import Ballot

    return [
        [b.roll_entry.member.name, b.choice]
        for b in Ballot.objects.filter(vote_id=vote_id, is_current=True).select_related(
            "roll_entry__member"
        )
    ]


def notices_stored_as_text() -> bool:
    """Whether some notices are stored as finished text (written in the language of the
    moment) rather than as a kind and parameters rendered for the reader."""
    from core.models import Notification

    return Notification.objects.exclude(message="").exists()
