"""Properties of tallies computed from stored ballots: they equal the engine on the same input
and never depend on the order ballots were cast in."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from governance.services import rules_update
from tests.voting.factories import Coop, cast, make_coop, make_vote
from voting import services, tally
from voting.models import VoteMethod

pytestmark = pytest.mark.django_db

COLLEGES = ("Workers", "Users", "Suppliers", "Authorities")
WEIGHTS = {
    "Workers": Fraction(3, 10),
    "Users": Fraction(3, 10),
    "Suppliers": Fraction(1, 5),
    "Authorities": Fraction(1, 5),
}
PER_COLLEGE = 3
OPTIONS = ["A", "B", "C"]
GRADES = ["Reject", "Passable", "Good"]
PROPERTY_SETTINGS = settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


class Rollback(Exception):
    """Raised to undo one example's writes, so examples share one cooperative."""


@pytest.fixture
def coop() -> Coop:
    return make_coop({name: PER_COLLEGE for name in COLLEGES})


def choices_for(method: str) -> st.SearchStrategy[Any]:
    if method == VoteMethod.RESOLUTION:
        return st.sampled_from(["for", "against", "abstain"])
    if method == VoteMethod.APPROVAL:
        return st.lists(st.sampled_from(OPTIONS), unique=True)
    if method == VoteMethod.MAJORITY_JUDGMENT:
        return st.dictionaries(st.sampled_from(OPTIONS), st.sampled_from(GRADES))
    return st.permutations(OPTIONS).flatmap(
        lambda order: st.integers(1, len(order)).map(lambda n: [[o] for o in order[:n]])
    )


@st.composite
def ballots(draw: st.DrawFn, method: str) -> list[tuple[str, int, Any]]:
    """(college, member index, choice) for a random subset of the roll, in a random order."""
    voters = draw(
        st.lists(st.tuples(st.sampled_from(COLLEGES), st.integers(0, PER_COLLEGE - 1)), unique=True)
    )
    return [(college, index, draw(choices_for(method))) for college, index in voters]


rules_strategy = st.fixed_dictionaries(
    {
        "tally_method": st.sampled_from(
            ["proportional", "winner_take_all", "per_registered_member"]
        ),
        "majority_base_first_call": st.sampled_from(["votes_cast", "present", "all_members"]),
        "empty_college_policy": st.sampled_from(["redistribute", "count_as_absent", "fail"]),
        "quorum_mode": st.sampled_from(["all_members", "weighted", "per_college"]),
        "quorum_first_call": st.sampled_from([None, Fraction(1, 5), Fraction(1, 2)]),
        "majority": st.sampled_from([Fraction(1, 2), Fraction(2, 3)]),
        "majority_strict": st.booleans(),
    }
)


def run_vote(coop: Coop, method: str, cast_list: list[tuple[str, int, Any]]) -> dict[str, Any]:
    extra = {"grades": GRADES} if method == VoteMethod.MAJORITY_JUDGMENT else {}
    vote = make_vote(coop, method=method, **extra)
    for college, index, choice in cast_list:
        cast(coop.person(college, index), vote, choice)
    return services.vote_close(actor=coop.chair, vote=vote).result


