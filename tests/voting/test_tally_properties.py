"""Properties of the tally engine that must hold for any roll, ballots and rules."""

from __future__ import annotations

import dataclasses
import json
import random
from fractions import Fraction
from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from voting.tally import (
    EXTRAORDINARY_MAJORITY,
    ORDINARY_MAJORITY,
    AppliedEmptyCollegeRule,
    ApprovalCollege,
    EmptyCollegePolicy,
    MajorityBase,
    MJCollege,
    QuorumMode,
    RankedCollege,
    ResolutionCollege,
    ResolutionOutcome,
    ResolutionResult,
    ResolutionRules,
    TallyMethod,
    tally_approval,
    tally_majority_judgment,
    tally_resolution,
    tally_schulze,
)

PROPERTY_SETTINGS = settings(max_examples=200, deadline=None)
BALLOT_SETTINGS = settings(max_examples=60, deadline=None)


@st.composite
def weight_percents(draw: st.DrawFn) -> list[int]:
    """Integer percents between 10 and 50 summing to 100, or a single college of 100."""
    count = draw(st.integers(min_value=1, max_value=6))
    if count == 1:
        return [100]
    # Every college starts at the 10 % floor; the rest is handed out without passing 50 %.
    remaining = 100 - 10 * count
    extras = []
    for index in range(count - 1):
        later = count - 1 - index
        low = max(0, remaining - 40 * later)
        extra = draw(st.integers(min_value=low, max_value=min(40, remaining)))
        extras.append(extra)
        remaining -= extra
    extras.append(remaining)
    return [10 + extra for extra in extras]


@st.composite
def resolution_colleges(draw: st.DrawFn) -> list[ResolutionCollege]:
    colleges = []
    for index, percent in enumerate(draw(weight_percents())):
        eligible = draw(st.integers(min_value=0, max_value=30))
        yes = draw(st.integers(min_value=0, max_value=eligible))
        no = draw(st.integers(min_value=0, max_value=eligible - yes))
        abstain = draw(st.integers(min_value=0, max_value=eligible - yes - no))
        colleges.append(
            ResolutionCollege(
                key=f"c{index}",
                name=f"College {index}",
                weight=Fraction(percent, 100),
                eligible=eligible,
                yes=yes,
                no=no,
                abstain=abstain,
            )
        )
    return colleges


rules_strategy = st.builds(
    ResolutionRules,
    method=st.sampled_from(list(TallyMethod)),
    majority_base=st.sampled_from(list(MajorityBase)),
    empty_college_policy=st.sampled_from(list(EmptyCollegePolicy)),
    quorum_mode=st.sampled_from(list(QuorumMode)),
    quorum=st.sampled_from([None, Fraction(1, 5), Fraction(1, 4), Fraction(1, 2)]),
    majority=st.sampled_from([ORDINARY_MAJORITY, EXTRAORDINARY_MAJORITY]),
)


def figure(result: ResolutionResult) -> Fraction:
    """The support decided or, when the `fail` rule left it undecided, the informative one."""
    value = result.support if result.support is not None else result.informative_support
    assert value is not None
    return value


def order_free(result: ResolutionResult) -> dict[str, object]:
    """Everything in a result, with the per-college parts keyed instead of ordered."""
    return {
        **{
            field.name: getattr(result, field.name)
            for field in dataclasses.fields(result)
            if field.name not in ("colleges", "empty_colleges")
        },
        "empty_colleges": sorted(result.empty_colleges),
        "colleges": {college.key: college for college in result.colleges},
    }


@PROPERTY_SETTINGS
@given(colleges=resolution_colleges(), rules=rules_strategy, data=st.data())
def test_college_order_never_changes_the_result(
    colleges: list[ResolutionCollege], rules: ResolutionRules, data: st.DataObject
) -> None:
    shuffled = data.draw(st.permutations(colleges))

    first = tally_resolution(colleges=colleges, rules=rules)
    second = tally_resolution(colleges=shuffled, rules=rules)

    assert order_free(first) == order_free(second)


@PROPERTY_SETTINGS
@given(colleges=resolution_colleges(), rules=rules_strategy, data=st.data())
def test_one_more_yes_never_lowers_support(
    colleges: list[ResolutionCollege], rules: ResolutionRules, data: st.DataObject
) -> None:
    index = data.draw(st.integers(min_value=0, max_value=len(colleges) - 1))
    target = colleges[index]
    # The roll grows by one only when everyone on it has already voted.
    eligible = target.eligible + (1 if target.voted == target.eligible else 0)
    bumped = list(colleges)
    bumped[index] = dataclasses.replace(target, yes=target.yes + 1, eligible=eligible)

    before = tally_resolution(colleges=colleges, rules=rules)
    after = tally_resolution(colleges=bumped, rules=rules)

    assert figure(after) >= figure(before)


