"""Names of saved files, shared by the API's downloads and the kontho command (kontho/filenames.py)."""

from __future__ import annotations

import pytest

from api.downloads import download_name
from kontho.filenames import MAX_STEM_BYTES, artifact_file_name, safe_stem

ZWJ, ZWNJ = "\u200d", "\u200c"


def test_joiners_that_shape_bangla_stay() -> None:
    # র‍্যাব (RAB) is written with a ZWJ after র; without it the reph form appears instead.
    assert safe_stem(f"র{ZWJ}্যাব", "01m8") == f"র{ZWJ}্যাব"
    assert safe_stem(f"কিছু{ZWNJ}টা", "01m8") == f"কিছু{ZWNJ}টা"
    assert download_name(f"র{ZWJ}্যাব", "01m8", ".mp3") == f"র{ZWJ}্যাব.mp3"


def test_other_invisible_formatting_is_dropped() -> None:
    # A right-to-left override would show "evil\u202egpj.exe" as "evilexe.jpg".
    assert safe_stem("evil\u202egpj.exe", "01m8") == "evilgpj.exe"
    assert safe_stem("a\u2066b\u2069c\ufeffd", "01m8") == "abcd"


def test_a_long_bangla_title_fits_a_file_system_name_and_ends_on_a_whole_letter() -> None:
    title = "অভিজ্ঞান শকুন্তলম্ " * 40
    stem = safe_stem(title, "01m8")
    assert len(stem.encode()) <= MAX_STEM_BYTES
    name = download_name(title, "01m8", " - chapter 0001.m4b")
    assert len(name.encode()) <= 255  # ext4's limit, which 120 Bangla characters (360 bytes) passed
    assert title.startswith(stem)
    # Never a dangling virama or vowel sign, which would join whatever the suffix starts with.
    for cut in range(60, 160):
        bounded = safe_stem("কণ্ঠ" * 100, "01m8", max_bytes=cut)
        assert len(bounded.encode()) <= cut
        assert bounded[-1] not in "্ঁংঃািীুূৃেৈোৌ", (cut, bounded[-3:])


def test_path_separators_and_reserved_characters_become_spaces() -> None:
    assert safe_stem("../../etc/passwd", "01m8") == "etc passwd"
    assert safe_stem("C:\\Windows\\system32", "01m8") == "C Windows system32"
    assert safe_stem('a*b?c"d<e>f|g', "01m8") == "a b c d e f g"
    assert "/" not in download_name("কবিতা/গান", "01m8", ".mp3")


def test_control_characters_are_dropped_and_whitespace_is_one_space() -> None:
    assert safe_stem("line\nbreak\ttab\x00nul\x1b[31m\x7f", "01m8") == "line break tabnul[31m"
    assert safe_stem("দুই\u00a0\u2003শব্দ", "01m8") == "দুই শব্দ"


@pytest.mark.parametrize("nothing", [None, "", "   ", "..", "/", "\u202e", "\x00\x01"])
def test_a_title_with_nothing_usable_falls_back_to_the_job_id(nothing: str | None) -> None:
    assert safe_stem(nothing, "01m8") == "01m8"
    assert download_name(nothing, "01m8", ".mp3") == "01m8.mp3"


def test_artifacts_are_named_after_the_stem() -> None:
    assert artifact_file_name("শকুন্তলা", "audio", "m4b", None, "audio.m4b") == "শকুন্তলা.m4b"
    chapter = artifact_file_name("শকুন্তলা", "chapter_audio", "mp3", 3, "0003.mp3")
    assert chapter == "শকুন্তলা - chapter 0003.mp3"
    subtitles = artifact_file_name("শকুন্তলা", "subtitles", "srt", None, "subtitles.srt")
    assert subtitles == "শকুন্তলা - subtitles.srt"
    assert artifact_file_name("শকুন্তলা", "marks", "json", None, "../etc") == "শকুন্তলা - etc"
    assert artifact_file_name("শকুন্তলা", "marks", "json", None, "..") == "শকুন্তলা - marks.json"
