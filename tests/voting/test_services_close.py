"""Closing a vote: the stored result, the decision, its audit hash and what it announces."""

from __future__ import annotations

import hashlib
import json
from fractions import Fraction

import pytest

from core.audit import audit_verify
from core.errors import InvalidInput
from core.models import AuditEntry, OutboxEvent
from deliberation.models import ProposalStatus, RoomEvent
from governance.models import DecisionKind
from governance.services import CollegeSpec, colleges_configure, rules_update
from tests.voting.factories import (
    cast,
    cast_many,
    make_coop,
    make_proposal,
    make_vote,
    quick_member,
)
from voting import services
from voting.errors import VoteStateError
from voting.models import Decision, VoteMethod, VoteStatus

pytestmark = pytest.mark.django_db


def worked_example(coop, vote) -> None:
    """DOMAIN.md: weights 30/30/20/20, support 60/40/90/50 % -> 58 % weighted."""
    cast_many(coop, vote, "Workers", **{"for": 3, "against": 2})
    cast_many(coop, vote, "Users", **{"for": 2, "against": 3})
    cast_many(coop, vote, "Suppliers", **{"for": 9, "against": 1})
    cast_many(coop, vote, "Authorities", **{"for": 1, "against": 1})


class TestWorkedExample:
    def test_adopted_as_ordinary_with_58_percent(self) -> None:
        coop = make_coop()
        vote = make_vote(coop)
        worked_example(coop, vote)
        decision = services.vote_close(actor=coop.chair, vote=vote)
        tally = decision.result["tally"]
        assert Fraction(tally["support"]) == Fraction(58, 100)
        assert decision.adopted is True
        assert decision.outcome == "adopted"
        assert decision.explanation == (
            "Adopted: 58 % weighted support, ordinary majority above 50 %; "
            "quorum 55 % of 40 members, above 20 %."
        )

    def test_rejected_as_extraordinary(self) -> None:
        coop = make_coop()
        vote = make_vote(coop, decision_kind=DecisionKind.EXTRAORDINARY)
        worked_example(coop, vote)
        decision = services.vote_close(actor=coop.chair, vote=vote)
        assert Fraction(decision.result["tally"]["support"]) == Fraction(58, 100)
        assert decision.adopted is False
        assert decision.outcome == "rejected"
        assert decision.explanation.startswith(
            "Rejected: 58 % weighted support, extraordinary majority of at least 66.7 % not "
            "reached; quorum 55 % of 40 members, above 25 %."
        )

    def test_result_shows_each_college_in_full(self) -> None:
        coop = make_coop()
        vote = make_vote(coop)
        worked_example(coop, vote)
        decision = services.vote_close(actor=coop.chair, vote=vote)
        colleges = {c["name"]: c for c in decision.result["tally"]["colleges"]}
        workers = colleges["Workers"]
        assert (workers["eligible"], workers["voted"], workers["yes"], workers["no"]) == (
            10,
            5,
            3,
            2,
        )
        assert Fraction(workers["share"]) == Fraction(3, 5)
        assert Fraction(workers["weight"]) == Fraction(3, 10)
        assert Fraction(workers["contribution"]) == Fraction(18, 100)
        assert decision.result["quorum"]["reached"] is True
        total = sum(Fraction(c["contribution"]) for c in colleges.values())
        assert total == Fraction(decision.result["tally"]["support"])


def test_exactly_half_is_not_a_majority() -> None:
    coop = make_coop({"Workers": 2, "Users": 2, "Suppliers": 2, "Authorities": 2})
    vote = make_vote(coop)
    for college in ("Workers", "Users", "Suppliers", "Authorities"):
        cast_many(coop, vote, college, **{"for": 1, "against": 1})
    decision = services.vote_close(actor=coop.chair, vote=vote)
    assert Fraction(decision.result["tally"]["support"]) == Fraction(1, 2)
    assert decision.adopted is False