@PROPERTY_SETTINGS
@given(colleges=resolution_colleges(), rules=rules_strategy)
def test_contributions_are_bounded_and_add_up(
    colleges: list[ResolutionCollege], rules: ResolutionRules
) -> None:
    result = tally_resolution(colleges=colleges, rules=rules)

    for college in result.colleges:
        assert 0 <= college.contribution <= college.effective_weight
        assert 0 <= college.against_contribution <= college.effective_weight
        if college.is_empty:
            assert college.contribution == college.against_contribution == 0
        else:
            assert college.contribution + college.against_contribution == college.effective_weight
    against = result.against if result.support is not None else result.informative_against
    assert against is not None
    assert sum(c.contribution for c in result.colleges) == figure(result)
    assert sum(c.against_contribution for c in result.colleges) == against
    assert 0 <= figure(result) <= 1
    assert figure(result) + against <= 1


@PROPERTY_SETTINGS
@given(colleges=resolution_colleges(), rules=rules_strategy)
def test_effective_weights_follow_the_empty_college_rule(
    colleges: list[ResolutionCollege], rules: ResolutionRules
) -> None:
    result = tally_resolution(colleges=colleges, rules=rules)
    anyone_voted = any(not college.is_empty for college in result.colleges)
    total = sum(college.effective_weight for college in result.colleges)

    redistributes = rules.empty_college_policy == EmptyCollegePolicy.REDISTRIBUTE
    if result.one_member_one_vote:
        # Without colleges no empty-college rule applies: the one group weighs all or nothing.
        assert total == (1 if anyone_voted else 0)
    elif rules.method == TallyMethod.PER_REGISTERED_MEMBER or redistributes:
        assert total == (1 if anyone_voted else 0)
    else:
        assert [c.effective_weight for c in result.colleges] == [c.weight for c in colleges]
    if anyone_voted and not result.empty_colleges:
        # With every college voting the proportional base is simply the statutory weights.
        assert total == 1


@PROPERTY_SETTINGS
@given(colleges=resolution_colleges(), rules=rules_strategy)
def test_per_college_counts_add_up_to_totals(
    colleges: list[ResolutionCollege], rules: ResolutionRules
) -> None:
    result = tally_resolution(colleges=colleges, rules=rules)
    totals = result.totals

    for name in ("eligible", "voted", "yes", "no", "abstain", "cast", "against"):
        assert getattr(totals, name) == sum(getattr(c, name) for c in result.colleges)
    for college in result.colleges:
        assert college.voted == college.yes + college.no + college.abstain
        assert college.voted <= college.eligible
        if rules.majority_base == MajorityBase.ALL_MEMBERS:
            # Everyone on the roll is in the base, voting or not.
            assert college.cast == college.eligible
        else:
            assert college.cast <= college.voted


@PROPERTY_SETTINGS
@given(colleges=resolution_colleges(), rules=rules_strategy)
def test_adoption_needs_quorum_votes_and_majority(
    colleges: list[ResolutionCollege], rules: ResolutionRules
) -> None:
    result = tally_resolution(colleges=colleges, rules=rules)

    if result.adopted:
        assert result.outcome == ResolutionOutcome.ADOPTED
        assert result.quorum_reached
        assert result.support is not None and rules.majority.is_met(result.support)
        assert rules.empty_college_policy != EmptyCollegePolicy.FAIL or not result.empty_colleges
    if rules.quorum is not None:
        assert result.quorum_reached == (result.quorum_ratio >= rules.quorum)


@PROPERTY_SETTINGS
@given(colleges=resolution_colleges(), rules=rules_strategy)
def test_to_dict_is_exact_and_float_free(
    colleges: list[ResolutionCollege], rules: ResolutionRules
) -> None:
    result = tally_resolution(colleges=colleges, rules=rules)

    data = json.loads(json.dumps(result.to_dict()))

    shown = "support" if result.support is not None else "informative_support"
    assert Fraction(data[shown]) == figure(result)
    assert Fraction(data["quorum_ratio"]) == result.quorum_ratio
    assert data[f"{shown}_pct"].replace(".", "").isdigit()
    assert not list(floats_in(data))


def floats_in(value: object) -> list[float]:
    """Every float inside decoded JSON; json.loads turns any decimal number into one."""
    if isinstance(value, float):
        return [value]
    if isinstance(value, dict):
        return [found for item in value.values() for found in floats_in(item)]
    if isinstance(value, list):
        return [found for item in value for found in floats_in(item)]
    return []


OPTIONS = ("A", "B", "C", "D")


@dataclasses.dataclass(frozen=True, kw_only=True)
class BallotCollege:
    key: str
    name: str
    weight: Fraction
    eligible: int
    ballots: list[Any]

    def fields(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}


