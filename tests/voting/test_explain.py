"""The plain-language explanation: the engine's English sentence, translated for readers."""

from __future__ import annotations

from fractions import Fraction

from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from voting import tally
from voting.explain import explain, explain_en
from voting.tally.from_ballots import FrozenCollege, RulesSpec, TallyInput, tally_ballots

WEIGHTS = (Fraction(3, 10), Fraction(3, 10), Fraction(1, 5), Fraction(1, 5))
NAMES = ("Workers", "Users", "Suppliers", "Authorities")

counts = st.tuples(st.integers(0, 6), st.integers(0, 6), st.integers(0, 6))
rules = st.builds(
    RulesSpec,
    tally_method=st.sampled_from(["proportional", "winner_take_all", "per_registered_member"]),
    majority_base=st.sampled_from(["votes_cast", "present", "all_members"]),
    empty_college_policy=st.sampled_from(["redistribute", "count_as_absent", "fail"]),
    quorum_mode=st.sampled_from(["all_members", "weighted", "per_college"]),
    quorum=st.sampled_from([None, Fraction(1, 5), Fraction(1, 4), Fraction(1, 2)]),
    majority=st.sampled_from([Fraction(1, 2), Fraction(2, 3), Fraction(3, 5)]),
    majority_strict=st.booleans(),
)


def resolution(per_college: list[tuple[int, int, int]], spec: RulesSpec) -> TallyInput:
    colleges = [
        FrozenCollege(key=f"c{i}", name=NAMES[i], weight=WEIGHTS[i], eligible=20) for i in range(4)
    ]
    rows = []
    for i, (yes, no, abstain) in enumerate(per_college):
        rows += [(f"c{i}", "for", yes), (f"c{i}", "against", no), (f"c{i}", "abstain", abstain)]
    return TallyInput(method="resolution", rules=spec, colleges=colleges, counts=rows)


@settings(max_examples=150, deadline=None)
@given(per_college=st.lists(counts, min_size=4, max_size=4), spec=rules)
def test_english_explanation_is_the_engines_sentence(
    per_college: list[tuple[int, int, int]], spec: RulesSpec
) -> None:
    data = resolution(per_college, spec)
    outcome = tally_ballots(data)
    engine = tally.tally_resolution(
        colleges=[
            tally.ResolutionCollege(
                key=c.key, name=c.name, weight=c.weight, eligible=c.eligible, yes=y, no=n, abstain=a
            )
            for c, (y, n, a) in zip(data.colleges, per_college, strict=True)
        ],
        rules=spec.resolution_rules(),
    )
    assert explain_en(outcome.parts) == explain_en(
        {"kind": "resolution", **engine.explanation_parts().to_dict()}
    )


def test_worked_example_reads_as_the_issue_says() -> None:
    spec = RulesSpec(
        tally_method="proportional",
        majority_base="votes_cast",
        empty_college_policy="redistribute",
        quorum_mode="all_members",
        quorum=Fraction(1, 5),
        majority=Fraction(1, 2),
        majority_strict=True,
    )
    data = resolution([(3, 2, 0), (2, 3, 0), (9, 1, 0), (1, 1, 0)], spec)
    parts = tally_ballots(data).parts
    assert explain_en(parts) == (
        "Adopted: 58 % weighted support, ordinary majority above 50 %; "
        "quorum 27.5 % of 80 members, above 20 %."
    )
    with translation.override("fr"):
        assert explain(parts) == (
            "Adoptée : 58 % de soutien pondéré, majorité ordinaire au-dessus de 50 % ; "
            "quorum 27,5 % sur 80 membres, au-dessus de 20 %."
        )


def test_per_registered_member_says_a_silent_college_weighs_on_neither_side() -> None:
    spec = RulesSpec(
        tally_method="per_registered_member",
        majority_base="votes_cast",
        empty_college_policy="count_as_absent",
        quorum_mode="all_members",
        quorum=None,
        majority=Fraction(1, 2),
        majority_strict=True,
    )
    outcome = tally_ballots(resolution([(3, 1, 0), (2, 0, 0), (0, 0, 0), (1, 1, 0)], spec))

    assert outcome.parts["empty_college_policy_applied"] == "dropped_by_method"
    assert explain_en(outcome.parts).endswith(
        " Per registered member, a member who does not vote does not count: nobody voted in "
        "Suppliers, which weighs on neither side."
    )


def test_explanation_names_the_base_of_all_members() -> None:
    spec = RulesSpec(
        tally_method="proportional",
        majority_base="all_members",
        empty_college_policy="redistribute",
        quorum_mode="all_members",
        quorum=None,
        majority=Fraction(1, 2),
        majority_strict=True,
    )
    parts = tally_ballots(resolution([(12, 0, 0), (12, 0, 0), (12, 0, 0), (12, 0, 0)], spec)).parts

    # 12 for of each roll of 20: 60 % of all the members.
    assert explain_en(parts) == (
        "Adopted: 60 % weighted support, ordinary majority above 50 % of all the members on "
        "the roll; turnout 60 % of 80 members, no quorum required."
    )
