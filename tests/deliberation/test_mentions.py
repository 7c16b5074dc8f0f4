"""Tests for deliberation.mentions.extract_mentions."""

from __future__ import annotations

import unicodedata

import pytest

from deliberation.mentions import MAX_HANDLE_CHARS, extract_mentions
from deliberation.sanitize import COMMENT, sanitize_html


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Merci @bob", ["bob"]),
        ("@alice et @bob.martin_2-b", ["alice", "bob.martin_2-b"]),
        ("Avis de @élodie.martin ?", ["élodie.martin"]),
        ("@Zoë, @Ærøskøbing et @Łukasz", ["Zoë", "Ærøskøbing", "Łukasz"]),
        ("(@bob) [@carla] «@dan»", ["bob", "carla", "dan"]),
        ("Fin de phrase avec @bob.", ["bob"]),
        ("@bob... @carl!", ["bob", "carl"]),
        ("@_underscore @9lives", ["_underscore", "9lives"]),
    ],
)
def test_finds_handles(text: str, expected: list[str]) -> None:
    assert extract_mentions(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "a@b.c",
        "écrire à jean.dupont@scop.fr",
        "jean+ag@scop.fr",
        "ana-b@scop.fr",
        "@bob@mastodon.example",
        "https://social.example/@bob",
        "@ seul",
        "@",
        "@.bob",
        "@-bob",
        "@@bob",
    ],
)
def test_ignores_addresses_and_lone_signs(text: str) -> None:
    assert extract_mentions(text) == []


def test_deduplicates_in_order_of_first_appearance_preserving_case() -> None:
    text = "@carla puis @bob, encore @carla et @Bob puis @bob"
    assert extract_mentions(text) == ["carla", "bob", "Bob"]


def test_length_limit() -> None:
    longest = "a" * MAX_HANDLE_CHARS
    assert extract_mentions(f"@{longest}") == [longest]
    assert extract_mentions(f"@{longest}b") == []


def test_decomposed_letters_match_composed_ones() -> None:
    decomposed = unicodedata.normalize("NFD", "@élodie")
    assert extract_mentions(decomposed) == ["élodie"]


def test_reads_clean_html() -> None:
    clean = sanitize_html(
        "<p>Merci <strong>@alice</strong> et @bob&nbsp;!</p>"
        '<p><a href="https://social.example/@mallory">profil</a> '
        '<a href="mailto:eve@scop.fr">eve@scop.fr</a></p>'
        "<ul><li>@carla</li></ul>",
        profile=COMMENT,
    )
    assert extract_mentions(clean) == ["alice", "bob", "carla"]


def test_entities_are_decoded_before_matching() -> None:
    assert extract_mentions("&#64;bob et &lt;@alice&gt;") == ["bob", "alice"]
