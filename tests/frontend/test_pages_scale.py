"""Pages and lists whose cost does not grow with the cooperative: the booth without the
roll, the proxy holder found by a search, the debate by pages of threads, the members API
paged in SQL. Each page's statements are pinned at two sizes."""

from __future__ import annotations

import re
from typing import Any

import pytest
from rest_framework.test import APIClient

from deliberation.models import Comment
from frontend.selectors.proposals import THREADS_PER_PAGE
from frontend.selectors.votes import HOLDERS_SHOWN
from tests.api_pages import every_row
from tests.voting.factories import Coop, make_coop, make_proposal, make_vote, quick_member
from voting.models import Proxy

pytestmark = pytest.mark.django_db

# What a page costs does not depend on the size of the roll or of the debate: the same
# count at both sizes of each test. The booth's 13 include the reader's open-vote marks;
# the proposal page's 21 include recording that the reader has read the proposal (two
# statements), the observers' badges, the @mentioned people of the comments shown and,
# while a vote may still open, the members the reader votes for (the live page draws the
# vote's panel from its opening frame).
BOOTH_QUERIES = 13
PROPOSAL_QUERIES = 21
MEMBERS_API_QUERIES = 4


def _coop(extra: int) -> Coop:
    coop = make_coop({"Workers": 2, "Users": 1, "Suppliers": 1, "Authorities": 1})
    for _ in range(extra):
        coop.members["Users"].append(quick_member(coop.cooperative, "Users"))
    return coop


@pytest.mark.parametrize("extra", [0, 40])
def test_the_booth_does_not_list_the_roll(
    client: Any, extra: int, django_assert_max_num_queries: Any
) -> None:
    coop = _coop(extra)
    vote = make_vote(coop)
    voter = coop.person("Workers")
    other = coop.members["Users"][0].member
    client.force_login(voter)
    client.get(f"/votes/{vote.pk}/")
    with django_assert_max_num_queries(BOOTH_QUERIES):
        page = client.get(f"/votes/{vote.pk}/").content.decode()
    assert 'name="holder_search"' in page
    assert other.name not in page
    assert re.findall(r'<option value="(\d+)"', page) == [], "no member is listed"


def test_the_proxy_holder_is_found_by_a_search_that_works_without_script(
    client: Any,
) -> None:
    coop = _coop(HOLDERS_SHOWN + 5)
    vote = make_vote(coop)
    principal = coop.person("Workers")
    own = coop.members["Workers"][0].member
    wanted = coop.members["Users"][3].member
    client.force_login(principal)
    page = client.get(f"/votes/{vote.pk}/", {"holder_search": wanted.name.upper()}).content.decode()
    options = re.findall(r'<option value="(\d+)">', page)
    assert options == [str(wanted.pk)]
    # A search matching nearly everyone shows the first few, never the viewer.
    page = client.get(f"/votes/{vote.pk}/", {"holder_search": "e"}).content.decode()
    options = re.findall(r'<option value="(\d+)">', page)
    assert 0 < len(options) <= HOLDERS_SHOWN and str(own.pk) not in options
    nobody = client.get(f"/votes/{vote.pk}/", {"holder_search": "zzqx"}).content.decode()
    assert "zzqx" in nobody and not re.findall(r'<option value="(\d+)"', nobody)
    client.post(f"/votes/{vote.pk}/proxies/", {"holder": wanted.pk})
    assert Proxy.objects.get(vote=vote, revoked_at__isnull=True).holder_id == wanted.pk


def test_the_roll_endpoint_searches_by_name_and_pages() -> None:
    coop = _coop(6)
    vote = make_vote(coop)
    wanted = coop.members["Users"][2].member
    client = APIClient()
    client.force_authenticate(coop.person("Workers"))
    found = client.get(f"/api/v1/votes/{vote.pk}/roll/", {"search": wanted.name[1:].lower()})
    assert found.status_code == 200
    assert [e["member"]["id"] for e in found.json()["results"]] == [wanted.pk]
    paged = client.get(f"/api/v1/votes/{vote.pk}/roll/", {"page_size": 3}).json()
    assert len(paged["results"]) == 3 and paged["next"]
    assert len(every_row(client, f"/api/v1/votes/{vote.pk}/roll/", {"page_size": 3})) == 11


def _debate(coop: Coop, threads: int) -> Any:
    proposal = make_proposal(coop)
    author = coop.person("Workers")
    for number in range(threads):
        root = Comment.objects.create(
            proposal=proposal, author=author, body=f"<p>Thread {number}</p>"
        )
        reply = Comment.objects.create(
            proposal=proposal, author=author, parent=root, depth=1, body=f"<p>Reply {number}</p>"
        )
        Comment.objects.create(
            proposal=proposal, author=author, parent=reply, depth=2, body=f"<p>Deep {number}</p>"
        )
    return proposal


def _threads(page: str) -> list[str]:
    return re.findall(r"<p>Thread (\d+)</p>", page)


@pytest.mark.parametrize("threads", [3, THREADS_PER_PAGE * 2 + 5])
def test_the_proposal_page_costs_the_same_with_a_long_debate(
    client: Any, threads: int, django_assert_max_num_queries: Any
) -> None:
    coop = _coop(0)
    proposal = _debate(coop, threads)
    client.force_login(coop.person("Users"))
    client.get(f"/proposals/{proposal.pk}/")
    with django_assert_max_num_queries(PROPOSAL_QUERIES):
        page = client.get(f"/proposals/{proposal.pk}/").content.decode()
    shown = min(threads, THREADS_PER_PAGE)
    assert _threads(page) == [str(n) for n in range(threads - 1, threads - 1 - shown, -1)]
    assert page.count("<p>Deep ") == shown
    assert ("data-more-threads" in page) == (threads > THREADS_PER_PAGE)


def test_older_threads_come_by_link_and_by_fragment(client: Any) -> None:
    coop = _coop(0)
    threads = THREADS_PER_PAGE * 2 + 5
    proposal = _debate(coop, threads)
    client.force_login(coop.person("Users"))
    seen: list[str] = []
    url: str | None = f"/proposals/{proposal.pk}/"
    while url:
        page = client.get(url).content.decode()
        seen += _threads(page)
        link = re.search(r'href="([^"]+\?before=\d+)#comments"', page)
        url = link.group(1) if link else None
    assert seen == [str(n) for n in range(threads - 1, -1, -1)]
    first = client.get(f"/proposals/{proposal.pk}/").content.decode()
    fragment_url = re.search(r'data-more-threads="([^"]+)"', first)
    assert fragment_url is not None
    fragment = client.get(fragment_url.group(1).replace("&amp;", "&")).content.decode()
    assert "<html" not in fragment
    assert _threads(fragment) == seen[THREADS_PER_PAGE : THREADS_PER_PAGE * 2]
    assert fragment.count("<p>Reply ") == THREADS_PER_PAGE
    assert "data-more-threads" in fragment


@pytest.mark.parametrize("extra", [0, 60])
def test_members_api_page_one_costs_the_same_at_any_size(
    extra: int, django_assert_max_num_queries: Any
) -> None:
    coop = _coop(extra)
    client = APIClient()
    client.force_authenticate(coop.person("Workers"))
    url = f"/api/v1/cooperatives/{coop.cooperative.slug}/members/"
    with django_assert_max_num_queries(MEMBERS_API_QUERIES):
        answer = client.get(url, {"page_size": 20})
    body = answer.json()
    assert len(body["results"]) == min(20, 5 + extra)
    assert (body["next"] is None) == (5 + extra <= 20)
    names = [m["name"] for m in body["results"]]
    assert names == sorted(names)
