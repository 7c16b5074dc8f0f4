"""The Belenios public-data archive: an old-style (v7) tar file, append-only.

It opens with a `BELENIOS` header, then data files and events, each named by the SHA-256 of
its content (`<hex>.data.json`, `<hex>.event.json`). Events form a chain: each names its
parent and its height, and may name a payload written before it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from .formats import dumps, event_json

BLOCK = 512


def _octal(value: int, width: int) -> bytes:
    return (format(value, "o").rjust(width - 1, "0") + "\0").encode()


def _tar_member(name: str, content: bytes, mtime: int) -> bytes:
    header = bytearray(BLOCK)
    header[0:100] = name.encode().ljust(100, b"\0")
    header[100:108] = _octal(0o644, 8)
    header[108:116] = _octal(0, 8)
    header[116:124] = _octal(0, 8)
    header[124:136] = _octal(len(content), 12)
    header[136:148] = _octal(mtime, 12)
    header[148:156] = b" " * 8
    header[156:157] = b"0"
    checksum = sum(header)
    header[148:156] = format(checksum, "o").rjust(6, "0").encode() + b"\0 "
    padding = (-len(content)) % BLOCK
    return bytes(header) + content + b"\0" * padding


@dataclass
class Archive:
    """An archive being written; `entries` keeps (name, content) in order."""

    timestamp: int
    entries: list[tuple[str, bytes]] = field(default_factory=list)
    last_event: str | None = None
    height: int = -1

    def __post_init__(self) -> None:
        if not self.entries:
            header = dumps({"version": 1, "timestamp": str(self.timestamp)})
            self.entries.append(("BELENIOS", header.encode()))

    def add_data(self, text: str) -> str:
        content = text.encode()
        digest = hashlib.sha256(content).hexdigest()
        self.entries.append((f"{digest}.data.json", content))
        return digest

    def add_event(self, kind: str, payload: str | None = None) -> str:
        self.height += 1
        content = dumps(event_json(self.height, kind, self.last_event, payload)).encode()
        digest = hashlib.sha256(content).hexdigest()
        self.entries.append((f"{digest}.event.json", content))
        self.last_event = digest
        return digest

    def to_bytes(self) -> bytes:
        # Belenios appends to the file and writes no end-of-archive blocks.
        return b"".join(_tar_member(n, c, self.timestamp) for n, c in self.entries)

    def write(self, directory: Path, uuid: str) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{uuid}.bel"
        path.write_bytes(self.to_bytes())
        return path


def read_members(data: bytes) -> list[tuple[str, bytes]]:
    """The (name, content) pairs of a tar archive, in order, checking each header."""
    members: list[tuple[str, bytes]] = []
    offset = 0
    while offset + BLOCK <= len(data):
        header = data[offset : offset + BLOCK]
        if header == b"\0" * BLOCK:
            break
        stored = header[148:156]
        blank = header[:148] + b" " * 8 + header[156:]
        if int(stored.split(b"\0")[0].strip() or b"0", 8) != sum(blank):
            raise ValueError("archive header checksum mismatch")
        name = header[0:100].split(b"\0")[0].decode()
        size = int(header[124:136].split(b"\0")[0].strip() or b"0", 8)
        start = offset + BLOCK
        members.append((name, data[start : start + size]))
        offset = start + size + ((-size) % BLOCK)
    return members
