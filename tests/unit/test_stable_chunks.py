"""Chunk boundaries stay put under a local edit, so a re-rendered book reuses every chunk it did not touch."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from kontho.settings import Settings
from kontho.text.chunking import plan_chunks
from kontho.text.segment import paragraphs_with_spans
from tests.conftest import REPO, corpus_chapter

MAX_CHARS = Settings().chunk_max_chars


def _sentences(chapter: int) -> list[str]:
    return [s.text for p in paragraphs_with_spans(corpus_chapter(chapter)) for s in p]


def _long_paragraph(chapter: int) -> list[str]:
    """A chapter's sentences as one paragraph: the many sentences a long paragraph packs."""
    return _sentences(chapter)


def _texts(sentences: list[str]) -> list[str]:
    return [c.text for c in plan_chunks(" ".join(sentences), MAX_CHARS)]


def _rendered_again(before: list[str], after: list[str]) -> int:
    """How many chunks of the edited text a cache holding the original's chunks does not have."""
    cached = set(_texts(before))
    return sum(text not in cached for text in _texts(after))


_EDITS = {
    "insert": lambda s, k, new: [*s[:k], new, *s[k:]],
    "change": lambda s, k, new: [*s[:k], f"তখন {s[k]}", *s[k + 1 :]],
    "change_ending": lambda s, k, new: [*s[:k], f"{s[k][:-1]} কি না{s[k][-1]}", *s[k + 1 :]],
    "delete": lambda s, k, new: [*s[:k], *s[k + 1 :]],
}


@pytest.mark.parametrize("edit", list(_EDITS))
def test_one_sentence_edited_in_the_middle_of_a_long_paragraph_renders_at_most_two_chunks_again(
    edit: str,
) -> None:
    sentences = _long_paragraph(2)  # greedy packing re-renders 6 or 7 of its chunks for these edits
    assert len(_texts(sentences)) >= 8  # long enough that greedy packing would shift many boundaries
    middle = len(sentences) // 2
    new = "সেই দিন বনের ভিতর দিয়ে এক নতুন পথিক ধীরে ধীরে আশ্রমের দিকে চলে এল।"
    assert _rendered_again(sentences, _EDITS[edit](sentences, middle, new)) <= 2


@pytest.mark.parametrize("edit", list(_EDITS))
def test_an_edit_anywhere_in_a_long_paragraph_re_renders_about_one_chunk(edit: str) -> None:
    """Every place in the book, one edit at a time: the chunk holding it, sometimes a neighbour, rarely more.

    A cut is chosen by rank among the places of the range that holds it, so an edit that ranks highest
    where a neighbour's cut was moves that cut too (a few percent of places).
    """
    counts = []
    for chapter in (1, 2, 3, 4):
        sentences = _long_paragraph(chapter)
        others = _sentences(5 - chapter)
        for k in range(1, len(sentences) - 1):
            new = others[k % len(others)].replace("।", f" {k}।")  # a real sentence, new to this text
            counts.append(_rendered_again(sentences, _EDITS[edit](sentences, k, new)))
    assert sum(counts) / len(counts) <= 1.7
    assert sum(n <= 2 for n in counts) >= 0.9 * len(counts)
    assert max(counts) <= 5  # greedy packing: up to 16, the rest of the paragraph


def test_boundaries_are_the_same_in_every_process() -> None:
    """The cut is chosen by a digest of the text, never by Python's per-process salted ``hash()``."""
    sentences = _long_paragraph(2)
    here = _texts(sentences)
    script = (
        "import json, sys\n"
        "from kontho.text.chunking import plan_chunks\n"
        "text = sys.stdin.read()\n"
        f"print(json.dumps([c.text for c in plan_chunks(text, {MAX_CHARS})]))\n"
    )
    for seed in ("1", "2"):
        out = subprocess.run(
            [sys.executable, "-c", script],
            input=" ".join(sentences),
            capture_output=True,
            text=True,
            check=True,
            cwd=REPO,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        assert json.loads(out) == here


@pytest.mark.timeout(30)
def test_sentences_picked_to_rank_in_order_cannot_make_planning_quadratic() -> None:
    """Each cut taken at the range's end would cost a scan of the whole paragraph per chunk."""
    from kontho.text.chunking import _cut_rank  # the rank such text is built from

    sentences = sorted((f"ক{i}।" for i in range(200_000)), key=lambda s: _cut_rank(s, 0))
    chunks = plan_chunks(" ".join(sentences), MAX_CHARS)
    assert max(len(c.text) for c in chunks) <= MAX_CHARS
    assert " ".join(c.text for c in chunks) == " ".join(sentences)


def test_repeated_sentences_are_cut_like_any_others() -> None:
    chunks = plan_chunks("এক কথা বারবার। " * 5_000, MAX_CHARS)
    assert max(len(c.text) for c in chunks) <= MAX_CHARS
    assert min(len(c.text) for c in chunks) >= MAX_CHARS // 3
