"""Word-level and line-level differences between two versions of a clean HTML text."""

from __future__ import annotations

import difflib
import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final, Literal

from deliberation.sanitize import html_to_text

__all__ = ["DiffOp", "OpName", "diff_to_html", "text_diff", "tokenize", "unified_diff"]

type OpName = Literal["equal", "insert", "delete", "replace"]

# A token is a paragraph break, a run of other whitespace, a word or one other character,
# so punctuation changes do not mark the whole neighbouring word as changed.
_TOKEN: Final = re.compile(r"\n[^\S\n]*\n\s*|\s+|\w+|[^\w\s]")


@dataclass(frozen=True, slots=True)
class DiffOp:
    """One step from the old text to the new one; old and new are plain text."""

    op: OpName
    old: str
    new: str


def tokenize(text: str) -> list[str]:
    """Split plain text into paragraph breaks, whitespace runs, words and punctuation."""
    return _TOKEN.findall(text)


def text_diff(old_html: str, new_html: str) -> list[DiffOp]:
    """Return the word-level steps turning the text of old_html into that of new_html.

    Both arguments are clean HTML (see deliberation.sanitize); the comparison is on
    their plain text. Joining every op's old gives the old text, every op's new the
    new text. A single space between two changes is folded into them, so that
    rewording a phrase reads as one replacement rather than word-by-word ones.
    """
    old_tokens = tokenize(html_to_text(old_html))
    new_tokens = tokenize(html_to_text(new_html))
    matcher = difflib.SequenceMatcher(None, old_tokens, new_tokens, autojunk=False)
    ops = [
        DiffOp(
            op=tag,
            old="".join(old_tokens[i1:i2]),
            new="".join(new_tokens[j1:j2]),
        )
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
    ]
    return _fold_spaces(ops)


def _fold_spaces(ops: Sequence[DiffOp]) -> list[DiffOp]:
    """Merge changes separated only by whitespace within a line into a single change."""
    folded: list[DiffOp] = []
    for index, op in enumerate(ops):
        previous = folded[-1] if folded and folded[-1].op != "equal" else None
        following = ops[index + 1] if index + 1 < len(ops) else None
        is_gap = (
            op.op == "equal"
            and op.old.isspace()
            and "\n" not in op.old
            and following is not None
            and following.op != "equal"
        )
        if previous is not None and (is_gap or op.op != "equal"):
            old, new = previous.old + op.old, previous.new + op.new
            folded[-1] = DiffOp(op=_kind(old, new), old=old, new=new)
        else:
            folded.append(op)
    return folded


def _kind(old: str, new: str) -> OpName:
    if old and new:
        return "equal" if old == new else "replace"
    return "delete" if old else "insert"


def unified_diff(
    old_html: str,
    new_html: str,
    *,
    old_label: str = "before",
    new_label: str = "after",
    context: int = 3,
) -> str:
    """Return a line-based unified diff of the plain texts, or "" when they are equal."""
    old_lines = html_to_text(old_html).splitlines()
    new_lines = html_to_text(new_html).splitlines()
    lines = difflib.unified_diff(
        old_lines, new_lines, fromfile=old_label, tofile=new_label, n=context, lineterm=""
    )
    return "\n".join(lines)


def diff_to_html(ops: Iterable[DiffOp]) -> str:
    """Render ops as escaped text with <del> and <ins>; newlines are kept as they are.

    The result is safe to insert in a page as it is; the container should keep
    line breaks visible (white-space: pre-wrap).
    """
    parts: list[str] = []
    for op in ops:
        if op.op == "equal":
            parts.append(html.escape(op.new))
            continue
        if op.old:
            parts.append(f"<del>{html.escape(op.old)}</del>")
        if op.new:
            parts.append(f"<ins>{html.escape(op.new)}</ins>")
    return "".join(parts)
