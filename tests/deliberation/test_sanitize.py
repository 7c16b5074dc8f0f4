"""Tests for deliberation.sanitize: XSS corpus, allowed markup, text rendering, idempotence."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from deliberation.sanitize import (
    COMMENT,
    LINK_REL,
    MAX_INPUT_CHARS,
    PROPOSAL,
    HtmlTooLong,
    Profile,
    href_is_allowed,
    html_to_text,
    sanitize_html,
)

CORPUS_PATH = Path(__file__).with_name("xss_corpus.txt")
MARKERS = {
    "[[NUL]]": "\x00",
    "[[TAB]]": "\t",
    "[[LF]]": "\n",
    "[[CR]]": "\r",
    "[[FF]]": "\x0c",
    "[[VT]]": "\x0b",
}
PROFILES = [pytest.param(COMMENT, id="comment"), pytest.param(PROPOSAL, id="proposal")]
NOISE = re.compile(r"[\x00-\x20\x7f-\x9f\s]+")
DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:")
LINK = f'rel="{LINK_REL}"'


def load_corpus() -> list[str]:
    payloads = []
    for line in CORPUS_PATH.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        for marker, char in MARKERS.items():
            line = line.replace(marker, char)
        payloads.append(line)
    return payloads


CORPUS = load_corpus()


class MarkupCollector(HTMLParser):
    """Collect every tag, attribute and non-text construct the standard parser sees."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.others: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_comment(self, data: str) -> None:
        self.others.append(f"comment {data!r}")

    def handle_decl(self, decl: str) -> None:
        self.others.append(f"declaration {decl!r}")

    def handle_pi(self, data: str) -> None:
        self.others.append(f"processing instruction {data!r}")

    def unknown_decl(self, data: str) -> None:
        self.others.append(f"unknown declaration {data!r}")


def parse(clean: str) -> MarkupCollector:
    collector = MarkupCollector()
    collector.feed(clean)
    collector.close()
    return collector


def normalise_url(value: str) -> str:
    return NOISE.sub("", html.unescape(value)).lower()


def assert_safe(clean: str, profile: Profile) -> None:
    collector = parse(clean)
    assert collector.others == [], clean
    for tag, attrs in collector.tags:
        assert tag in profile.tags, f"tag {tag!r} survived in {clean!r}"
        allowed = set(profile.attributes.get(tag, ())) | ({"rel"} if tag == "a" else set())
        for name, value in attrs:
            assert not name.startswith("on"), f"event handler {name!r} in {clean!r}"
            assert name in allowed, f"attribute {name!r} on {tag!r} survived in {clean!r}"
            normalised = normalise_url(value or "")
            for scheme in DANGEROUS_SCHEMES:
                assert scheme not in normalised, f"{scheme} in {name!r} of {clean!r}"
            if name == "href":
                assert normalised.startswith(("http:", "https:", "mailto:")), clean
        if tag == "a":
            assert dict(attrs).get("rel") == LINK_REL, clean
            assert "target" not in dict(attrs), clean


def test_corpus_holds_at_least_eighty_payloads() -> None:
    assert len(CORPUS) >= 80
    assert len(set(CORPUS)) == len(CORPUS)


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("payload", CORPUS)
def test_corpus_payload_leaves_only_allowed_markup(payload: str, profile: Profile) -> None:
    clean = sanitize_html(payload, profile=profile)
    assert_safe(clean, profile)


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("payload", CORPUS)
def test_corpus_payload_output_is_stable(payload: str, profile: Profile) -> None:
    clean = sanitize_html(payload, profile=profile)
    assert sanitize_html(clean, profile=profile) == clean


