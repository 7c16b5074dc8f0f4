"""The result page and the decision's sentence round percentages by one rule, so they never
disagree on a tie: an exact tie reads as one in both, a near tie reads apart in both."""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any

import pytest
from django.utils import translation

from core.percent import decimal_str, percent_digits, places_apart
from frontend.formatting import share_text
from tests.voting.factories import cast_many, make_coop, make_vote
from voting.explain import quorum_clause

pytestmark = pytest.mark.django_db


def _numbers(text: str) -> list[str]:
    """The percentages written in a text, as digits with a dot."""
    return [n.replace(",", ".") for n in re.findall(r"(\d+(?:[.,]\d+)?)\s?%", text)]


def test_support_of_exactly_two_thirds_reads_as_the_threshold_on_the_page_and_in_the_sentence(
    client: Any,
) -> None:
    coop = make_coop({"Workers": 3, "Users": 3, "Suppliers": 3, "Authorities": 3})
    vote = make_vote(coop, decision_kind="extraordinary")
    for college in ("Workers", "Users", "Suppliers", "Authorities"):
        cast_many(coop, vote, college, **{"for": 2, "against": 1})
    client.force_login(coop.chair)
    client.post(f"/votes/{vote.pk}/close/")
    vote.refresh_from_db()
    decision = vote.decision
    assert decision.result["tally"]["support"] == "2/3" and decision.adopted

    page = client.get(f"/votes/{vote.pk}/results/", HTTP_ACCEPT_LANGUAGE="en")

    body = page.content.decode()
    sentence = page.context["explanation"]
    assert sentence == decision.explanation
    support, threshold = _numbers(sentence)[:2]
    assert support == threshold == "66.7"
    described = re.search(
        r"The weighted support is ([\d.]+%), against a threshold of ([\d.]+%)", body
    )
    assert described is not None
    assert described.group(1) == described.group(2) == "66.67%"
    total = re.search(r"<td class=\"num\"><strong>([^<]+)</strong></td></tr></tfoot>", body)
    assert total is not None and total.group(1) == "66.67%"
    # One rule: each figure of the page is the sentence's figure at more decimals.
    assert percent_digits(Fraction(support), places=1) == percent_digits(
        Fraction(described.group(1).rstrip("%")), places=1
    )


@pytest.mark.parametrize(
    ("value", "reference"),
    [
        (Fraction(2, 3), Fraction(2, 3)),
        (Fraction(2, 3) + Fraction(1, 10**6), Fraction(2, 3)),
        (Fraction(2, 3) - Fraction(1, 10**6), Fraction(2, 3)),
        (Fraction(1, 2) + Fraction(1, 10**9), Fraction(1, 2)),
        (Fraction(1, 2), Fraction(1, 2)),
        (Fraction(6665, 10**4), Fraction(2, 3)),
        (Fraction(1, 5) - Fraction(1, 3000), Fraction(1, 5)),
        (Fraction(100_005, 10**7), Fraction(1, 100)),
    ],
)
def test_the_page_and_the_sentence_agree_on_whether_a_figure_ties_its_reference(
    value: Fraction, reference: Fraction
) -> None:
    with translation.override("en"):
        page_value, page_reference = share_text(value, reference), share_text(reference)
        clause = quorum_clause(
            mode="all_members", ratio=value, required=reference, lowest_name=None, eligible=10
        )
    sentence_value, sentence_reference = _numbers(clause)
    reads_tied_on_page = page_value == page_reference
    reads_tied_in_sentence = sentence_value == sentence_reference
    assert reads_tied_on_page == reads_tied_in_sentence
    # Four decimals of a percent tell apart any two figures a millionth apart; closer ones
    # read alike on both, and the words still say which side of the reference it is.
    if abs(value - reference) >= Fraction(1, 10**6):
        assert reads_tied_on_page == (value == reference)
    assert ("exactly at" in clause) == (value == reference)


@pytest.mark.parametrize(
    ("value", "places", "text"),
    [
        (Fraction(2, 3), 2, "0.67"),
        (Fraction(1, 8), 2, "0.13"),
        (Fraction(-1, 8), 2, "-0.13"),
        (Fraction(5, 1000), 2, "0.01"),
        (Fraction(665, 1000), 2, "0.67"),
    ],
)
def test_percentages_round_half_away_from_zero_from_the_exact_value(
    value: Fraction, places: int, text: str
) -> None:
    assert decimal_str(value, places=places) == text


def test_a_page_figure_rounds_the_exact_value_never_a_figure_already_rounded() -> None:
    # 66.6649999 % rounded first to four decimals (66.6650) would then read 66.67 %.
    assert share_text(Fraction(666_649_999, 10**9)) == "66.66%"
    assert places_apart(Fraction(2, 3), Fraction(2, 3), fewest=2) == 2