@st.composite
def ballot_colleges(draw: st.DrawFn, ballot: st.SearchStrategy[Any]) -> list[BallotCollege]:
    colleges = []
    for index, percent in enumerate(draw(weight_percents())):
        ballots = draw(st.lists(ballot, max_size=6))
        colleges.append(
            BallotCollege(
                key=f"c{index}",
                name=f"College {index}",
                weight=Fraction(percent, 100),
                eligible=len(ballots) + draw(st.integers(min_value=0, max_value=3)),
                ballots=ballots,
            )
        )
    return colleges


grades_ballot = st.dictionaries(
    st.sampled_from(OPTIONS), st.integers(min_value=0, max_value=4), max_size=len(OPTIONS)
)
ranked_ballot = st.permutations(OPTIONS).flatmap(
    lambda order: st.integers(min_value=0, max_value=len(OPTIONS)).map(
        lambda cut: [[option] for option in order[:cut]]
    )
)
approval_ballot = st.sets(st.sampled_from(OPTIONS))


def shuffled(colleges: list[BallotCollege], seed: int) -> list[BallotCollege]:
    rng = random.Random(seed)
    out = []
    for college in colleges:
        ballots = list(college.ballots)
        rng.shuffle(ballots)
        out.append(dataclasses.replace(college, ballots=ballots))
    rng.shuffle(out)
    return out


@BALLOT_SETTINGS
@given(colleges=ballot_colleges(grades_ballot), seed=st.integers())
def test_majority_judgment_ignores_ballot_and_college_order(
    colleges: list[BallotCollege], seed: int
) -> None:
    grades = ["reject", "poor", "fair", "good", "excellent"]

    first = tally_majority_judgment(
        options=OPTIONS, grades=grades, colleges=[MJCollege(**c.fields()) for c in colleges]
    )
    second = tally_majority_judgment(
        options=OPTIONS,
        grades=grades,
        colleges=[MJCollege(**c.fields()) for c in shuffled(colleges, seed)],
    )

    assert first.options == second.options
    assert first.ranking == second.ranking
    assert first.winner == second.winner


@BALLOT_SETTINGS
@given(colleges=ballot_colleges(ranked_ballot), seed=st.integers())
def test_schulze_ignores_ballot_and_college_order(colleges: list[BallotCollege], seed: int) -> None:
    first = tally_schulze(options=OPTIONS, colleges=[RankedCollege(**c.fields()) for c in colleges])
    second = tally_schulze(
        options=OPTIONS,
        colleges=[RankedCollege(**c.fields()) for c in shuffled(colleges, seed)],
    )

    assert first.d == second.d
    assert first.p == second.p
    assert first.ranking == second.ranking
    assert first.winners == second.winners


@BALLOT_SETTINGS
@given(colleges=ballot_colleges(approval_ballot), seed=st.integers())
def test_approval_ignores_ballot_and_college_order(
    colleges: list[BallotCollege], seed: int
) -> None:
    first = tally_approval(
        options=OPTIONS, colleges=[ApprovalCollege(**c.fields()) for c in colleges]
    )
    second = tally_approval(
        options=OPTIONS,
        colleges=[ApprovalCollege(**c.fields()) for c in shuffled(colleges, seed)],
    )

    assert first.scores == second.scores
    assert first.ranking == second.ranking
    assert first.winners == second.winners
    assert all(0 <= score <= 1 for score in first.scores.values())


@st.composite
def single_group(draw: st.DrawFn) -> ResolutionCollege:
    """The roll of a cooperative without colleges: one group of weight 1."""
    eligible = draw(st.integers(min_value=1, max_value=40))
    yes = draw(st.integers(min_value=0, max_value=eligible))
    no = draw(st.integers(min_value=0, max_value=eligible - yes))
    abstain = draw(st.integers(min_value=0, max_value=eligible - yes - no))
    return ResolutionCollege(
        key="all",
        name="All members",
        weight=Fraction(1),
        eligible=eligible,
        yes=yes,
        no=no,
        abstain=abstain,
    )


def headcount(group: ResolutionCollege, base: MajorityBase) -> tuple[int, int]:
    """Votes for and the size of the base, counted by hand: one member, one vote."""
    if base == MajorityBase.ALL_MEMBERS:
        return group.yes, group.eligible
    if base == MajorityBase.PRESENT:
        return group.yes, group.yes + group.no + group.abstain
    return group.yes, group.yes + group.no


