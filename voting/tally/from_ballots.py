"""The step that feeds the engine from a frozen vote's counted ballots, into one stored result."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, overload

from voting import tally
from voting.models import ResolutionChoice, VoteMethod
from voting.tally import QuorumBasis, QuorumMode, ResolutionRules, TallyInputError, Threshold
from voting.tally.quorum import quorum_ratio
from voting.tally.types import JSONValue, fraction_str, percent_str, require_count

ZERO = Fraction(0)


@dataclass(frozen=True, kw_only=True)
class FrozenCollege:
    key: str
    name: str
    weight: Fraction
    eligible: int


@dataclass(frozen=True, kw_only=True)
class RulesSpec:
    """The part of a rules version that a tally reads, for one decision kind and call."""

    tally_method: str
    majority_base: str
    empty_college_policy: str
    quorum_mode: str
    quorum: Fraction | None
    majority: Fraction
    majority_strict: bool

    def resolution_rules(self) -> ResolutionRules:
        return ResolutionRules(
            method=tally.TallyMethod(self.tally_method),
            majority_base=tally.MajorityBase(self.majority_base),
            empty_college_policy=tally.EmptyCollegePolicy(self.empty_college_policy),
            quorum_mode=QuorumMode(self.quorum_mode),
            quorum=self.quorum,
            majority=Threshold(value=self.majority, strict=self.majority_strict),
        )


def rules_spec(decision_rules: Any, *, quorum_call: int) -> RulesSpec:
    """Read a governance DecisionRules row; the second call (or consultation) has its own
    quorum and its own base of the majority."""
    return RulesSpec(
        tally_method=decision_rules.tally_method,
        majority_base=decision_rules.majority_base_for_call(quorum_call),
        empty_college_policy=decision_rules.empty_college_policy,
        quorum_mode=decision_rules.quorum_mode,
        quorum=decision_rules.quorum_for_call(quorum_call),
        majority=Fraction(decision_rules.majority),
        majority_strict=decision_rules.majority_strict,
    )


@dataclass(frozen=True, kw_only=True)
class ObjectionInput:
    id: int
    state: str
    is_paramount: bool


@dataclass(frozen=True, kw_only=True)
class TallyInput:
    method: str
    rules: RulesSpec
    colleges: Sequence[FrozenCollege]
    # (college key, stored choice, number of ballots with that choice) in any order.
    counts: Iterable[tuple[str, Any, int]]
    options: Sequence[str] = ()
    grades: Sequence[str] = ()
    objections: Sequence[ObjectionInput] = field(default_factory=tuple)
    # College key -> members taking part when the vote closes (an assembly's attendance);
    # when given, the quorum is computed from it instead of from the ballots.
    attendance: Mapping[str, int] | None = None


@dataclass(frozen=True, kw_only=True)
class TallyOutcome:
    outcome: str
    adopted: bool
    result: dict[str, JSONValue]

    @property
    def parts(self) -> dict[str, Any]:
        """The facts the plain-language explanation is worded from."""
        parts = self.result["explanation_parts"]
        assert isinstance(parts, dict)
        return parts


class Repeated(Sequence[Any]):
    """A ballot list given as (ballot, count) pairs, so equal ballots are stored once."""

    def __init__(self, groups: Sequence[tuple[Any, int]]) -> None:
        self._groups = [(ballot, n) for ballot, n in groups if n]
        self._length = sum(n for _ballot, n in self._groups)

    def __len__(self) -> int:
        return self._length

    def __iter__(self) -> Iterator[Any]:
        for ballot, n in self._groups:
            for _ in range(n):
                yield ballot

    @overload
    def __getitem__(self, index: int) -> Any: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Any]: ...
    def __getitem__(self, index: int | slice) -> Any:
        return list(self)[index]


def tally_ballots(data: TallyInput) -> TallyOutcome:
    """Tally exactly with the frozen rules; the result dict is what a Decision stores."""
    by_college: dict[str, list[tuple[Any, int]]] = {c.key: [] for c in data.colleges}
    for key, choice, n in data.counts:
        by_college[key].append((choice, n))
    voted = {key: sum(n for _c, n in rows) for key, rows in by_college.items()}
    attending = _attending(data, voted)
    method = VoteMethod(data.method)
    if method == VoteMethod.RESOLUTION:
        return _resolution(data, by_college, attending)
    taking_part = voted if attending is None else attending
    basis = QuorumBasis.BALLOTS if attending is None else QuorumBasis.ATTENDANCE
    quorum = _quorum(data.colleges, taking_part, data.rules, basis)
    if method == VoteMethod.CONSENT:
        consent = tally.tally_consent(
            objections=[
                tally.Objection(
                    id=o.id, state=tally.ObjectionState(o.state), is_paramount=o.is_paramount
                )
                for o in data.objections
            ]
        )
        engine: Any = consent
        adopted = consent.adopted and quorum["reached"] is True
        outcome = consent.outcome.value
        parts: dict[str, JSONValue] = {
            "kind": "consent",
            "standing": len(consent.standing_objections),
            "open_concerns": len(consent.open_concerns),
        }
    else:
        engine, winners = _choice_method(method, data, by_college)
        adopted = len(winners) == 1 and quorum["reached"] is True
        outcome = "winner" if len(winners) == 1 else ("tie" if winners else "no_votes_cast")
        parts = {"kind": method.value, "winners": list(winners)}
        if method == VoteMethod.MAJORITY_JUDGMENT and len(winners) == 1:
            grade = next(o.majority_grade_label for o in engine.options if o.option == winners[0])
            parts["grade"] = grade
        if method == VoteMethod.APPROVAL and len(winners) == 1:
            parts["score"] = fraction_str(engine.scores[winners[0]])
    if quorum["reached"] is not True:
        outcome = "quorum_not_reached"
    parts.update(
        outcome=outcome,
        adopted=adopted,
        eligible=sum(c.eligible for c in data.colleges),
        voted=sum(voted.values()),
        attending=sum(taking_part.values()),
        attending_by_college=dict(taking_part),
        quorum=quorum,
        college_count=len(data.colleges),
    )
    result: dict[str, JSONValue] = {
        "method": method.value,
        "outcome": outcome,
        "adopted": adopted,
        "colleges": _turnout(data.colleges, voted),
        "quorum": quorum,
        "tally": engine.to_dict(),
        "explanation_parts": parts,
    }
    return TallyOutcome(outcome=outcome, adopted=adopted, result=result)


def _attending(data: TallyInput, voted: dict[str, int]) -> dict[str, int] | None:
    """The attendance per college, checked: every college named once, and within each
    college at least the ballots cast and at most the members on the roll."""
    if data.attendance is None:
        return None
    keys = {c.key for c in data.colleges}
    unknown = sorted(set(data.attendance) - keys)
    if unknown:
        raise TallyInputError(f"attendance names colleges not on the roll: {', '.join(unknown)}")
    attending = {}
    for college in data.colleges:
        if college.key not in data.attendance:
            raise TallyInputError(f"attendance gives no count for college {college.key!r}")
        count = data.attendance[college.key]
        require_count(count, what=f"attending count of college {college.key!r}")
        if not voted[college.key] <= count <= college.eligible:
            raise TallyInputError(
                f"college {college.key!r} has {count} members attending for "
                f"{voted[college.key]} votes and {college.eligible} members on the roll"
            )
        attending[college.key] = count
    return attending


def _resolution(
    data: TallyInput,
    by_college: dict[str, list[tuple[Any, int]]],
    attending: dict[str, int] | None,
) -> TallyOutcome:
    colleges = []
    for college in data.colleges:
        counts = dict.fromkeys(ResolutionChoice.values, 0)
        for choice, n in by_college[college.key]:
            counts[choice] += n
        colleges.append(
            tally.ResolutionCollege(
                key=college.key,
                name=college.name,
                weight=college.weight,
                eligible=college.eligible,
                yes=counts[ResolutionChoice.FOR],
                no=counts[ResolutionChoice.AGAINST],
                abstain=counts[ResolutionChoice.ABSTAIN],
                attending=None if attending is None else attending[college.key],
            )
        )
    engine = tally.tally_resolution(colleges=colleges, rules=data.rules.resolution_rules())
    parts: dict[str, JSONValue] = {"kind": "resolution", **engine.explanation_parts().to_dict()}
    voted = {c.key: c.voted for c in colleges}
    result: dict[str, JSONValue] = {
        "method": VoteMethod.RESOLUTION.value,
        "outcome": engine.outcome.value,
        "adopted": engine.adopted,
        "colleges": _turnout(data.colleges, voted),
        "quorum": {
            "mode": engine.quorum_mode.value,
            "basis": engine.quorum_basis.value,
            "required": None
            if engine.quorum_required is None
            else fraction_str(engine.quorum_required),
            "ratio": fraction_str(engine.quorum_ratio),
            "ratio_pct": percent_str(engine.quorum_ratio),
            "reached": engine.quorum_reached,
            "lowest_college": engine.quorum_lowest_college,
            "lowest_college_name": parts["quorum_lowest_college_name"],
        },
        "tally": engine.to_dict(),
        "explanation_parts": parts,
    }
    return TallyOutcome(outcome=engine.outcome.value, adopted=engine.adopted, result=result)


def _choice_method(
    method: VoteMethod, data: TallyInput, by_college: dict[str, list[tuple[Any, int]]]
) -> tuple[Any, tuple[str, ...]]:
    options = list(data.options)
    if method == VoteMethod.MAJORITY_JUDGMENT:
        index = {grade: i for i, grade in enumerate(data.grades)}
        mj = tally.tally_majority_judgment(
            options=options,
            grades=list(data.grades),
            colleges=[
                tally.MJCollege(
                    key=c.key,
                    name=c.name,
                    weight=c.weight,
                    eligible=c.eligible,
                    ballots=Repeated(
                        [
                            ({o: index[g] for o, g in choice.items()}, n)
                            for choice, n in by_college[c.key]
                        ]
                    ),
                )
                for c in data.colleges
            ],
        )
        winners = mj.ranking[0] if mj.voters else ()
        return mj, tuple(winners)
    if method == VoteMethod.APPROVAL:
        approval = tally.tally_approval(
            options=options,
            colleges=[
                tally.ApprovalCollege(
                    key=c.key,
                    name=c.name,
                    weight=c.weight,
                    eligible=c.eligible,
                    ballots=Repeated([(tuple(choice), n) for choice, n in by_college[c.key]]),
                )
                for c in data.colleges
            ],
        )
        return approval, approval.winners
    schulze = tally.tally_schulze(
        options=options,
        colleges=[
            tally.RankedCollege(
                key=c.key,
                name=c.name,
                weight=c.weight,
                eligible=c.eligible,
                ballots=Repeated([(choice, n) for choice, n in by_college[c.key]]),
            )
            for c in data.colleges
        ],
    )
    return schulze, schulze.winners


def _turnout(colleges: Sequence[FrozenCollege], voted: dict[str, int]) -> list[JSONValue]:
    return [
        {
            "key": c.key,
            "name": c.name,
            "weight": fraction_str(c.weight),
            "weight_pct": percent_str(c.weight),
            "eligible": c.eligible,
            "voted": voted[c.key],
        }
        for c in colleges
    ]


def _quorum(
    colleges: Sequence[FrozenCollege],
    voted: Mapping[str, int],
    rules: RulesSpec,
    basis: QuorumBasis,
) -> dict[str, JSONValue]:
    """Attendance in the rules' mode, computed as the resolution tally computes it, from the
    ballots or from the members taking part."""
    mode = QuorumMode(rules.quorum_mode)
    ratio, lowest = quorum_ratio(colleges, voted, mode)
    reached = rules.quorum is None or ratio >= rules.quorum
    return {
        "mode": mode.value,
        "basis": basis.value,
        "required": None if rules.quorum is None else fraction_str(rules.quorum),
        "ratio": fraction_str(ratio),
        "ratio_pct": percent_str(ratio),
        "reached": reached,
        "lowest_college": lowest,
        "lowest_college_name": next((c.name for c in colleges if c.key == lowest), None),
    }
