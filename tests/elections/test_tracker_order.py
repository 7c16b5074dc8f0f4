"""The bulletin board's trackers come in byte order (`sorted()`'s) on every database: they
are Base64, where case matters, and a language collation would fold it."""

from __future__ import annotations

import pytest
from django.db import connection

from elections.models import Election
from elections.selectors import counted_ballots_by_tracker

pytestmark = pytest.mark.django_db


def test_trackers_are_ordered_byte_by_byte() -> None:
    sql = str(counted_ballots_by_tracker(Election(pk=1)).query)

    order = sql[sql.index("ORDER BY") :]
    if connection.vendor == "postgresql":
        assert 'COLLATE "C"' in order
    else:  # SQLite compares text byte by byte unless told otherwise.
        assert "COLLATE" not in order and '"tracker"' in order
