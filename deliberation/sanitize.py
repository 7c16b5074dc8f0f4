"""The one place where user HTML is cleaned with named bleach profiles, and turned into text."""

from __future__ import annotations

import html
import re
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from html.parser import HTMLParser
from types import MappingProxyType
from typing import Any, Final

import bleach
from bleach.html5lib_shim import Filter
from bleach.linkifier import LinkifyFilter, build_url_re

__all__ = [
    "COMMENT",
    "LINK_REL",
    "MAX_INPUT_CHARS",
    "PROPOSAL",
    "HtmlTooLong",
    "Profile",
    "html_to_text",
    "href_is_allowed",
    "sanitize_html",
]

MAX_INPUT_CHARS: Final = 100_000
"""Longest raw input accepted; longer input is refused rather than truncated."""

LINK_REL: Final = "nofollow noopener ugc"
"""The rel value every surviving link carries, whatever the author wrote."""

# Elements whose content is dropped along with the tag. Their content is script, style,
# raw text or fallback markup; keeping it as text would show code to readers.
_DROP_WITH_CONTENT: Final = frozenset(
    {
        "applet",
        "embed",
        "frame",
        "frameset",
        "iframe",
        "math",
        "noembed",
        "noframes",
        "noscript",
        "object",
        "plaintext",
        "script",
        "style",
        "svg",
        "template",
        "textarea",
        "title",
        "xmp",
    }
)

# Whitespace and control characters that browsers ignore inside a URL scheme.
_URL_NOISE: Final = re.compile(r"[\x00-\x20\x7f-\x9f\s]+")
_SCHEME: Final = re.compile(r"^([a-z][a-z0-9+.-]*):")
_SCRIPT_SCHEMES: Final = ("javascript:", "vbscript:", "data:")
# Characters no text needs: C0 and C1 controls (bar tab and newline), lone surrogates
# and noncharacters. The HTML parser would report or replace them inconsistently.
_UNWANTED_CHARS: Final = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]"
)


class HtmlTooLong(ValueError):
    """Raised when raw HTML is longer than MAX_INPUT_CHARS."""

    code: Final = "html_too_long"

    def __init__(self, length: int, limit: int = MAX_INPUT_CHARS) -> None:
        super().__init__(f"HTML input is {length} characters long; the limit is {limit}.")
        self.length = length
        self.limit = limit


@dataclass(frozen=True, slots=True)
class Profile:
    """An allowlist: the tags, attributes per tag and link protocols one kind of text may use."""

    name: str
    tags: frozenset[str]
    attributes: Mapping[str, frozenset[str]] = field(hash=False)
    protocols: frozenset[str]
    linkify: bool = True

    def extend(self, *, name: str, tags: frozenset[str] = frozenset()) -> Profile:
        """Return a profile with more tags and the same attributes and protocols."""
        return Profile(
            name=name,
            tags=self.tags | tags,
            attributes=self.attributes,
            protocols=self.protocols,
            linkify=self.linkify,
        )


COMMENT: Final = Profile(
    name="comment",
    tags=frozenset(
        {"p", "br", "strong", "em", "b", "i", "ul", "ol", "li", "blockquote", "code", "pre", "a"}
    ),
    attributes=MappingProxyType({"a": frozenset({"href"})}),
    protocols=frozenset({"http", "https", "mailto"}),
)

PROPOSAL: Final = COMMENT.extend(name="proposal", tags=frozenset({"h2", "h3", "h4"}))


def href_is_allowed(href: str, protocols: frozenset[str]) -> bool:
    """Tell whether a raw attribute value is an absolute URL with one of the protocols.

    Relative and protocol-relative URLs are refused: stored text is shown on several
    sites (web, e-mail), where a relative link would resolve somewhere unexpected.
    An address naming a script or data scheme anywhere, such as an open-redirect
    parameter, is refused too; the rare honest one (".../metadata:x") keeps its text.
    """
    decoded = _URL_NOISE.sub("", html.unescape(href)).lower()
    match = _SCHEME.match(decoded)
    if match is None or match.group(1) not in protocols:
        return False
    return not any(scheme in decoded for scheme in _SCRIPT_SCHEMES)


