"""The group's reading rules: only canonical encodings of subgroup elements and scalars."""

from __future__ import annotations

import pytest

from verifiable.group import IDENTITY, G, GroupError, Point, Q, g_pow, parse_scalar

P = 2**255 - 19


def test_points_round_trip_and_the_group_law_holds() -> None:
    a, b = g_pow(12345), g_pow(678)
    assert Point.parse(str(a)) == a
    assert a * b == g_pow(12345 + 678)
    assert a / b == g_pow(12345 - 678)
    assert a ** (Q - 1) * a == IDENTITY
    assert Point.parse(str(IDENTITY)) == IDENTITY
    assert g_pow(Q) == IDENTITY and g_pow(1) == G


@pytest.mark.parametrize(
    "text",
    [
        str(g_pow(7)).upper(),  # upper-case hexadecimal is not Belenios' form
        str(G)[:-2],  # too short
        "zz" + str(G)[2:],
        format(P + 1, "064x"),  # y >= p: a non-canonical encoding of y = 1
        "7f" + "ff" * 30 + "ec",  # order 2
        "00" * 32,  # small order (y = 0)
    ],
)
def test_non_canonical_or_outside_points_are_refused(text: str) -> None:
    with pytest.raises(GroupError):
        Point.parse(text)


@pytest.mark.parametrize("text", ["01", "-1", " 1", str(Q), "1e3", "", "١"])
def test_non_canonical_scalars_are_refused(text: str) -> None:
    with pytest.raises(GroupError):
        parse_scalar(text)


def test_canonical_scalars_are_read() -> None:
    assert parse_scalar("0") == 0
    assert parse_scalar(str(Q - 1)) == Q - 1


def test_malformed_structures_are_refused_not_crashed() -> None:
    """A ballot missing a field is a refusal with a code, not an unexpected exception."""
    from verifiable.archive import Archive
    from verifiable.verify import VerificationError, verify_archive

    from .conftest import RESOLUTION, College
    from .test_mutations import relink

    college = College("malformed", 1, [RESOLUTION], trustees=1)
    archive = Archive(timestamp=1_800_000_000)
    e = archive.add_data(college.election.election_text)
    t = archive.add_data('[["Pedersen",{"threshold":1}]]')
    c = archive.add_data(college.election.credentials_text)
    archive.add_event(
        "Setup", archive.add_data(f'{{"election":"{e}","trustees":"{t}","credentials":"{c}"}}')
    )
    with pytest.raises(VerificationError) as refused:
        verify_archive(archive.to_bytes())
    assert refused.value.code == "bad_trustee"
    entries = archive.entries
    bad = relink(entries, 2, b'[["Single",{"pok":{}}]]')
    with pytest.raises(VerificationError) as refused:
        verify_archive(bad)
    assert refused.value.code in {"malformed", "bad_trustee"}
