"""How the kontho command shows things: one unit style, tables that fit an 80-column terminal, JSON.

Units, everywhere: durations as h:mm:ss, sizes in MB (10^6 bytes), times in UTC as YYYY-MM-DD HH:MM:SS.
Tables never cut an id, a date or a header: those columns do not wrap, the one free-text column (a title,
a description) folds instead, and the padding is two spaces between columns.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import Any

from rich import box
from rich.table import Table
from rich.text import Text


def duration(seconds: float | None) -> str:
    """``h:mm:ss``; hours do not roll over into days, so 30 hours of audio read ``30:00:00``."""
    if seconds is None:
        return "-"
    whole = round(seconds)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def megabytes(size: int) -> str:
    return f"{size / 1e6:,.2f} MB"


def utc(timestamp: str | None) -> str:
    if not timestamp:
        return "-"
    return datetime.fromisoformat(timestamp).strftime("%Y-%m-%d %H:%M:%S")


def print_json(value: Any) -> None:
    """The API's JSON as it came, for scripts: UTF-8, not escaped, one document on stdout."""
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2) + "\n")
    sys.stdout.flush()


def new_table(title: str | None = None) -> Table:
    return Table(
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=(0, 1, 0, 0),
        title=title,
        title_justify="left",
        title_style="bold",
    )


def jobs_table(jobs: list[dict[str, Any]]) -> Table:
    """A job per row; the title goes under the id, so neither squeezes the dates off an 80-column line."""
    table = new_table()
    table.add_column("id / title", overflow="fold")
    table.add_column("status", no_wrap=True)
    table.add_column("done", no_wrap=True, justify="right")
    table.add_column("audio", no_wrap=True, justify="right")
    table.add_column("created (UTC)", no_wrap=True)
    for job in jobs:
        p = job["progress"]
        label = Text(job["id"])
        if job.get("title"):
            label.append("\n" + job["title"], style="dim")
        table.add_row(
            label, job["status"], f"{p['percent']:.0f}%", duration(p["audio_seconds"]), utc(job["created_at"])
        )
    return table


_USAGE_COLUMNS = ["day", "jobs", "characters", "completed", "failed", "audio", "compute", "stored MB"]


def usage_table(usage: dict[str, Any]) -> Table:
    """Days with any activity, then the total; ``jobs`` counts submissions, ``stored MB`` artifacts."""
    table = new_table(f"usage {usage['from']} – {usage['to']} (UTC days)")
    for name in _USAGE_COLUMNS:
        table.add_column(name, no_wrap=True, justify="left" if name == "day" else "right")

    def row(d: dict[str, Any]) -> list[str]:
        return [
            str(d["jobs_submitted"]),
            f"{d['characters']:,}",
            str(d["jobs_completed"]),
            str(d["jobs_failed"]),
            duration(d["audio_seconds"]),
            duration(d["compute_seconds"]),
            f"{d['bytes_stored'] / 1e6:,.2f}",
        ]

    for day in usage["days"]:
        if day["jobs_submitted"] or day["jobs_completed"] or day["jobs_failed"]:
            table.add_row(day["day"], *row(day))
    table.add_row("total", *row(usage["total"]), style="bold")
    return table


def voices_table(voices: list[dict[str, Any]]) -> Table:
    table = new_table()
    table.add_column("id", no_wrap=True)
    table.add_column("engine", no_wrap=True)
    table.add_column("lang", no_wrap=True)
    table.add_column("Hz", no_wrap=True, justify="right")
    table.add_column("description", overflow="fold", ratio=1)
    for v in voices:
        name = v["id"] + (" (default)" if v["default"] else "")
        table.add_row(name, v["engine"], v["language"], str(v["sample_rate"]), v["description"])
    return table


def lexicons_table(lexicons: list[dict[str, Any]]) -> Table:
    """A lexicon per row; the digest shortened to its first twelve hex digits, enough to tell versions."""
    table = new_table()
    table.add_column("name", overflow="fold", ratio=1)
    table.add_column("entries", no_wrap=True, justify="right")
    table.add_column("updated (UTC)", no_wrap=True)
    table.add_column("digest", no_wrap=True)
    for lexicon in lexicons:
        table.add_row(
            lexicon["name"],
            f"{lexicon['entry_count']:,}",
            utc(lexicon["updated_at"]),
            short_digest(lexicon["digest"]),
        )
    return table


def short_digest(digest: str) -> str:
    return digest.removeprefix("sha256:")[:12]


def lexicon_table(lexicon: dict[str, Any]) -> Table:
    """A lexicon's entries in order: the written form, what is read (alias, then /phoneme/), and its rules."""
    title = (
        f"{lexicon['name']}: {lexicon['entry_count']:,} entries, {short_digest(lexicon['digest'])}, "
        f"updated {utc(lexicon['updated_at'])} UTC"
    )
    table = new_table(title)
    table.expand = True  # the title is long; the two text columns share what is left of the line
    table.add_column("written", overflow="fold", ratio=1)
    table.add_column("read as", overflow="fold", ratio=1)
    table.add_column("case", no_wrap=True)
    table.add_column("word", no_wrap=True)
    for entry in lexicon["entries"]:
        reading = "\n".join(
            part
            for part in (entry.get("alias"), f"/{entry['phoneme']}/" if entry.get("phoneme") else None)
            if part
        )
        table.add_row(
            entry["grapheme"],
            reading,
            "exact" if entry["case_sensitive"] else "any",
            "whole" if entry["whole_word"] else "part",
        )
    return table


def status_lines(job: dict[str, Any], phase: str) -> list[str]:
    """``kontho status``: the id and state, then one field a line, in the units above."""
    p, usage = job["progress"], job["usage"]
    lines = [f"{job['id']}  {job['status']}"]

    def field(name: str, value: str) -> None:
        lines.append(f"  {name:<9} {value}")

    if job.get("title"):
        field("title", job["title"])
    field("voice", f"{job['voice']}, {job['format']}")
    if job["status"] == "running":
        field("phase", phase)
    chunks = f"{p['done']}/{p['total']} chunks ({p['percent']:.1f}%)"
    field("progress", chunks + (f", chapter {p['chapter']}/{p['chapters']}" if p["chapters"] else ""))
    if p.get("reused"):
        field("reused", f"{p['reused']} chunks from the cache")
    if usage.get("characters_synthesized") is not None and job["status"] == "completed":
        synthesized, submitted = usage["characters_synthesized"], usage["characters"]
        field("read", f"{synthesized:,} of {submitted:,} characters synthesized")
    field("audio", duration(p["audio_seconds"]))
    if job["status"] == "running" and p.get("eta_seconds"):
        field("eta", duration(p["eta_seconds"]))
    if usage["compute_seconds"]:
        field(
            "compute",
            duration(usage["compute_seconds"]) + (f" ({usage['device']})" if usage["device"] else ""),
        )
    if usage["bytes_stored"]:
        field("stored", megabytes(usage["bytes_stored"]))
    field("created", utc(job["created_at"]) + " UTC")
    if job.get("finished_at"):
        field("finished", utc(job["finished_at"]) + " UTC")
    return lines