class _DropContentFilter(Filter):
    """Remove script-like elements together with everything inside them."""

    def __iter__(self) -> Iterator[dict[str, Any]]:
        depth = 0
        for token in super().__iter__():
            kind = token["type"]
            dropped = token.get("name") in _DROP_WITH_CONTENT
            if kind == "StartTag" and dropped:
                depth += 1
            elif kind == "EndTag" and dropped:
                depth = max(depth - 1, 0)
            elif kind == "EmptyTag" and dropped:
                continue
            elif depth == 0:
                yield token


class _LinkPolicyFilter(Filter):
    """Force rel and remove target on links; unwrap links whose href is not allowed."""

    protocols: frozenset[str] = frozenset()

    def __iter__(self) -> Iterator[dict[str, Any]]:
        # One flag per open <a>, telling whether its end tag must be dropped too.
        unwrapped: list[bool] = []
        for token in super().__iter__():
            if token.get("name") != "a":
                yield token
                continue
            if token["type"] == "EndTag":
                if not (unwrapped.pop() if unwrapped else False):
                    yield token
                continue
            attrs: dict[tuple[str | None, str], str] = dict(token.get("data") or {})
            href = attrs.get((None, "href"))
            if href is None or not href_is_allowed(href, self.protocols):
                if token["type"] == "StartTag":
                    unwrapped.append(True)
                continue
            attrs.pop((None, "target"), None)
            attrs[(None, "rel")] = LINK_REL
            if token["type"] == "StartTag":
                unwrapped.append(False)
            yield {**token, "data": attrs}


def _link_policy(protocols: frozenset[str]) -> type[_LinkPolicyFilter]:
    return type("LinkPolicyFilter", (_LinkPolicyFilter,), {"protocols": protocols})


def _build_cleaner(profile: Profile) -> bleach.Cleaner:
    link_policy = _link_policy(profile.protocols)
    # The link policy runs before linkify so that the text of an unwrapped link is
    # linkified in the same pass (idempotence), and after it to cover new links.
    filters: list[Any] = [_DropContentFilter, link_policy]
    if profile.linkify:
        web = sorted(profile.protocols & {"http", "https"})
        filters.append(
            partial(
                LinkifyFilter,
                callbacks=[],
                skip_tags={"pre", "code"},
                parse_email=False,
                url_re=build_url_re(protocols=web),
            )
        )
        filters.append(link_policy)
    return bleach.Cleaner(
        tags=profile.tags | _DROP_WITH_CONTENT,
        attributes={tag: sorted(names) for tag, names in profile.attributes.items()},
        protocols=sorted(profile.protocols),
        strip=True,
        strip_comments=True,
        filters=filters,
    )


# bleach.Cleaner keeps parser state, so each thread gets its own cleaners.
_local = threading.local()


def _cleaner_for(profile: Profile) -> bleach.Cleaner:
    cleaners: dict[Profile, bleach.Cleaner] | None = getattr(_local, "cleaners", None)
    if cleaners is None:
        cleaners = _local.cleaners = {}
    cleaner = cleaners.get(profile)
    if cleaner is None:
        cleaner = cleaners[profile] = _build_cleaner(profile)
    return cleaner


# A serialised tree can parse into a different tree (for example a paragraph left
# inside another one once a stripped table is gone), so cleaning repeats until the
# output is stable. Two passes suffice in practice; the bound keeps the cost fixed.
_MAX_PASSES: Final = 4


def sanitize_html(raw: str, *, profile: Profile) -> str:
    """Return HTML holding only the profile's tags, attributes and link protocols.

    Control characters are removed first. Disallowed tags are stripped, keeping their
    text, except script-like elements, which go with their content. Links keep an
    absolute http, https or mailto address only, get rel="nofollow noopener ugc" and
    lose any target; a link with another address is unwrapped, keeping its text.
    Raises HtmlTooLong when raw is longer than MAX_INPUT_CHARS.
    """
    if len(raw) > MAX_INPUT_CHARS:
        raise HtmlTooLong(len(raw))
    cleaner = _cleaner_for(profile)
    text = _UNWANTED_CHARS.sub("", raw.replace("\r\n", "\n").replace("\r", "\n"))
    clean: str = cleaner.clean(text)
    for _ in range(_MAX_PASSES):
        again: str = cleaner.clean(clean)
        if again == clean:
            break
        clean = again
    return clean


