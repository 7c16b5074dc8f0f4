"""An election's public archive kept as rows, appended under the election's row lock so
that its events form one chain."""

from __future__ import annotations

import hashlib
import json

from django.db.models import Max

from elections.models import ArchiveEntry, Election
from verifiable.archive import Archive
from verifiable.formats import dumps, event_json


def load(election: Election) -> Archive:
    """The whole archive, to be written out (bundle, download)."""
    entries = list(election.entries.order_by("position").values_list("name", "content"))
    archive = Archive(timestamp=election.timestamp, entries=[(n, c.encode()) for n, c in entries])
    events = [n for n, _c in entries if n.endswith(".event.json")]
    archive.height = len(events) - 1
    archive.last_event = events[-1].split(".")[0] if events else None
    return archive


def save_new(election: Election, archive: Archive, already: int) -> None:
    """Write the entries of `archive` added since `already` (its length when loaded)."""
    rows = []
    for position, (name, content) in enumerate(archive.entries[already:], start=already):
        event = json.loads(content) if name.endswith(".event.json") else None
        rows.append(
            ArchiveEntry(
                election=election,
                position=position,
                name=name,
                content=content.decode(),
                event_type=event["type"] if event else "",
                height=event["height"] if event else None,
            )
        )
    ArchiveEntry.objects.bulk_create(rows)


def append(election: Election, kind: str, payload: str | None = None) -> str:
    """Append an event (and its payload first) after the last one, without reading the
    archive: the caller holds the election's row lock. Returns the event's hash."""
    last = (
        election.entries.filter(height__isnull=False)
        .order_by("-position")
        .values_list("name", "height")
        .first()
    )
    position = (election.entries.aggregate(m=Max("position"))["m"] or 0) + 1
    rows = []
    payload_hash = None
    if payload is not None:
        payload_hash = hashlib.sha256(payload.encode()).hexdigest()
        rows.append(
            ArchiveEntry(
                election=election,
                position=position,
                name=f"{payload_hash}.data.json",
                content=payload,
            )
        )
        position += 1
    parent = last[0].split(".")[0] if last else None
    # Events always have a height (the filter above): only the first event has no parent.
    height = (last[1] or 0) + 1 if last else 0
    text = dumps(event_json(height, kind, parent, payload_hash))
    digest = hashlib.sha256(text.encode()).hexdigest()
    rows.append(
        ArchiveEntry(
            election=election,
            position=position,
            name=f"{digest}.event.json",
            content=text,
            event_type=kind,
            height=height,
        )
    )
    ArchiveEntry.objects.bulk_create(rows)
    return digest
