"""The demo cooperative's ordinary assembly in the browser, from convocation to signed minutes,
with the chair, the desk and members in separate browser contexts."""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.frontend.conftest import Pages, Site, screenshot, serious_violations

pytestmark = pytest.mark.browser

T0 = "2027-03-01T09:00:00+01:00"
FIRST_CALL = "2027-03-17T18:00:00+01:00"
SECOND_CALL = "2027-03-31T18:00:00+02:00"


@pytest.fixture
def clock(site: Site) -> Iterator[Any]:
    def set_time(at: str | None) -> None:
        site.call("assembly_clock", at=at)

    yield set_time
    site.call("assembly_clock", at=None)


class Axe:
    """Runs axe-core on every assembly page a test visits and saves its screenshot."""

    def __init__(self) -> None:
        self.found: dict[str, Any] = {}

    def check(self, page: Any, name: str) -> None:
        width = "phone" if page.viewport_size["width"] < 600 else "desktop"
        violations = serious_violations(page)
        if violations:
            self.found[f"{name} ({width})"] = violations
        screenshot(page, f"assembly-{name}-{width}")


def _ok(page: Any) -> None:
    """Wait for the page's answer and require a success (a refusal fails with its words)."""
    page.locator(".message-success, .message-error").first.wait_for()
    errors = page.locator(".message-error")
    assert errors.count() == 0, errors.first.inner_text()


def _confirming(page: Any) -> Any:
    page.on("dialog", lambda dialog: dialog.accept())
    return page


def _add_item(page: Any, kind: str, title: str, **fields: str) -> None:
    page.locator("#item-kind").select_option(kind)
    page.locator("#item-title").fill(title)
    for name, value in fields.items():
        page.locator(f"#item-form [name={name}]").fill(value)
    page.locator("#item-form button[type=submit]").click()
    _ok(page)


def _check_in(desk: Any, assembly: int, name: str, mode: str = "present") -> None:
    desk.goto(f"/assemblies/{assembly}/desk/?q={name}")
    row = desk.locator("#desk-results li", has_text=name).first
    row.locator(f"button[value={mode}]").click()
    _ok(desk)


def _vote(member: Any, choice: str) -> None:
    """Vote in the booth once it has opened by itself on the member's page."""
    booth = member.locator("#booth form").first
    booth.wait_for()
    booth.locator(f"input[value={choice}]").check()
    booth.locator("button[type=submit]").click()
    _ok(member)