def test_assert_safe_rejects_what_it_should() -> None:
    """The checker itself must fail on unsafe output, or the corpus test proves nothing."""
    unsafe = [
        "<script>alert(1)</script>",
        "<p onclick=x>a</p>",
        '<p title="x">a</p>',
        '<a href="javascript:alert(1)" rel="nofollow noopener ugc">a</a>',
        '<a href="jav&#x09;ascript:alert(1)" rel="nofollow noopener ugc">a</a>',
        '<a href="/relative" rel="nofollow noopener ugc">a</a>',
        '<a href="https://ok.example">no rel</a>',
        '<a href="https://ok.example" rel="nofollow noopener ugc" target="_blank">a</a>',
        '<a href="https://ok.example" rel="nofollow noopener ugc" title="data:x">a</a>',
        "<!-- comment -->",
        "<h2>heading in a comment</h2>",
    ]
    for markup in unsafe:
        with pytest.raises(AssertionError):
            assert_safe(markup, COMMENT)


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert(1)</script>",
        "<SCRIPT>alert(1)</SCRIPT>",
        "<style>body{background:red}</style>",
        "<svg><script>alert(1)</script></svg>",
        "<iframe>alert(1)</iframe>",
        "<textarea>alert(1)</textarea>",
        "<template><p>alert(1)</p></template>",
        "<noscript>alert(1)</noscript>",
        "<math><mi>alert(1)</mi></math>",
    ],
)
def test_script_like_elements_go_with_their_content(payload: str) -> None:
    clean = sanitize_html(f"<p>before</p>{payload}<p>after</p>", profile=COMMENT)
    assert clean == "<p>before</p><p>after</p>"


def test_disallowed_tags_are_stripped_not_escaped() -> None:
    clean = sanitize_html("<div><span>kept <u>text</u></span></div>", profile=COMMENT)
    assert clean == "kept text"


def test_text_that_looks_like_markup_stays_escaped() -> None:
    clean = sanitize_html("&lt;script&gt;alert(1)&lt;/script&gt; 1 < 2", profile=COMMENT)
    assert clean == "&lt;script&gt;alert(1)&lt;/script&gt; 1 &lt; 2"
    assert parse(clean).tags == []


@pytest.mark.parametrize(
    "markup",
    [
        "<p>Une proposition <strong>importante</strong> et <em>urgente</em>.</p>",
        "<p><b>gras</b>, <i>italique</i><br>nouvelle ligne</p>",
        "<ul><li>un</li><li>deux</li></ul><ol><li>premier</li></ol>",
        "<blockquote><p>Citation du conseil.</p></blockquote>",
        "<p>Voir <code>article 12</code></p><pre>ligne 1\n  ligne 2</pre>",
        f'<p><a href="https://coop.example/ag" {LINK}>ordre du jour</a></p>',
        f'<p><a href="mailto:ca@coop.example" {LINK}>écrire</a></p>',
        f'<a href="http://coop.example/?a=1&amp;b=2" {LINK}>lien</a>',
        "<p>L&#39;assemblée &amp; le conseil &nbsp; ont voté.</p>",
    ],
)
@pytest.mark.parametrize("profile", PROFILES)
def test_allowed_markup_survives_unchanged(markup: str, profile: Profile) -> None:
    assert sanitize_html(markup, profile=profile) == markup


def test_headings_are_allowed_in_proposals_only() -> None:
    markup = "<h2>Titre</h2><h3>Section</h3><h4>Détail</h4><p>Texte</p>"
    assert sanitize_html(markup, profile=PROPOSAL) == markup
    assert sanitize_html(markup, profile=COMMENT) == "Titre\nSection\nDétail<p>Texte</p>"


def test_link_rel_is_replaced_and_target_removed() -> None:
    clean = sanitize_html(
        '<a href="https://coop.example" rel="opener" target="_blank">x</a>', profile=COMMENT
    )
    assert clean == f'<a href="https://coop.example" {LINK}>x</a>'