# HTML collapses these, but not a no-break space, which Python's \s would include.
_HTML_SPACE: Final = re.compile(r"[ \t\n\r\f]+")
_BLOCKS: Final = frozenset({"p", "blockquote", "pre", "ul", "ol", "h1", "h2", "h3", "h4", "h5"})


class _TextExtractor(HTMLParser):
    """Render clean HTML as plain text with blank lines between blocks and list markers."""

    def __init__(self, *, with_link_targets: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.with_link_targets = with_link_targets
        self.out: list[str] = []
        self.pending_breaks = 0
        self.at_line_start = True
        self.pre_depth = 0
        self.quote_depth = 0
        self.text_quote_depth = 0
        self.lists: list[list[int]] = []
        self.pending_marker: str | None = None
        self.links: list[tuple[str | None, int]] = []

    def _request_break(self, count: int) -> None:
        if self.out:
            self.pending_breaks = max(self.pending_breaks, count)

    def _line_prefix(self) -> str:
        return "> " * self.quote_depth + "  " * max(len(self.lists) - 1, 0)

    def _emit(self, text: str) -> None:
        if self.pending_breaks:
            # Blank lines take the quote depth shared by the blocks on either side.
            quote = ">" * min(self.quote_depth, self.text_quote_depth)
            for _ in range(self.pending_breaks - 1):
                self.out.append("\n" + quote)
            self.out.append("\n")
            self.pending_breaks = 0
            self.at_line_start = True
        if self.at_line_start:
            self.out.append(self._line_prefix())
            if self.pending_marker is not None:
                self.out.append(self.pending_marker)
                self.pending_marker = None
            if not self.pre_depth:
                text = text.lstrip(" ")
        if text:
            self.out.append(text.replace("\n", "\n" + self._line_prefix()))
            self.at_line_start = text.endswith("\n")
            self.text_quote_depth = self.quote_depth

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS:
            self._request_break(1 if tag in {"ul", "ol"} and self.lists else 2)
        if tag == "pre":
            self.pre_depth += 1
        elif tag == "blockquote":
            self.quote_depth += 1
        elif tag in {"ul", "ol"}:
            self.lists.append([1] if tag == "ol" else [0])
        elif tag == "li":
            self._request_break(1)
            counter = self.lists[-1] if self.lists else [0]
            self.pending_marker = f"{counter[0]}. " if counter[0] else "- "
            if counter[0]:
                counter[0] += 1
        elif tag == "br":
            self._request_break(1)
            if not self.pending_breaks:
                self.out.append("\n")
                self.at_line_start = True
        elif tag == "a":
            href = dict(attrs).get("href")
            self.links.append((href, len(self.out)))

    def handle_endtag(self, tag: str) -> None:
        if tag == "pre":
            self.pre_depth = max(self.pre_depth - 1, 0)
        elif tag == "blockquote":
            self.quote_depth = max(self.quote_depth - 1, 0)
        elif tag in {"ul", "ol"} and self.lists:
            self.lists.pop()
        elif tag == "a" and self.links:
            href, start = self.links.pop()
            label = "".join(self.out[start:]).strip()
            if self.with_link_targets and href and _link_label(href) != _link_label(label):
                self._emit(f" ({href})" if label else href)
        if tag in _BLOCKS:
            self._request_break(1 if tag in {"ul", "ol"} and self.lists else 2)

    def handle_data(self, data: str) -> None:
        if not self.pre_depth:
            data = _HTML_SPACE.sub(" ", data)
            if data == " " and self.at_line_start:
                return
        self._emit(data)

    def text(self) -> str:
        lines = "".join(self.out).split("\n")
        return "\n".join(line.rstrip() for line in lines).strip("\n")


def _link_label(href: str) -> str:
    """Return an address without the parts a link text usually leaves out."""
    return re.sub(r"^(?:https?://|mailto:)", "", href, flags=re.IGNORECASE).rstrip("/")


def html_to_text(clean: str, *, with_link_targets: bool = True) -> str:
    """Return the plain text of clean HTML, for notifications, diffs and mentions.

    Blocks are separated by a blank line, list items start with "- " or "1. ",
    quoted lines with "> ". A link is followed by its address in parentheses when
    the address differs from the link text, unless with_link_targets is false.
    """
    extractor = _TextExtractor(with_link_targets=with_link_targets)
    extractor.feed(clean)
    extractor.close()
    return extractor.text()