def test_ordinary_assembly_from_convocation_to_signed_minutes(
    site: Site, pages: Pages, clock: Any
) -> None:
    from pypdf import PdfReader

    data = site.call("assembly_demo")
    slug, password = data["slug"], data["password"]
    axe = Axe()
    clock(T0)

    # The board prepares and convenes, with the notice rule shown for the kind chosen.
    chair = _confirming(pages.open("claire", password=password))
    chair.goto(f"/c/{slug}/assemblies/")
    assert "Assemblées générales" in chair.locator(".coop-nav a[aria-current=page]").inner_text()
    assert "15 jours" in chair.locator("#notice-rule").inner_text()
    axe.check(chair, "list-board")
    chair.locator("#id_kind").select_option("ordinary")
    chair.locator("#id_title").fill("AGO de printemps 2027")
    chair.locator("#id_first_call_at").fill("2027-03-17T18:00")
    chair.locator("#id_second_call_at").fill("2027-03-31T18:00")
    chair.locator("#id_place").fill("Maison des associations, Villeurbanne")
    chair.locator("#assembly-create button[type=submit]").click()
    chair.wait_for_url(re.compile(r"/assemblies/\d+/prepare/$"))
    assembly = int(re.findall(r"/assemblies/(\d+)/", chair.url)[0])
    _add_item(chair, "resolution", "Approbation des comptes 2026")
    _add_item(chair, "resolution", "Affectation du résultat")
    _add_item(chair, "election", "Élection au conseil", seats="1", term_years="6")
    candidate = chair.locator("form[id^=candidate-form]").first
    candidate.locator("input[name=username]").fill("sofia")
    candidate.locator("button[type=submit]").click()
    _ok(chair)
    axe.check(chair, "prepare")
    chair.locator("#convene-button").click()
    _ok(chair)
    assert site.call("assembly_state", assembly_id=assembly)["status"] == "convened"
    chair.goto(f"/assemblies/{assembly}/convocations/")
    assert "39" in chair.locator("#call-1-counts").inner_text()
    axe.check(chair, "convocations")

    # A member votes by post; the commune's representative gives a proxy, on a phone.
    lea = pages.open("lea", password=password)
    lea.goto(f"/assemblies/{assembly}/")
    form = lea.locator("form[id^=postal-form]")
    form.locator("fieldset").nth(0).locator("input[value=for]").check()
    form.locator("fieldset").nth(1).locator("input[value=against]").check()
    axe.check(lea, "member")
    form.locator("button[type=submit]").click()
    _ok(lea)
    mayor = pages.open("mairie.villeurbanne", phone=True, password=password)
    mayor.goto(f"/assemblies/{assembly}/")
    mayor.locator("input[name=holder][type=text]").fill("Karim")
    mayor.locator("form[role=search] button[type=submit]").click()
    mayor.locator("#holder-results li", has_text="Karim").locator("button").click()
    _ok(mayor)
    assert "Karim" in mayor.locator("#proxy").inner_text()
    axe.check(mayor, "member-proxy")
    state = site.call("assembly_state", assembly_id=assembly)
    assert len(state["postal"]) == 1
    assert [p[0] for p in state["proxies"]] == ["Commune de Villeurbanne"]

    # First call: the desk signs the chair in; the quorum is not reached and is recorded.
    clock(FIRST_CALL)
    desk = _confirming(pages.open("yanis", password=password))
    _check_in(desk, assembly, "Claire")
    axe.check(desk, "desk")
    assert "non atteint" in desk.locator("#quorum-status").inner_text()
    desk.locator("#record-no-quorum").click()
    _ok(desk)
    desk.locator("#convene-second-call").click()
    _ok(desk)
    state = site.call("assembly_state", assembly_id=assembly)
    assert state["calls"] == {"1": "quorum_not_reached", "2": "convened"}

    # Second call: check-in at the desk, a member signs in remotely from her phone.
    clock(SECOND_CALL)
    for name in ("Claire", "Karim", "Yanis"):
        _check_in(desk, assembly, name)
    sofia = pages.open("sofia", phone=True, password=password)
    sofia.goto(f"/assemblies/{assembly}/")
    sofia.locator("button[id^=attend-remote-]").click()
    _ok(sofia)
    desk.goto(f"/assemblies/{assembly}/desk/")
    assert "quorum atteint" in desk.locator("#quorum-status").inner_text()

    # The chair opens the meeting with its bureau, then runs the points one at a time.
    chair.goto(f"/assemblies/{assembly}/desk/")
    chair.locator("#scrutineer-1").fill("karim")
    chair.locator("#scrutineer-2").fill("sofia")
    chair.locator("#secretary").fill("yanis")
    chair.locator("#open-meeting").click()
    chair.wait_for_url(f"**/assemblies/{assembly}/chair/")
    axe.check(chair, "chair")
    projector = pages.open("karim", password=password)
    projector.goto(f"/assemblies/{assembly}/screen/")
    sofia.goto(f"/assemblies/{assembly}/")
    sofia.locator("#live-status[data-state=connected]").wait_for()
    projector.locator("#live-status[data-state=connected]").wait_for()
    chair.locator("#live-status[data-state=connected]").wait_for()

    for position, title, choice in (
        (1, "Approbation des comptes 2026", "for"),
        (2, "Affectation du résultat", "against"),
        (3, "Élection au conseil", "for"),
    ):
        if position == 2:
            # The phone loses its connection while the chair opens the next point; once
            # back, it catches up with the events it missed, without a reload.
            sofia.evaluate("document.body.setAttribute('data-same-page', 'yes')")
            sofia.context.set_offline(True)
            sofia.locator("#live-status[data-state=reconnecting]").wait_for()
        chair.locator(f"#open-item-{position}").click()
        _ok(chair)
        if position == 2:
            sofia.context.set_offline(False)
        # The booth of the phone and the projector follow without a reload.
        sofia.locator("#booth-heading", has_text=title).wait_for()
        if position == 2:
            assert sofia.evaluate("document.body.getAttribute('data-same-page')") == "yes"
        projector.locator(".screen-item", has_text=title).wait_for()
        if position == 1:
            axe.check(sofia, "booth")
            axe.check(projector, "projector")
        before = chair.locator("#screen").inner_text()
        _vote(sofia, choice)
        chair.wait_for_function(
            "before => document.querySelector('#screen').innerText !== before", arg=before
        )
        chair.locator(f"#close-item-{position}").click()
        _ok(chair)
        sofia.locator("#booth", has_text="Aucun point").wait_for()
        projector.locator(".screen-item", has_text=title).wait_for()
        projector.locator("#screen .outcome").first.wait_for()

    # Results per college are on the page; the meeting closes and the minutes are written.
    assert "Coursiers" in chair.locator(".college-results").first.inner_text()
    chair.locator("#close-assembly").click()
    chair.wait_for_url(re.compile(rf"/assemblies/{assembly}/(#minutes)?$"))
    chair.locator("#minutes-pdf").wait_for()
    fingerprint = chair.locator("#minutes-pdf + .hash").inner_text()
    with chair.expect_download() as download:
        chair.locator("#minutes-pdf").click()
    pdf = download.value.path().read_bytes()
    text = " ".join(
        " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split()
    )
    for expected in (
        "Approbation des comptes 2026",
        "Coursiers",
        "Clients",
        "Restaurants et commerces",
        "Collectivités territoriales",
        "Karim",
    ):
        assert expected in text, expected
    assert hashlib.sha256(pdf).hexdigest() in fingerprint
    axe.check(chair, "minutes")

    # Each member of the bureau signs in the app; the signed minutes then appear.
    for page in (chair, _confirming(projector), _confirming(sofia)):
        page.goto(f"/assemblies/{assembly}/")
        page.locator("#sign-minutes").click()
        _ok(page)
    desk.goto(f"/assemblies/{assembly}/")
    desk.locator("#sign-minutes").click()
    _ok(desk)
    assert len(desk.locator("#signatures li").all()) == 4
    desk.locator("#minutes-signed-pdf").wait_for()
    axe.check(desk, "signed")

    assert not axe.found, axe.found


def test_assembly_pages_have_no_serious_accessibility_violation_at_both_widths(
    site: Site, pages: Pages
) -> None:
    data = site.call("assembly_demo")
    slug, password = data["slug"], data["password"]
    axe = Axe()
    for phone in (False, True):
        board = pages.open("claire", phone=phone, password=password)
        board.goto(f"/c/{slug}/assemblies/")
        link = board.locator("#assembly-list a").first
        link.wait_for()
        href = link.get_attribute("href")
        assert href is not None
        for name, url in (
            ("list", f"/c/{slug}/assemblies/"),
            ("page-board", href),
            ("prepare-board", href + "prepare/"),
            ("convocations-board", href + "convocations/"),
            ("desk-board", href + "desk/?q=a"),
            ("chair-board", href + "chair/"),
            ("screen-board", href + "screen/"),
        ):
            response = board.goto(url)
            assert response is not None and response.status == 200, url
            axe.check(board, f"all-{name}")
        member = pages.open("lea", phone=phone, password=password)
        member.goto(href + "?holder=Ka")
        axe.check(member, "all-page-member")
    assert not axe.found, axe.found
