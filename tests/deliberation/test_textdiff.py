"""Tests for deliberation.textdiff: word diff ops, unified diff and HTML rendering."""

from __future__ import annotations

import pytest

from deliberation.sanitize import html_to_text
from deliberation.textdiff import DiffOp, diff_to_html, text_diff, tokenize, unified_diff

OLD = "<p>Le conseil vote le budget.</p><p>Fin.</p>"
NEW = "<p>Le bureau adopte le budget&nbsp;!</p><p>Fin.</p><p>Annexe</p>"


def test_tokenize_separates_words_spaces_punctuation_and_paragraphs() -> None:
    assert tokenize("Élodie vote, oui.\n\nSuite") == [
        "Élodie",
        " ",
        "vote",
        ",",
        " ",
        "oui",
        ".",
        "\n\n",
        "Suite",
    ]


def test_identical_texts_give_one_equal_op() -> None:
    text = "Le conseil vote le budget.\n\nFin."
    assert text_diff(OLD, OLD) == [DiffOp(op="equal", old=text, new=text)]


def test_empty_texts_give_no_ops() -> None:
    assert text_diff("", "") == []


def test_reworded_phrase_is_one_replacement() -> None:
    ops = text_diff(OLD, NEW)
    assert ops == [
        DiffOp(op="equal", old="Le ", new="Le "),
        DiffOp(op="replace", old="conseil vote", new="bureau adopte"),
        DiffOp(op="equal", old=" le budget", new=" le budget"),
        DiffOp(op="replace", old=".", new="\xa0!"),
        DiffOp(op="equal", old="\n\nFin.", new="\n\nFin."),
        DiffOp(op="insert", old="", new="\n\nAnnexe"),
    ]


def test_deletion_is_reported() -> None:
    assert text_diff("<p>Un deux trois</p>", "<p>Un trois</p>") == [
        DiffOp(op="equal", old="Un ", new="Un "),
        DiffOp(op="delete", old="deux ", new=""),
        DiffOp(op="equal", old="trois", new="trois"),
    ]


def test_changed_words_separated_by_single_spaces_fold_together() -> None:
    assert text_diff("<p>x y z</p>", "<p>a b c</p>") == [
        DiffOp(op="replace", old="x y z", new="a b c")
    ]


def test_changes_in_different_paragraphs_stay_apart() -> None:
    assert text_diff("<p>x</p><p>y</p>", "<p>a</p><p>b</p>") == [
        DiffOp(op="replace", old="x", new="a"),
        DiffOp(op="equal", old="\n\n", new="\n\n"),
        DiffOp(op="replace", old="y", new="b"),
    ]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (OLD, NEW),
        ("", "<p>Nouveau texte</p>"),
        ("<p>Ancien texte</p>", ""),
        ("<ul><li>a</li><li>b</li></ul>", "<ol><li>b</li><li>c</li></ol>"),
        ("<p>x y z</p>", "<p>a b c</p>"),
        ("<p>même</p>", "<p>même</p>"),
    ],
)
def test_ops_rebuild_both_texts(old: str, new: str) -> None:
    ops = text_diff(old, new)
    assert "".join(op.old for op in ops) == html_to_text(old)
    assert "".join(op.new for op in ops) == html_to_text(new)
    for op in ops:
        assert op.op in {"equal", "insert", "delete", "replace"}
        if op.op == "equal":
            assert op.old == op.new
        elif op.op == "insert":
            assert op.old == "" and op.new
        elif op.op == "delete":
            assert op.old and op.new == ""
        else:
            assert op.old and op.new and op.old != op.new
    for first, second in zip(ops, ops[1:], strict=False):
        assert "equal" in {first.op, second.op}, "two changes in a row should be one"


def test_diff_ops_are_frozen() -> None:
    op = DiffOp(op="equal", old="a", new="a")
    with pytest.raises(AttributeError):
        op.old = "b"  # type: ignore[misc]


def test_diff_to_html_marks_changes_and_escapes_text() -> None:
    ops = [
        DiffOp(op="equal", old="a < b ", new="a < b "),
        DiffOp(op="replace", old="<script>", new="&amp;"),
        DiffOp(op="delete", old='"x"', new=""),
        DiffOp(op="insert", old="", new="'y'"),
    ]
    assert diff_to_html(ops) == (
        "a &lt; b <del>&lt;script&gt;</del><ins>&amp;amp;</ins>"
        "<del>&quot;x&quot;</del><ins>&#x27;y&#x27;</ins>"
    )


def test_diff_to_html_of_real_versions() -> None:
    assert diff_to_html(text_diff(OLD, NEW)) == (
        "Le <del>conseil vote</del><ins>bureau adopte</ins> le budget"
        "<del>.</del><ins>\xa0!</ins>\n\nFin.<ins>\n\nAnnexe</ins>"
    )


def test_unified_diff_is_line_based() -> None:
    assert unified_diff("<p>a</p><p>b</p>", "<p>a</p><p>c</p>") == (
        "--- before\n+++ after\n@@ -1,3 +1,3 @@\n a\n \n-b\n+c"
    )


def test_unified_diff_labels_and_context() -> None:
    diff = unified_diff(
        "<p>1</p><p>2</p><p>3</p>",
        "<p>1</p><p>2</p><p>4</p>",
        old_label="v1",
        new_label="v2",
        context=0,
    )
    assert diff == "--- v1\n+++ v2\n@@ -5 +5 @@\n-3\n+4"


def test_unified_diff_of_equal_texts_is_empty() -> None:
    assert unified_diff(OLD, OLD) == ""