def test_decision_carries_the_hash_of_the_closing_audit_entry() -> None:
    coop = make_coop()
    vote = make_vote(coop)
    worked_example(coop, vote)
    decision = services.vote_close(actor=coop.chair, vote=vote)
    entry = AuditEntry.objects.get(hash=decision.audit_hash)
    assert entry.verb == "vote.closed"
    assert entry.data["decision_id"] == decision.pk
    # Anyone holding the stored figures can check them: sha256 of their canonical JSON
    # (sorted keys, no spaces, UTF-8), computed here without the code under test.
    stored = Decision.objects.get(pk=decision.pk).result
    canonical = json.dumps(stored, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert entry.data["result_sha256"] == hashlib.sha256(canonical.encode()).hexdigest()
    assert audit_verify().ok


def test_closed_result_ignores_later_rule_and_college_changes() -> None:
    coop = make_coop()
    vote = make_vote(coop)
    worked_example(coop, vote)
    rules_before = vote.rules_version.number
    rules_update(
        actor=coop.chair,
        cooperative=coop.cooperative,
        changes={"ordinary": {"majority": Fraction(2, 3), "majority_strict": False}},
    )
    colleges_configure(
        actor=coop.chair,
        cooperative=coop.cooperative,
        colleges=[
            CollegeSpec("Workers", 25),
            CollegeSpec("Users", 25),
            CollegeSpec("Suppliers", 25),
            CollegeSpec("Authorities", 25),
        ],
    )
    decision = services.vote_close(actor=coop.chair, vote=vote)
    assert decision.adopted is True
    assert decision.rules_version == rules_before
    assert Fraction(decision.result["tally"]["support"]) == Fraction(58, 100)


def test_closing_twice_is_refused() -> None:
    coop = make_coop({"Workers": 1})
    vote = make_vote(coop)
    services.vote_close(actor=coop.chair, vote=vote)
    with pytest.raises(VoteStateError) as excinfo:
        services.vote_close(actor=coop.chair, vote=vote)
    assert excinfo.value.code == "vote_not_open"
    assert Decision.objects.filter(vote=vote).count() == 1


def test_only_the_board_closes() -> None:
    coop = make_coop({"Workers": 2})
    vote = make_vote(coop)
    with pytest.raises(Exception) as excinfo:
        services.vote_close(actor=coop.person("Workers"), vote=vote)
    assert getattr(excinfo.value, "code", None) == "board_only"
    vote.refresh_from_db()
    assert vote.status == VoteStatus.OPEN


def test_close_records_the_outcome_on_the_proposal_and_announces_it() -> None:
    coop = make_coop()
    proposal = make_proposal(coop)
    vote = make_vote(coop, proposal=proposal)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.VOTING
    worked_example(coop, vote)
    decision = services.vote_close(actor=coop.chair, vote=vote)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ADOPTED
    assert decision.proposal_id == proposal.pk

    types = list(
        OutboxEvent.objects.filter(cooperative_id=coop.cooperative.pk).values_list(
            "type", flat=True
        )
    )
    assert "vote.opened" in types and "vote.closed" in types
    event = OutboxEvent.objects.get(type="decision.adopted")
    payload = event.data
    assert event.payload_version == 1
    assert payload["proposal"] == {"id": proposal.pk, "title": proposal.title}
    assert payload["decision"]["id"] == decision.pk
    assert payload["decision"]["adopted"] is True
    assert payload["vote"]["method"] == "resolution"
    assert payload["audit_hash"] == decision.audit_hash
    assert payload["rules_version"] == decision.rules_version
    assert len(payload["result"]["tally"]["colleges"]) == 4
    assert payload["links"]["web"].endswith(f"/votes/{vote.pk}/results/")
    assert payload["links"]["api"].endswith(
        f"/cooperatives/{coop.cooperative.slug}/decisions/{decision.pk}/"
    )
    assert not OutboxEvent.objects.filter(type="decision.rejected").exists()

    room = list(
        RoomEvent.objects.filter(proposal=proposal).order_by("seq").values_list("type", flat=True)
    )
    assert room[-1] == "vote.closed"
    assert "vote.opened" in room
    closed = RoomEvent.objects.filter(proposal=proposal, type="vote.closed").get()
    assert closed.data["decision"]["id"] == decision.pk
    assert closed.data["result"]["outcome"] == "adopted"


def test_rejected_decision_emits_decision_rejected() -> None:
    coop = make_coop({"Workers": 3})
    vote = make_vote(coop)
    cast_many(coop, vote, "Workers", **{"against": 2})
    services.vote_close(actor=coop.chair, vote=vote)
    assert OutboxEvent.objects.filter(type="decision.rejected").count() == 1
    assert not OutboxEvent.objects.filter(type="decision.adopted").exists()


def test_quorum_not_reached_is_explained() -> None:
    coop = make_coop()
    vote = make_vote(coop)
    cast_many(coop, vote, "Workers", **{"for": 3})
    decision = services.vote_close(actor=coop.chair, vote=vote)
    assert decision.outcome == "quorum_not_reached"
    assert decision.explanation == "Not adopted: quorum 7.5 % of 40 members, below 20 %."


def test_result_is_plain_json() -> None:
    coop = make_coop({"Workers": 2})
    vote = make_vote(coop)
    cast_many(coop, vote, "Workers", **{"for": 1})
    decision = services.vote_close(actor=coop.chair, vote=vote)
    text = json.dumps(decision.result)
    assert "NaN" not in text
    decision.refresh_from_db()
    assert decision.result["outcome"] == decision.outcome


class TestQuorumByAttendance:
    """An assembly establishes the quorum from who takes part, voting or not."""

    def ten_members_four_for(self):
        coop = make_coop({}, weights=())
        people = [quick_member(coop.cooperative).member.person for _ in range(10)]
        rules_update(
            actor=coop.chair,
            cooperative=coop.cooperative,
            changes={"ordinary": {"quorum_first_call": Fraction(1, 2)}},
        )
        vote = make_vote(coop)
        for person in people[:4]:
            cast(person, vote, "for")
        return coop, vote

    def test_without_attendance_the_ballots_make_the_quorum(self) -> None:
        coop, vote = self.ten_members_four_for()
        decision = services.vote_close(actor=coop.chair, vote=vote)
        assert decision.outcome == "quorum_not_reached"
        assert decision.result["quorum"]["basis"] == "ballots"
        assert Fraction(decision.result["quorum"]["ratio"]) == Fraction(2, 5)
        assert decision.result["explanation_parts"]["quorum_basis"] == "ballots"

    def test_members_attending_without_voting_count_for_the_quorum(self) -> None:
        coop, vote = self.ten_members_four_for()
        decision = services.vote_close(actor=coop.chair, vote=vote, attendance={"all": 6})
        assert (decision.outcome, decision.adopted) == ("adopted", True)
        quorum = decision.result["quorum"]
        assert (quorum["basis"], quorum["ratio"], quorum["reached"]) == ("attendance", "3/5", True)
        parts = decision.result["explanation_parts"]
        assert (parts["quorum_basis"], parts["attending"], parts["voted"]) == ("attendance", 6, 4)
        # The turnout of the vote stays the ballots; the attendance sits beside it.
        (turnout,) = decision.result["colleges"]
        assert (turnout["eligible"], turnout["voted"]) == (10, 4)
        (college,) = decision.result["tally"]["colleges"]
        assert (college["eligible"], college["voted"], college["attending"]) == (10, 4, 6)
        assert decision.explanation == (
            "Adopted: 100 % support, one member one vote, ordinary majority above 50 %; "
            "quorum 60 % of 10 members, above 50 %."
        )
        closed = AuditEntry.objects.filter(verb="vote.closed").get()
        assert closed.data["quorum_basis"] == "attendance"

    @pytest.mark.parametrize(
        "attendance",
        [{"all": 3}, {"all": 11}, {}, {"all": 6, "c999": 1}, {"all": -1}],
        ids=["fewer-than-ballots", "more-than-roll", "college-missing", "unknown-college", "neg"],
    )
    def test_attendance_that_does_not_fit_is_refused(self, attendance) -> None:
        coop, vote = self.ten_members_four_for()
        with pytest.raises(InvalidInput) as refused:
            services.vote_close(actor=coop.chair, vote=vote, attendance=attendance)
        assert refused.value.code == "invalid_attendance"
        vote.refresh_from_db()
        assert vote.status == VoteStatus.OPEN
        assert not Decision.objects.filter(vote=vote).exists()

    def test_attendance_applies_per_college_in_the_rules_mode(self) -> None:
        coop = make_coop({"Workers": 4, "Users": 4, "Suppliers": 2, "Authorities": 2})
        rules_update(
            actor=coop.chair,
            cooperative=coop.cooperative,
            changes={
                "ordinary": {"quorum_mode": "per_college", "quorum_first_call": Fraction(1, 2)}
            },
        )
        vote = make_vote(coop)
        for college in ("Workers", "Users", "Suppliers", "Authorities"):
            cast_many(coop, vote, college, **{"for": 1})
        keys = {c.name: c.key for c in vote.colleges.all()}
        attendance = {
            keys["Workers"]: 2,
            keys["Users"]: 3,
            keys["Suppliers"]: 1,
            keys["Authorities"]: 2,
        }
        decision = services.vote_close(actor=coop.chair, vote=vote, attendance=attendance)
        quorum = decision.result["quorum"]
        assert (quorum["basis"], quorum["ratio"], quorum["lowest_college_name"]) == (
            "attendance",
            "1/2",
            "Workers",
        )
        assert decision.adopted is True

    def test_other_methods_take_the_attendance_too(self) -> None:
        coop = make_coop({}, weights=())
        people = [quick_member(coop.cooperative).member.person for _ in range(10)]
        rules_update(
            actor=coop.chair,
            cooperative=coop.cooperative,
            changes={"advisory": {"quorum_first_call": Fraction(1, 2)}},
        )
        vote = make_vote(coop, method=VoteMethod.APPROVAL)
        for person in people[:2]:
            cast(person, vote, ["A"])
        decision = services.vote_close(actor=coop.chair, vote=vote, attendance={"all": 5})
        assert decision.outcome == "winner"
        assert decision.result["quorum"]["basis"] == "attendance"
        assert decision.result["explanation_parts"]["attending"] == 5
        assert decision.result["explanation_parts"]["attending_by_college"] == {"all": 5}