@pytest.mark.parametrize(
    "href",
    ["javascript:alert(1)", "/relative", "//evil.example", "ftp://files.example", "#top", ""],
)
def test_link_with_refused_href_is_unwrapped_keeping_its_text(href: str) -> None:
    clean = sanitize_html(f'<p><a href="{href}">texte</a></p>', profile=COMMENT)
    assert clean == "<p>texte</p>"


def test_bare_urls_are_linkified_outside_code() -> None:
    clean = sanitize_html(
        "<p>Voir https://scop.fr/ag et scop.coop</p><pre>https://code.fr</pre><code>a.fr</code>",
        profile=COMMENT,
    )
    assert clean == (
        f'<p>Voir <a href="https://scop.fr/ag" {LINK}>https://scop.fr/ag</a>'
        f' et <a href="http://scop.coop" {LINK}>scop.coop</a></p>'
        "<pre>https://code.fr</pre><code>a.fr</code>"
    )


def test_email_addresses_are_not_linkified() -> None:
    assert sanitize_html("écrire à ca@scop.fr", profile=COMMENT) == "écrire à ca@scop.fr"


def test_control_characters_are_removed() -> None:
    assert sanitize_html("a\x00b\x07c\r\nd\re\tf", profile=COMMENT) == "abc\nd\ne\tf"


def test_input_at_the_limit_is_accepted() -> None:
    clean = sanitize_html("a" * MAX_INPUT_CHARS, profile=COMMENT)
    assert len(clean) == MAX_INPUT_CHARS


def test_input_over_the_limit_is_refused() -> None:
    with pytest.raises(HtmlTooLong) as caught:
        sanitize_html("a" * (MAX_INPUT_CHARS + 1), profile=COMMENT)
    assert isinstance(caught.value, ValueError)
    assert caught.value.length == MAX_INPUT_CHARS + 1
    assert caught.value.code == "html_too_long"


def test_empty_input_gives_empty_output() -> None:
    assert sanitize_html("", profile=COMMENT) == ""


def test_profiles_are_frozen() -> None:
    with pytest.raises(AttributeError):
        COMMENT.tags = frozenset()  # type: ignore[misc]
    assert PROPOSAL.tags == COMMENT.tags | {"h2", "h3", "h4"}
    assert PROPOSAL.protocols == COMMENT.protocols == {"http", "https", "mailto"}


def test_custom_profile_without_linkify() -> None:
    plain = Profile(
        name="plain", tags=frozenset({"p"}), attributes={}, protocols=frozenset(), linkify=False
    )
    assert sanitize_html("<p>scop.fr <a href='https://x.fr'>x</a></p>", profile=plain) == (
        "<p>scop.fr x</p>"
    )
    # Hashable despite its attributes mapping, and by value: an equal profile built apart
    # finds the same entry of a cache keyed by profile.
    twin = Profile(
        name="plain", tags=frozenset({"p"}), attributes={}, protocols=frozenset(), linkify=False
    )
    assert twin is not plain
    assert twin == plain
    assert {plain: "cleaner"}[twin] == "cleaner"


@pytest.mark.parametrize(
    ("href", "expected"),
    [
        ("https://coop.example", True),
        ("HTTP://coop.example", True),
        ("mailto:ca@coop.example", True),
        ("  https://coop.example", True),
        ("jav&#x09;ascript:alert(1)", False),
        ("javascript&colon;alert(1)", False),
        ("java\nscript:alert(1)", False),
        ("data:text/html,x", False),
        ("/relative", False),
        ("//evil.example", False),
        ("https://scop.fr/redirect?to=javascript:alert(1)", False),
        ("https://scop.fr/?u=DATA&#58;text/html,x", False),
    ],
)
def test_href_is_allowed(href: str, expected: bool) -> None:
    assert href_is_allowed(href, COMMENT.protocols) is expected