@PROPERTY_SETTINGS
@given(group=single_group(), rules=rules_strategy)
def test_without_colleges_every_method_gives_the_headcount(
    group: ResolutionCollege, rules: ResolutionRules
) -> None:
    result = tally_resolution(colleges=[group], rules=rules)
    yes, base = headcount(group, rules.majority_base)

    assert result.one_member_one_vote is True
    assert result.method == rules.method
    assert result.empty_college_policy_applied == AppliedEmptyCollegeRule.NONE
    if group.voted == 0 or base == 0:
        assert result.outcome in (
            ResolutionOutcome.NO_VOTES_CAST,
            ResolutionOutcome.QUORUM_NOT_REACHED,
        )
        assert result.support == 0
        return
    assert result.support == Fraction(yes, base)
    assert result.against == Fraction(base - yes, base)
    quorum_met = rules.quorum is None or Fraction(group.voted, group.eligible) >= rules.quorum
    assert result.adopted == (quorum_met and rules.majority.is_met(Fraction(yes, base)))


@BALLOT_SETTINGS
@given(ballots=st.lists(approval_ballot, min_size=1, max_size=8))
def test_without_colleges_approval_is_the_headcount(ballots: list[set[str]]) -> None:
    group = ApprovalCollege(
        key="all", name="All members", weight=Fraction(1), eligible=len(ballots), ballots=ballots
    )
    result = tally_approval(options=OPTIONS, colleges=[group])
    counts = {option: sum(option in ballot for ballot in ballots) for option in OPTIONS}

    assert result.scores == {o: Fraction(counts[o], len(ballots)) for o in OPTIONS}
    best = max(counts.values())
    assert set(result.winners) == ({o for o in OPTIONS if counts[o] == best} if best else set())


@BALLOT_SETTINGS
@given(ballots=st.lists(ranked_ballot, min_size=1, max_size=8))
def test_without_colleges_schulze_is_the_headcount(ballots: list[Any]) -> None:
    group = RankedCollege(
        key="all", name="All members", weight=Fraction(1), eligible=len(ballots), ballots=ballots
    )
    result = tally_schulze(options=OPTIONS, colleges=[group])

    for x in OPTIONS:
        for y in OPTIONS:
            if x != y:
                assert result.d[x][y] == Fraction(result.raw_d[x][y], len(ballots))


@BALLOT_SETTINGS
@given(ballots=st.lists(grades_ballot, min_size=1, max_size=8))
def test_without_colleges_majority_judgment_is_the_headcount(
    ballots: list[dict[str, int]],
) -> None:
    grades = ["0", "1", "2", "3", "4"]
    group = MJCollege(
        key="all", name="All members", weight=Fraction(1), eligible=len(ballots), ballots=ballots
    )
    result = tally_majority_judgment(options=list(OPTIONS), grades=grades, colleges=[group])

    for option in result.options:
        # A missing grade is the worst; the majority grade is the lower median of the heads.
        given_grades = sorted(ballot.get(option.option, 0) for ballot in ballots)
        assert option.majority_grade == given_grades[(len(given_grades) - 1) // 2]
        assert option.distribution == tuple(
            Fraction(count, len(ballots)) for count in option.counts
        )


def with_one_more(
    colleges: list[ResolutionCollege], index: int, choice: str
) -> list[ResolutionCollege]:
    """The same roll and ballots with one more ballot `choice` in college `index`; the roll
    grows by one only when everyone on it has already voted."""
    target = colleges[index]
    eligible = target.eligible + (1 if target.voted == target.eligible else 0)
    bumped = list(colleges)
    bumped[index] = dataclasses.replace(
        target, eligible=eligible, **{choice: getattr(target, choice) + 1}
    )
    return bumped


@PROPERTY_SETTINGS
@given(colleges=resolution_colleges(), rules=rules_strategy, data=st.data())
def test_one_more_against_never_raises_support(
    colleges: list[ResolutionCollege], rules: ResolutionRules, data: st.DataObject
) -> None:
    # Every method, empty-college policy and base: under per_registered_member a silent
    # college charges nothing, so an "against" that wakes it can only lower the support.
    index = data.draw(st.integers(min_value=0, max_value=len(colleges) - 1))

    before = tally_resolution(colleges=colleges, rules=rules)
    after = tally_resolution(colleges=with_one_more(colleges, index, "no"), rules=rules)

    assert figure(after) <= figure(before)


@PROPERTY_SETTINGS
@given(colleges=resolution_colleges(), rules=rules_strategy, data=st.data())
def test_one_more_abstention_never_raises_support(
    colleges: list[ResolutionCollege], rules: ResolutionRules, data: st.DataObject
) -> None:
    index = data.draw(st.integers(min_value=0, max_value=len(colleges) - 1))
    # On the same roll: a larger roll lightens each member under per_registered_member, which
    # is a change of the roll, not of the ballots.
    assume(colleges[index].voted < colleges[index].eligible)

    before = tally_resolution(colleges=colleges, rules=rules)
    after = tally_resolution(colleges=with_one_more(colleges, index, "abstain"), rules=rules)

    assert figure(after) <= figure(before)
