"""Pages a cooperative must be able to trust, through the test client: the member search,
the audit log in words, the rules as percentages, the observer's and representative's
marks, the five methods from the web."""

from __future__ import annotations

import re
from typing import Any

import pytest

from governance.demo import DEMO_SLUG, load_demo
from governance.models import Person

pytestmark = pytest.mark.django_db

MEMBERS = f"/c/{DEMO_SLUG}/board/members/"


@pytest.fixture
def chair(demo_chair: Any) -> Any:
    return demo_chair


def _names(page: Any) -> list[str]:
    return [m.member.name for m in page.context["page"].object_list]


def test_the_member_list_searches_on_the_server(chair: Any) -> None:
    everyone = chair.get(MEMBERS, {"status": "active"})
    assert len(everyone.context["page"].object_list) > 20
    by_name = chair.get(MEMBERS, {"status": "active", "q": "léa"})
    assert _names(by_name) == ["Léa Dubois"]
    by_login = chair.get(MEMBERS, {"status": "active", "q": "karim"})
    assert _names(by_login) == ["Karim Saïdi"]
    by_college = chair.get(MEMBERS, {"status": "active", "q": "Collectivités"})
    assert sorted(_names(by_college)) == [
        "Commune de Vaulx-en-Velin",
        "Commune de Villeurbanne",
        "Métropole de Lyon",
    ]
    body = by_college.content.decode()
    assert 'value="Collectivités"' in body, body[body.index("member-search") :][:400]
    assert "3 résultats" in body, body[body.index("search-summary") :][:200]
    nobody = chair.get(MEMBERS, {"status": "active", "q": "zzz-nobody"})
    assert _names(nobody) == []


AUDIT = f"/c/{DEMO_SLUG}/board/audit/"


def _sentences(page: Any) -> list[str]:
    return [line.sentence for line in page.context["lines"]]


