"""The `?last_seq=` of a reconnecting client, read the same by every room."""

from __future__ import annotations

import pytest

from core.ws import requested_last_seq


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (b"", None),
        (b"last_seq=7", 7),
        (b"last_seq=0", 0),
        (b"last_seq=-1", None),
        (b"last_seq=abc", None),
        # A character that str.isdigit() accepts but int() refuses.
        (b"last_seq=%C2%B2", None),
    ],
)
def test_a_missing_or_bad_last_seq_asks_for_no_replay(query: bytes, expected: int | None) -> None:
    assert requested_last_seq({"query_string": query}) == expected