def engine_result(
    coop: Coop, method: str, cast_list: list[tuple[str, int, Any]], rules: dict[str, Any] | None
) -> dict[str, Any]:
    """The engine fed directly from the generated ballots, with no database in between."""
    by_college: dict[str, list[Any]] = {name: [] for name in COLLEGES}
    for college, _index, choice in cast_list:
        by_college[college].append(choice)
    keys = {c.name: f"c{c.pk}" for c in coop.cooperative.colleges.all()}
    base = {
        name: {"name": name, "weight": WEIGHTS[name], "eligible": PER_COLLEGE} for name in COLLEGES
    }
    if method == VoteMethod.RESOLUTION:
        assert rules is not None
        colleges = [
            tally.ResolutionCollege(
                **base[name],
                key=keys[name],
                yes=by_college[name].count("for"),
                no=by_college[name].count("against"),
                abstain=by_college[name].count("abstain"),
            )
            for name in COLLEGES
        ]
        return tally.tally_resolution(
            colleges=colleges,
            rules=tally.ResolutionRules(
                method=tally.TallyMethod(rules["tally_method"]),
                majority_base=tally.MajorityBase(rules["majority_base_first_call"]),
                empty_college_policy=tally.EmptyCollegePolicy(rules["empty_college_policy"]),
                quorum_mode=tally.QuorumMode(rules["quorum_mode"]),
                quorum=rules["quorum_first_call"],
                majority=tally.Threshold(value=rules["majority"], strict=rules["majority_strict"]),
            ),
        ).to_dict()
    if method == VoteMethod.APPROVAL:
        return tally.tally_approval(
            options=OPTIONS,
            colleges=[
                tally.ApprovalCollege(**base[name], key=keys[name], ballots=by_college[name])
                for name in COLLEGES
            ],
        ).to_dict()
    if method == VoteMethod.MAJORITY_JUDGMENT:
        return tally.tally_majority_judgment(
            options=OPTIONS,
            grades=GRADES,
            colleges=[
                tally.MJCollege(
                    **base[name],
                    key=keys[name],
                    ballots=[
                        {o: GRADES.index(g) for o, g in ballot.items()}
                        for ballot in by_college[name]
                    ],
                )
                for name in COLLEGES
            ],
        ).to_dict()
    return tally.tally_schulze(
        options=OPTIONS,
        colleges=[
            tally.RankedCollege(**base[name], key=keys[name], ballots=by_college[name])
            for name in COLLEGES
        ],
    ).to_dict()


@PROPERTY_SETTINGS
@given(data=st.data(), rules=rules_strategy)
def test_stored_resolution_tally_equals_the_engine(
    coop: Coop, data: st.DataObject, rules: dict[str, Any]
) -> None:
    cast_list = data.draw(ballots(VoteMethod.RESOLUTION))
    with pytest.raises(Rollback), transaction.atomic():
        rules_update(actor=coop.chair, cooperative=coop.cooperative, changes={"ordinary": rules})
        stored = run_vote(coop, VoteMethod.RESOLUTION, cast_list)
        assert stored["tally"] == engine_result(coop, VoteMethod.RESOLUTION, cast_list, rules)
        raise Rollback


@PROPERTY_SETTINGS
@given(
    data=st.data(),
    method=st.sampled_from([VoteMethod.APPROVAL, VoteMethod.MAJORITY_JUDGMENT, VoteMethod.RANKED]),
)
def test_stored_choice_tallies_equal_the_engine(
    coop: Coop, data: st.DataObject, method: str
) -> None:
    cast_list = data.draw(ballots(method))
    canonical = []
    for college, index, choice in cast_list:
        if method == VoteMethod.APPROVAL:
            choice = [o for o in OPTIONS if o in choice]
        elif method == VoteMethod.MAJORITY_JUDGMENT:
            choice = {o: choice.get(o, GRADES[0]) for o in OPTIONS}
        canonical.append((college, index, choice))
    with pytest.raises(Rollback), transaction.atomic():
        stored = run_vote(coop, method, cast_list)
        assert stored["tally"] == engine_result(coop, method, canonical, None)
        raise Rollback


@PROPERTY_SETTINGS
@given(
    data=st.data(),
    method=st.sampled_from(
        [
            VoteMethod.RESOLUTION,
            VoteMethod.APPROVAL,
            VoteMethod.MAJORITY_JUDGMENT,
            VoteMethod.RANKED,
        ]
    ),
)
def test_casting_order_never_changes_the_result(
    coop: Coop, data: st.DataObject, method: str
) -> None:
    cast_list = data.draw(ballots(method))
    shuffled = data.draw(st.permutations(cast_list))
    with pytest.raises(Rollback), transaction.atomic():
        first = run_vote(coop, method, cast_list)
        second = run_vote(coop, method, list(shuffled))
        assert first == second
        raise Rollback
