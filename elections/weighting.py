"""How a vote's method becomes Belenios questions, and how the decrypted totals of one
college become the counts the tally engine weights (voting.tally.from_ballots).

Shared by the close and by `e2e_verify`: both read the same mapping, which the README of
the bundle states in words, so a member can redo it by hand.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from verifiable.election import Question
from voting.models import ResolutionChoice, VoteMethod

VERIFIABLE_METHODS = (VoteMethod.RESOLUTION, VoteMethod.APPROVAL, VoteMethod.MAJORITY_JUDGMENT)
RESOLUTION_ANSWERS = [str(c) for c in ResolutionChoice.values]


def questions_for(method: str, title: str, options: list[str], grades: list[str]) -> list[Question]:
    """Resolution: one question, exactly one of for/against/abstain. Approval: any number
    of the options. Majority judgment: one question per option, exactly one grade."""
    if method == VoteMethod.RESOLUTION:
        return [Question(title, RESOLUTION_ANSWERS, 1, 1)]
    if method == VoteMethod.APPROVAL:
        return [Question(title, list(options), 0, len(options))]
    if method == VoteMethod.MAJORITY_JUDGMENT:
        return [Question(option, list(grades), 1, 1) for option in options]
    raise ValueError(method)


def choice_counts(
    method: str,
    options: list[str],
    grades: list[str],
    result: list[list[int]],
    num_tallied: int,
) -> list[tuple[Any, int]]:
    """(stored choice, ballots) with the same totals per answer as the decrypted result.

    A resolution's totals are its counts. Approval and majority judgment are tallied from
    each option's totals alone (approvals; the grades given), so ballots are rebuilt that
    carry exactly those totals: ballot i approves an option if i is below its approvals,
    and gives each option the i-th of its grades in order."""
    if method == VoteMethod.RESOLUTION:
        return [(a, n) for a, n in zip(RESOLUTION_ANSWERS, result[0], strict=True) if n]
    if method == VoteMethod.APPROVAL:
        rows: Counter[tuple[str, ...]] = Counter(
            tuple(o for o, n in zip(options, result[0], strict=True) if i < n)
            for i in range(num_tallied)
        )
        return [(list(choice), n) for choice, n in sorted(rows.items())]
    if method == VoteMethod.MAJORITY_JUDGMENT:
        columns = []
        for row in result:
            if sum(row) != num_tallied:
                raise ValueError("each option is graded once by every ballot")
            columns.append([g for g, n in zip(grades, row, strict=True) for _ in range(n)])
        graded: Counter[tuple[str, ...]] = Counter(
            tuple(column[i] for column in columns) for i in range(num_tallied)
        )
        return [
            (dict(zip(options, choice, strict=True)), n) for choice, n in sorted(graded.items())
        ]
    raise ValueError(method)