# Idempotence over generated inputs when hypothesis is available, over a list otherwise.
IDEMPOTENCE_EXAMPLES = [
    *CORPUS,
    "<pre>\n\nx</pre>",
    "<p><table><td><p>x</p></table></p>",
    "<li><pre><dt><pre>x<li>y</p>",
    "<b><p>x</b>y</p>",
    "<a href='https://a.example'><a href='https://b.example'>b</a></a>",
    "AT&T &amp &#x; &#0; &notanentity;",
    "example.org/<b>x</b>",
]

try:
    from hypothesis import given, settings
    from hypothesis import strategies as st
except ImportError:  # pragma: no cover - hypothesis is a test extra.

    @pytest.mark.parametrize("profile", PROFILES)
    @pytest.mark.parametrize("raw", IDEMPOTENCE_EXAMPLES)
    def test_sanitize_is_idempotent(raw: str, profile: Profile) -> None:
        once = sanitize_html(raw, profile=profile)
        assert sanitize_html(once, profile=profile) == once

else:
    FRAGMENTS = st.sampled_from(
        [
            *("<p>", "</p>", "<b>", "</b>", "<em>", "<a href='https://x.example'>", "</a>"),
            *("<ul>", "<li>", "</ul>", "<ol>", "<blockquote>", "</blockquote>", "<h2>"),
            *("<pre>", "</pre>", "<code>", "<br>", "<table>", "<td>", "<tr>", "<div>"),
            *("<script>", "</script>", "<svg>", "<math>", "<select>", "<textarea>", "<form>"),
            *("<!--", "-->", "<![CDATA[", "]]>", "<", ">", "&", "&amp;", "&#", "&nbsp;"),
            *("\n", " ", "\x00", "\r", "\x0c", "'", '"', "=", "`", "javascript:", "coop.org"),
        ]
    )
    MARKUP = st.lists(st.one_of(FRAGMENTS, st.text(max_size=4)), max_size=30).map("".join)

    @pytest.mark.parametrize("profile", PROFILES)
    @settings(max_examples=300, deadline=None)
    @given(raw=MARKUP | st.sampled_from(IDEMPOTENCE_EXAMPLES))
    def test_sanitize_is_idempotent(raw: str, profile: Profile) -> None:
        once = sanitize_html(raw, profile=profile)
        assert sanitize_html(once, profile=profile) == once
        assert_safe(once, profile)


# Plain text rendering.


def test_html_to_text_separates_blocks_and_marks_lists() -> None:
    clean = sanitize_html(
        "<h2>Objet</h2><p>Le conseil &amp; le bureau.</p>"
        "<ul><li>un</li><li>deux<ol><li>a</li><li>b</li></ol></li></ul>"
        "<blockquote><p>q1</p><p>q2</p></blockquote>"
        "<pre>  code\n  suite</pre><p>a<br>b</p>",
        profile=PROPOSAL,
    )
    assert html_to_text(clean) == (
        "Objet\n\nLe conseil & le bureau.\n\n- un\n- deux\n  1. a\n  2. b\n\n"
        "> q1\n>\n> q2\n\n  code\n  suite\n\na\nb"
    )


def test_html_to_text_collapses_whitespace_and_unescapes() -> None:
    assert html_to_text("<p>  un\n   deux&nbsp;&lt;trois&gt; </p>") == "un deux\xa0<trois>"


def test_html_to_text_shows_link_targets_only_when_they_add_something() -> None:
    clean = (
        f'<p><a href="https://coop.example/ag" {LINK}>ordre du jour</a> '
        f'<a href="https://coop.example/" {LINK}>coop.example</a> '
        f'<a href="mailto:ca@coop.example" {LINK}>ca@coop.example</a></p>'
    )
    assert html_to_text(clean) == (
        "ordre du jour (https://coop.example/ag) coop.example ca@coop.example"
    )
    assert html_to_text(clean, with_link_targets=False) == (
        "ordre du jour coop.example ca@coop.example"
    )


def test_html_to_text_of_empty_and_plain_input() -> None:
    assert html_to_text("") == ""
    assert html_to_text("juste du texte") == "juste du texte"
