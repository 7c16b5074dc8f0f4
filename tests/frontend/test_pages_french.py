"""Labels a French reader reads as the right words, and English dates in the order the
cooperative writes them: each page asked in French (or English) through the test client."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from assemblies.models import AssemblyStatus
from tests.voting.factories import Coop, cast, make_coop, make_proposal, make_vote

pytestmark = pytest.mark.django_db

FR = {"HTTP_ACCEPT_LANGUAGE": "fr"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def coop() -> Coop:
    return make_coop({"Workers": 2, "Users": 2, "Suppliers": 1, "Authorities": 1})


def test_an_open_vote_is_ouvert_and_its_button_says_voter(client: Any, coop: Coop) -> None:
    vote = make_vote(coop)
    client.force_login(coop.person("Users"))

    body = client.get(f"/votes/{vote.pk}/", **FR).content.decode()

    assert '<span class="badge badge-ok">Ouvert</span>' in body
    assert 'id="cast">Voter</button>' in body
    assert "Ouvrir" not in body
    listing = client.get(f"/c/{coop.cooperative.slug}/votes/", **FR).content.decode()
    assert '<span class="badge badge-ok">Ouvert</span>' in listing


def test_the_notification_button_keeps_the_verb(client: Any, coop: Coop) -> None:
    """ "Open" the status has its context; "Open" the button is still the verb."""
    with translation.override("fr"):
        assert translation.gettext("Open") == "Ouvrir"
        assert translation.pgettext("vote status", "Open") == "Ouvert"


def test_a_closed_vote_is_clos_and_says_who_did_not_vote_in_the_past(
    client: Any, coop: Coop
) -> None:
    proposal = make_proposal(coop)
    vote = make_vote(coop, proposal=proposal)
    cast(coop.person("Workers"), vote, "for")
    lea = coop.person("Users")
    client.force_login(coop.chair)
    client.post(f"/votes/{vote.pk}/close/")
    client.force_login(lea)

    body = client.get(f"/proposals/{proposal.pk}/", **FR).content.decode()

    assert 'class="badge">Clos</span>' in body
    assert ">Close<" not in body
    assert "n'a pas voté." in body
    assert "pas encore" not in body
    english = client.get(f"/proposals/{proposal.pk}/", **EN).content.decode()
    assert "did not vote." in english and "has not voted yet" not in english


def test_an_open_vote_still_says_not_yet(client: Any, coop: Coop) -> None:
    proposal = make_proposal(coop)
    make_vote(coop, proposal=proposal)
    client.force_login(coop.person("Users"))

    body = client.get(f"/proposals/{proposal.pk}/", **FR).content.decode()

    assert "n'a pas encore voté." in body


def test_a_closed_assembly_is_cloturee() -> None:
    with translation.override("fr"):
        assert str(AssemblyStatus.CLOSED.label) == "Clôturée"


def test_the_live_turnout_line_is_given_to_the_script_in_the_pages_language(
    client: Any, coop: Coop
) -> None:
    proposal = make_proposal(coop)
    make_vote(coop, proposal=proposal)
    client.force_login(coop.person("Users"))

    french = client.get(f"/proposals/{proposal.pk}/", **FR).content.decode()
    english = client.get(f"/proposals/{proposal.pk}/", **EN).content.decode()

    # room.js fills %(voted)s and %(eligible)s of this attribute when turnout changes.
    assert 'data-template="Participation : %(voted)s sur %(eligible)s associés"' in french
    assert "Turnout" not in french
    assert 'data-template="Turnout: %(voted)s of %(eligible)s members"' in english


def test_the_presets_legal_reference_is_in_the_pages_language(client: Any, coop: Coop) -> None:
    vote = make_vote(coop)
    cast(coop.person("Workers"), vote, "for")
    client.force_login(coop.chair)
    client.post(f"/votes/{vote.pk}/close/")

    french = client.get(f"/votes/{vote.pk}/results/", **FR)
    english = client.get(f"/votes/{vote.pk}/results/", **EN)

    assert dict(french.context["rules_summary"])["Référence juridique"] == (
        "C. com. L225-98 ; loi 47-1775 art. 19 octies ; loi 2019-744 "
        "(les abstentions ne sont pas des suffrages exprimés)"
    )
    assert "(abstentions are not votes cast)" not in french.content.decode()
    assert "(abstentions are not votes cast)" in english.content.decode()


def test_a_legal_reference_the_board_wrote_is_shown_as_written(client: Any, coop: Coop) -> None:
    from governance.services import rules_update

    rules_update(
        actor=coop.chair,
        cooperative=coop.cooperative,
        changes={"ordinary": {"legal_reference": "Statuts, art. 12"}},
    )
    vote = make_vote(coop)
    client.force_login(coop.chair)
    client.post(f"/votes/{vote.pk}/close/")

    page = client.get(f"/votes/{vote.pk}/results/", **FR)

    assert dict(page.context["rules_summary"])["Référence juridique"] == "Statuts, art. 12"


def test_webhook_events_are_described_in_french_with_their_fields_as_code(
    client: Any, coop: Coop
) -> None:
    client.force_login(coop.chair)

    body = client.get(f"/c/{coop.cooperative.slug}/board/webhooks/", **FR).content.decode()

    assert "Une proposition a quitté son brouillon et s&#x27;est ouverte" in body
    assert "<code>decision_id</code> est renseigné" in body
    assert "`" not in body
    assert "A vote closed" not in body
    english = client.get(f"/c/{coop.cooperative.slug}/board/webhooks/", **EN).content.decode()
    assert "withdrawn); <code>decision_id</code> is set when a vote decided it." in english


def test_english_dates_put_the_day_first_and_use_the_24_hour_clock(client: Any, coop: Coop) -> None:
    proposal = make_proposal(coop)
    closes = dt.datetime(2099, 6, 12, 16, 14, tzinfo=ZoneInfo("Europe/Paris"))
    make_vote(coop, proposal=proposal, closes_at=closes)
    client.force_login(coop.person("Users"))

    english = client.get(f"/proposals/{proposal.pk}/", **EN).content.decode()
    french = client.get(f"/proposals/{proposal.pk}/", **FR).content.decode()

    assert "closes on 12 June 2099, 16:14" in english
    assert "June 12" not in english and "p.m." not in english
    assert "12 juin 2099 16:14" in french
    with translation.override("en"):
        from django.utils.formats import date_format

        assert date_format(closes, "SHORT_DATETIME_FORMAT") == "12/06/2099 16:14"


def test_the_lowest_default_grade_is_a_grade_not_the_verb(client: Any, coop: Coop) -> None:
    with translation.override("fr"):
        vote = make_vote(coop, method="majority_judgment")
    client.force_login(coop.person("Users"))

    body = client.get(f"/votes/{vote.pk}/", **FR).content.decode()

    assert vote.grades[0] == "À rejeter"
    assert "À rejeter" in body
    with translation.override("en"):
        assert make_vote(coop, method="majority_judgment").grades[0] == "Reject"
