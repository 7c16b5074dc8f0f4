"""Every page each demo user reaches reads in one language: French pages carry no English
interface word, English pages no French one.

Each demo login (the board's chair, a plain member, a commune's representative, an
observer) follows every link of the site from its home page, in French and then in
English. The words the cooperative's people wrote (names, colleges, proposals, comments,
agenda) are French in both interfaces, so they are set aside; what remains is the
interface, and it must not hold a tell-tale word of the other language.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from typing import Any

import pytest

from tests.frontend.conftest import Pages, Site

pytestmark = pytest.mark.browser

USERS = ("claire", "lea", "mairie.villeurbanne", "region.aura")
# Pages of one shape (the same address with other numbers) read at most this many times.
PER_SHAPE = 3
MOST_PAGES = 70
SKIPPED = re.compile(
    r"^/(accounts/logout|admin|api|static|media)/|\.(ics|pdf|csv|json)$|/minutes\.|/live/"
)

# Whole words, case-sensitive: what an untranslated interface string gives away.
ENGLISH = (
    "Close",
    "Closed",
    "Open",
    "Turnout",
    "Submit",
    "Cancel",
    "Save",
    "Send",
    "Sign out",
    "Sign in",
    "Log out",
    "Result",
    "Results",
    "Member",
    "Members",
    "Proposal",
    "Proposals",
    "Proxy",
    "Proxies",
    "Board",
    "Against",
    "Abstain",
    "Yes",
    "Delete",
    "Reply",
    "Previous",
    "Next",
    "Search",
    "Assembly",
    "Assemblies",
    "College",
    "Colleges",
    "Weight",
    "the",
    "and",
    "of",
    "with",
    "your",
    "Your",
    "you",
    "has",
    "not",
    "are",
    "January",
    "February",
    "March",
    "April",
    "June",
    "July",
    "August",
    "October",
    "November",
    "December",
)
# A button is a verb: "Vote" on one is the English cast button (the French one is "Voter").
ENGLISH_BUTTONS = ("Vote", "Open", "Close", "Submit", "Send", "Save", "Cancel")
FRENCH = (
    "Ouvert",
    "Ouverte",
    "Clos",
    "Voter",
    "Envoyer",
    "Annuler",
    "Enregistrer",
    "Déconnexion",
    "Résultat",
    "Résultats",
    "Pouvoir",
    "Procuration",
    "Collège",
    "collège",
    "Membres",
    "membres",
    "Propositions",
    "Assemblées",
    "Contre",
    "exprimés",
    "le",
    "la",
    "les",
    "des",
    "du",
    "et",
    "une",
    "aux",
    "vous",
    "votre",
    "est",
    "pas",
    "dans",
    "avec",
    "janvier",
    "février",
    "avril",
    "juin",
    "juillet",
    "août",
    "octobre",
    "novembre",
    "décembre",
)

# The interface's words as a person meets them: what is shown, what a screen reader or a
# tooltip says, the choices of a list, the texts scripts put on the page later.
READ_PAGE = """() => {
  const clone = document.body.cloneNode(true);
  clone.querySelectorAll('script, style').forEach(e => e.remove());
  const parts = [document.title, document.body.innerText];
  for (const details of clone.querySelectorAll('details:not([open])')) {
    parts.push(details.textContent);
  }
  for (const el of document.querySelectorAll('[aria-label], [placeholder], [title], [alt]')) {
    for (const name of ['aria-label', 'placeholder', 'title', 'alt']) {
      if (el.getAttribute(name)) parts.push(el.getAttribute(name));
    }
  }
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      if (attr.name.startsWith('data-') && /[a-z] [a-z]/i.test(attr.value)
          && !attr.value.trim().startsWith('{') && !attr.value.trim().startsWith('[')) {
        parts.push(attr.value);
      }
    }
  }
  for (const el of document.querySelectorAll('option, input[type=submit], input[type=button]')) {
    parts.push(el.textContent || el.value);
  }
  return parts.join('\\n');
}"""
BUTTONS = """() => Array.from(
  document.querySelectorAll('button, input[type=submit], [role=button]')
).map(b => (b.innerText || b.value || '').trim())"""


def _pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    joined = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![\w'’-])({joined})(?![\w'’-])")


def _interface_text(text: str, written: list[str]) -> str:
    """The page's text without what the cooperative's people wrote (longest first)."""
    for piece in written:
        if len(piece) > 1:
            text = text.replace(piece, "\n")
    return text


def _findings(text: str, pattern: re.Pattern[str]) -> list[str]:
    found = []
    for match in pattern.finditer(text):
        start, end = max(0, match.start() - 40), min(len(text), match.end() + 40)
        found.append(f"{match.group(1)!r} in …{' '.join(text[start:end].split())}…")
    return found


def _links(page: Any) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    found = []
    for href in hrefs:
        href = href.split("#", 1)[0]
        if href.startswith("/") and not href.startswith("//") and not SKIPPED.search(href):
            found.append(href)
    return found


def _read_site(
    pages: Pages,
    username: str,
    password: str,
    locale: str,
    written: list[str],
    lang: str,
    unread: set[str],
) -> tuple[dict[str, list[str]], set[str]]:
    page = pages.open(username, locale=locale, password=password)
    pattern = _pattern(ENGLISH if lang == "fr" else FRENCH)
    queue: deque[str] = deque(["/"])
    came_from: dict[str, str] = {}
    seen: set[str] = set()
    shapes: Counter[str] = Counter()
    problems: dict[str, list[str]] = {}
    while queue and len(seen) < MOST_PAGES:
        url = queue.popleft()
        shape = re.sub(r"\d+", "N", url)
        if url in seen or url in unread or shapes[re.sub(r"\?.*", "", shape)] >= PER_SHAPE:
            continue
        seen.add(url)
        shapes[re.sub(r"\?.*", "", shape)] += 1
        response = page.goto(url)
        assert response is not None and response.status == 200, (
            f"{username}: {url} answers {response and response.status}, "
            f"linked from {came_from.get(url)}"
        )
        assert page.evaluate("document.documentElement.lang") == lang, (username, url)
        text = _interface_text(page.evaluate(READ_PAGE), written)
        found = _findings(text, pattern)
        if lang == "fr":
            found += [
                f"button {label!r}" for label in page.evaluate(BUTTONS) if label in ENGLISH_BUTTONS
            ]
        if found:
            problems[f"{username} {url}"] = found[:8]
        for link in _links(page):
            if link not in seen:
                came_from.setdefault(link, url)
                queue.append(link)
    return problems, seen


@pytest.mark.parametrize(
    "locale,lang", [("fr-FR", "fr"), ("en-GB", "en")], ids=["french", "english"]
)
def test_every_page_of_each_demo_user_reads_in_one_language(
    site: Site, pages: Pages, locale: str, lang: str
) -> None:
    demo = site.call("demo_everything")
    problems: dict[str, list[str]] = {}
    # A notice stored as finished text keeps the language it was written in; the notices
    # page is read once notices are kept as a kind and parameters rendered for the reader
    # (issue 17), and then it must pass like every other page.
    unread = {"/notifications/"} if lang == "en" and site.call("notices_stored_as_text") else set()
    everything_read: set[str] = set()
    for username in USERS:
        found, read = _read_site(
            pages, username, demo["password"], locale, demo["written"], lang, unread
        )
        # Each person reaches a good part of the site, not only a home page.
        assert len(read) >= 8, (username, len(read))
        problems.update(found)
        everything_read |= read
    # The vote counted end to end is read too: its booth and a college's bulletin board.
    assert demo["e2e_booth"] in everything_read
    assert set(demo["e2e_bulletins"]) & everything_read
    assert not problems, "\n".join(f"{url}: {words}" for url, words in problems.items())


def test_the_tell_tales_are_found_where_they_are() -> None:
    """The detector itself: an English badge on a French page is caught, a French name in
    the cooperative's text is not."""
    written = ["Hausser la rémunération par livraison en centre-ville"]
    french_page = "Vote Ouvert\nTurnout: 26 of 39 members\n" + written[0]
    found = _findings(_interface_text(french_page, written), _pattern(ENGLISH))
    assert [f.split(" ", 1)[0] for f in found] == ["'Turnout'", "'of'"]
    english_page = "Open · Hausser la rémunération par livraison en centre-ville\nClos"
    found = _findings(_interface_text(english_page, written), _pattern(FRENCH))
    assert [f.split(" ", 1)[0] for f in found] == ["'Clos'"]