def test_the_audit_log_reads_as_sentences_with_the_hashes_folded_away(chair: Any) -> None:
    page = chair.get(AUDIT, {"kind": "members", "person": "Léa"}, HTTP_ACCEPT_LANGUAGE="fr")
    sentences = _sentences(page)
    assert "Claire Martin a admis Léa Dubois dans le collège Clients." in sentences
    assert (
        "Claire Martin a enregistré la candidature de Léa Dubois dans le collège Clients."
        in sentences
    )
    assert all("Léa" in s for s in sentences), sentences
    body = page.content.decode()
    # The code and the 64-character hash are there, but inside the folded details only.
    entry = page.context["lines"][0].entry
    assert body.count(entry.hash) == 1
    details = body[body.index("<details") : body.index("</details>")]
    assert "membership." in details and "<summary>" in details
    listed = body[body.index('id="audit-list"') : body.index("</ol>")]
    shown = re.sub(r"<[^>]+>", " ", re.sub(r"(?s)<details.*?</details>", "", listed))
    assert "membership." not in shown and entry.hash not in shown
    assert "Claire Martin a admis Léa Dubois" in shown

    english = chair.get(AUDIT, {"kind": "members", "person": "lea"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "Claire Martin admitted Léa Dubois to the Clients college." in _sentences(english)


def test_the_audit_log_filters_by_kind_and_person(chair: Any) -> None:
    statutes = chair.get(AUDIT, {"kind": "statutes"})
    verbs = {line.entry.verb.split(".")[0] for line in statutes.context["lines"]}
    assert verbs == {"cooperative", "colleges"}
    assert any("Coursiers 30" in s and "30.00" not in s for s in _sentences(statutes))
    board = chair.get(AUDIT, {"kind": "members", "person": "karim"})
    assert any("Karim Saïdi" in s and "conseil" in s for s in _sentences(board))
    assert chair.get(AUDIT, {"person": "zzz-nobody"}).context["lines"] == []
    # Every verb the demo wrote has a sentence of its own, not the code.
    everything = chair.get(AUDIT, {"page": 1})
    for line in everything.context["lines"]:
        assert line.entry.verb not in line.sentence, line.sentence


def _vote_with_a_holder_at_the_cap() -> tuple[Any, Any, Any]:
    """A vote under a cap of one proxy, and the Workers' first member holding one."""
    from governance.services import rules_update
    from tests.voting.factories import make_coop, make_vote
    from voting.services import proxy_give

    coop = make_coop({"Workers": 3, "Users": 2, "Suppliers": 1, "Authorities": 1})
    rules_update(
        actor=coop.chair, cooperative=coop.cooperative, changes={"ordinary": {"proxy_cap": 1}}
    )
    vote = make_vote(coop)
    busy = coop.members["Workers"][0].member
    proxy_give(actor=coop.person("Users"), vote=vote, holder_id=busy.pk)
    return coop, vote, busy


def test_the_proxy_form_preselects_nobody_and_offers_only_members_below_the_cap(
    client: Any,
) -> None:
    coop, vote, busy = _vote_with_a_holder_at_the_cap()
    giver = coop.members["Users"][1]
    client.force_login(giver.member.person)
    free = coop.members["Workers"][1].member

    def offered(search: str) -> set[int]:
        found = client.get(f"/votes/{vote.pk}/", {"holder_search": search})
        return {e.member_id for e in found.context["holders"]}

    assert busy.pk not in offered(busy.name), "a member at the cap may not hold another proxy"
    assert giver.member.pk not in offered(giver.member.name)
    assert free.pk in offered(free.name)
    page = client.get(f"/votes/{vote.pk}/", {"holder_search": free.name}, HTTP_ACCEPT_LANGUAGE="fr")
    body = page.content.decode()
    start = body.index('id="proxy-holder"')
    select = body[start : body.index("</select>", start)]
    assert '<option value="" selected>Choisir un membre</option>' in select
    assert select.count(" selected") == 1


def test_the_roll_endpoint_offers_the_booths_proxy_holders_below_the_cap(client: Any) -> None:
    """The booth's script asks the roll endpoint for holders: it answers with the page's
    rule, the cap included, while the plain roll still lists everyone."""
    coop, vote, busy = _vote_with_a_holder_at_the_cap()
    giver = coop.members["Users"][1].member
    client.force_login(giver.person)
    roll = f"/api/v1/votes/{vote.pk}/roll/"

    def answered(search: str, **flags: str) -> set[int]:
        found = client.get(roll, {"search": search, "page_size": 100, **flags})
        assert found.status_code == 200
        return {e["member"]["id"] for e in found.json()["results"]}

    def offered(search: str) -> set[int]:
        page = client.get(f"/votes/{vote.pk}/", {"holder_search": search})
        return {e.member_id for e in page.context["holders"]}

    assert busy.pk in answered(busy.name), "the roll itself lists every member"
    assert busy.pk not in answered(busy.name, proxy_holders="true")
    free = coop.members["Workers"][1].member
    for search in (busy.name, free.name, free.name[:2]):
        assert answered(search, proxy_holders="true") - {giver.pk} == offered(search), search
    assert free.pk in offered(free.name[:2])


def test_a_giver_who_votes_herself_no_longer_shows_the_proxy_as_given(client: Any) -> None:
    from tests.voting.factories import cast, make_coop, make_vote
    from voting.services import proxy_give

    coop = make_coop({"Workers": 2, "Users": 2, "Suppliers": 1, "Authorities": 1})
    vote = make_vote(coop)
    giver = coop.person("Users")
    holder = coop.members["Workers"][0].member
    proxy_give(actor=giver, vote=vote, holder_id=holder.pk)
    client.force_login(giver)
    before = client.get(f"/votes/{vote.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"gave a proxy to {holder.name}" in before and "Revoke the proxy" in before

    cast(giver, vote, "against")
    after = client.get(f"/votes/{vote.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "gave a proxy to" not in after and "Revoke the proxy" not in after
    assert f"the proxy given to {holder.name} is set aside" in after
    # The section never stands as an empty heading: a member who voted and gave no proxy
    # sees no proxy section at all.
    voter = coop.person("Users", 1)
    cast(voter, vote, "for")
    client.force_login(voter)
    page = client.get(f"/votes/{vote.pk}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert 'id="proxies-heading"' not in page


def test_an_observers_comment_is_marked_and_takes_no_stance(client: Any) -> None:
    from deliberation.models import Comment
    from tests.voting.factories import make_coop, make_observer, make_proposal

    coop = make_coop({"Workers": 1, "Users": 1, "Suppliers": 1, "Authorities": 1})
    observer = make_observer(coop)
    proposal = make_proposal(coop, visibility="members_and_observers")
    client.force_login(observer)
    page = client.get(f"/proposals/{proposal.pk}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert 'id="new-comment"' in page
    assert 'name="stance"' not in page, "an observer's form offers no for/against stance"
    client.post(
        f"/proposals/{proposal.pk}/comments/", {"body": "Avis de la Région.", "stance": "for"}
    )
    comment = Comment.objects.get(proposal=proposal)
    assert comment.stance == ""
    page = client.get(f"/proposals/{proposal.pk}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    item = page[page.index(f'id="comment-{comment.pk}"') :]
    assert '<span class="badge badge-observer">observateur</span>' in item[: item.index("</p>")]

    member = coop.person("Users")
    client.force_login(member)
    client.post(f"/proposals/{proposal.pk}/comments/", {"body": "Je suis pour.", "stance": "for"})
    mine = Comment.objects.get(proposal=proposal, author=member)
    assert mine.stance == "for"
    page = client.get(f"/proposals/{proposal.pk}/").content.decode()
    assert 'name="stance"' in page
    item = page[page.index(f'id="comment-{mine.pk}"') :]
    assert "badge-observer" not in item[: item.index("</p>")]


def test_the_representatives_header_names_the_person_for_the_organisation(client: Any) -> None:
    load_demo()
    client.force_login(Person.objects.get(username="mairie.villeurbanne"))
    page = client.get(f"/c/{DEMO_SLUG}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    who = page[page.index('class="who"') :][:300]
    assert "Nadia Ferrand" in who and "pour Commune de Villeurbanne" in who


def test_every_page_has_a_favicon(client: Any) -> None:
    page = client.get("/accounts/login/").content.decode()
    assert 'rel="icon"' in page and "favicon.svg" in page
    answer = client.get("/favicon.ico")
    assert answer.status_code == 301 and answer["Location"].endswith("frontend/favicon.svg")


def test_mentions_are_highlighted_and_lead_to_the_person(chair: Any) -> None:
    from deliberation.models import Comment
    from governance.models import Cooperative
    from voting.demo import load_demo_activity

    load_demo_activity(Cooperative.objects.get(slug=DEMO_SLUG))
    proposal = Comment.objects.first().proposal  # type: ignore[union-attr]
    chair.post(
        f"/proposals/{proposal.pk}/comments/",
        {"body": "Merci @lea et @sofia ; @personne n'existe pas, ni bob@example.org."},
    )
    page = chair.get(f"/proposals/{proposal.pk}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<a class="mention" href="/people/lea/" title="Léa Dubois">@lea</a>' in page
    assert 'href="/people/sofia/"' in page
    assert "/people/personne/" not in page and "@personne" in page
    assert "/people/example.org/" not in page
    person = chair.get("/people/lea/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Léa Dubois" in person and "collège Clients" in person
    assert chair.get("/people/personne/").status_code == 404


RULES = f"/c/{DEMO_SLUG}/board/rules/"


def test_rules_are_edited_as_percentages_one_kind_at_a_time_with_legal_bounds(
    chair: Any,
) -> None:
    from governance.models import RulesVersion

    page = chair.get(RULES, HTTP_ACCEPT_LANGUAGE="fr")
    body = page.content.decode()
    # One form on the page, the ordinary kind's; a selector leads to the others.
    assert body.count('name="kind"') == 1 and 'name="ordinary-majority"' in body
    assert 'name="extraordinary-majority"' not in body
    assert (
        '<a href="?kind=extraordinary">' in body
        and 'aria-current="page">Décisions ordinaires' in body
    )
    # Shares read as percentages, with the preset of the legal form and the range beside.
    assert 'name="ordinary-quorum_first_call" id="id_ordinary-quorum_first_call" value="20"' in body
    assert 'name="ordinary-majority" id="id_ordinary-majority" value="50"' in body
    assert "Valeur par défaut de la forme juridique (SCIC SA) : 20" in body
    extraordinary = chair.get(RULES, {"kind": "extraordinary"}, HTTP_ACCEPT_LANGUAGE="fr")
    text = extraordinary.content.decode()
    assert 'name="extraordinary-quorum_first_call"' in text and 'value="25"' in text
    assert 'value="2/3"' in text, "two thirds stays exact rather than 66.67"

    form = page.context["form"]
    data = {f"ordinary-{name}": form[name].value() for name in form.fields}
    data = {k: v for k, v in data.items() if v not in (None, False)}
    data.update({"kind": "ordinary", "ordinary-quorum_first_call": "33,5", "ordinary-reason": "AG"})
    answer = chair.post(RULES, data)
    assert answer.status_code == 302, answer.context and answer.context["form"].errors
    current = RulesVersion.objects.order_by("-number").first()
    assert current is not None
    ordinary = current.kinds.get(decision_kind="ordinary")
    assert str(ordinary.quorum_first_call) == "67/200"
    assert str(ordinary.majority) == "1/2", "a field left as shown does not change"
    data["ordinary-quorum_first_call"] = "120"
    refused = chair.post(RULES, data)
    assert refused.status_code == 400
    assert "entre 0 et 100" in refused.content.decode()
