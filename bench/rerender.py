"""Re-rendering a book after a small change: what the tenant's chunk cache saves.

``python -m bench.rerender`` runs the local stack (moto over HTTP, one worker, espeak-ng voice) and renders
the corpus book four times over (tests/corpus/shakuntala/, all chapters, as one MP3 job), then:

- the same book with one sentence edited in one chapter,
- the same book with one lexicon entry added for a word that occurs in only a handful of paragraphs.

For each it records the chunks rendered and reused (the job's result), the seconds the voice spent
synthesizing (the job's ``usage.synthesis_seconds``), the job's wall seconds, and the ratio of the edited
render's synthesis time to the first's (target: at most 2 % for the one-sentence edit). Results:
bench/results/rerender.json.
"""

from __future__ import annotations

import json
import re
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from bench.longform import local_stack
from bench.throughput import CORPUS, REPO
from client.http import KonthoClient
from kontho.tenants import LOCAL_KEY

RESULTS = REPO / "bench" / "results" / "rerender.json"
COPIES = 4
LEXICON = "rerender-bench"


def the_book() -> str:
    chapters = [p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("chapter_*.txt"))]
    return "\n\n".join(chapters * COPIES)


def edit_one_sentence(book: str) -> str:
    """One sentence in the middle of the book (a chapter of the third copy) gains a word."""
    paragraphs = book.split("\n\n")
    middle = len(paragraphs) * 5 // 8
    index = next(i for i in range(middle, len(paragraphs)) if "।" in paragraphs[i])
    paragraphs[index] = paragraphs[index].replace("।", " আজ।", 1)
    return "\n\n".join(paragraphs)


def rare_word(book: str) -> str:
    """A word of at least five letters found in two or three paragraphs of one copy of the book."""
    one_copy = book.split("\n\n")[: len(book.split("\n\n")) // COPIES]
    counts: Counter[str] = Counter()
    for paragraph in one_copy:
        counts.update(set(re.findall(r"[\u0980-\u09ff]{5,}", paragraph)))
    return next(word for word, n in sorted(counts.items()) if 2 <= n <= 3)


def run(client: KonthoClient, text: str, **options: Any) -> dict[str, Any]:
    started = time.monotonic()
    job = client.wait(client.submit(text, format="mp3", **options)["id"], timeout=3600, poll_seconds=0.5)
    wall = time.monotonic() - started
    if job["status"] != "completed":
        raise RuntimeError(f"job {job['status']}: {job['error']}")
    result = client.result(job["id"])
    return {
        "chunks_total": result["chunks_total"],
        "chunks_rendered": result["chunks_rendered"],
        "chunks_reused": result["chunks_reused"],
        "characters": job["usage"]["characters"],
        "characters_synthesized": job["usage"]["characters_synthesized"],
        "synthesis_s": job["usage"]["synthesis_seconds"],
        "wall_s": round(wall, 2),
        "audio_seconds": result["audio"]["duration_seconds"],
    }


def main() -> None:
    book = the_book()
    word = rare_word(book)
    with tempfile.TemporaryDirectory() as state, local_stack(state) as stack:
        client = KonthoClient(stack.api_url, api_key=LOCAL_KEY)
        first = run(client, book)
        print(f"first: {first}")
        edit = run(client, edit_one_sentence(book))
        print(f"one sentence edited: {edit}")
        entry = {"grapheme": word, "alias": word + "ই"}
        client.put_lexicon(LEXICON, json.dumps({"entries": [entry]}).encode(), "application/json")
        lexicon = run(client, book, lexicons=[LEXICON])
        print(f"one lexicon entry ({word}): {lexicon}")
    report = {
        "benchmark": "rerender",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "voice": "bn-espeak",
        "book": f"tests/corpus/shakuntala × {COPIES}",
        "first_wall_s": first["wall_s"],
        "first_synthesis_s": first["synthesis_s"],
        "edit_wall_s": edit["wall_s"],
        "edit_chunks_rendered": edit["chunks_rendered"],
        "edit_chunks_reused": edit["chunks_reused"],
        "edit_synthesis_ratio": round(edit["synthesis_s"] / first["synthesis_s"], 4),
        "lexicon_word": word,
        "lexicon_wall_s": lexicon["wall_s"],
        "lexicon_chunks_rendered": lexicon["chunks_rendered"],
        "lexicon_chunks_reused": lexicon["chunks_reused"],
        "lexicon_synthesis_ratio": round(lexicon["synthesis_s"] / first["synthesis_s"], 4),
        "runs": {"first": first, "edit": edit, "lexicon": lexicon},
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(
        f"edit: {edit['chunks_rendered']} rendered, {edit['chunks_reused']} reused, synthesis ratio "
        f"{report['edit_synthesis_ratio']:.2%}; lexicon: {lexicon['chunks_rendered']} rendered; "
        f"wrote {RESULTS.name}"
    )


if __name__ == "__main__":
    main()
