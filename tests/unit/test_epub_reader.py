"""EPUB books to Markdown chapters: titles from the contents, front matter left out, bad files refused."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from ebooklib import epub

from kontho.text.chapters import split_chapters
from kontho.text.epub import EpubError, read_epub
from kontho.text.unicode import normalize_unicode
from tests.conftest import corpus_chapter
from tests.epubs import build_epub

CHAPTERS = [
    ("প্রথম অধ্যায়", "শকুন্তলা বনের পথে হাঁটছিল।\nপাখিরা গান গাইছিল।"),
    ("দ্বিতীয় অধ্যায়", "রাজা দুষ্মন্ত শিকারে এলেন।"),
]


def _book(tmp_path: Path, body: str, name: str = "c.xhtml", toc_title: str = "অধ্যায়") -> bytes:
    book = epub.EpubBook()
    book.set_identifier("x")
    book.set_title("বই")
    book.set_language("bn")
    chapter = epub.EpubHtml(title=toc_title, file_name=name, lang="bn")
    chapter.content = f"<html><body>{body}</body></html>"
    book.add_item(chapter)
    book.toc = [chapter]
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.spine = ["nav", chapter]
    epub.write_epub(str(tmp_path / "b.epub"), book)
    return (tmp_path / "b.epub").read_bytes()


def test_chapters_come_in_spine_order_with_contents_titles_and_metadata(tmp_path: Path) -> None:
    book = read_epub(build_epub(tmp_path / "b.epub", CHAPTERS))
    assert (book.title, book.author, book.language) == ("শকুন্তলা", "অবনীন্দ্রনাথ ঠাকুর", "bn")
    assert [c.title for c in book.chapters] == ["প্রথম অধ্যায়", "দ্বিতীয় অধ্যায়"]
    assert book.chapters[0].text == "শকুন্তলা বনের পথে হাঁটছিল।\n\nপাখিরা গান গাইছিল।"  # heading not repeated
    assert book.skipped == ["nav.xhtml", "titlepage.xhtml"]


def test_front_matter_is_kept_when_asked_but_never_the_navigation(tmp_path: Path) -> None:
    book = read_epub(build_epub(tmp_path / "b.epub", CHAPTERS), skip_front_matter=False)
    assert [c.source for c in book.chapters] == ["titlepage.xhtml", "chapter_1.xhtml", "chapter_2.xhtml"]
    assert book.skipped == ["nav.xhtml"]


def test_markdown_round_trips_through_the_chapter_reader(tmp_path: Path) -> None:
    markdown = read_epub(build_epub(tmp_path / "b.epub", CHAPTERS)).to_markdown()
    found = split_chapters(markdown, markdown=True)
    assert [c.title for c in found] == [normalize_unicode(title) for title, _ in CHAPTERS]
    assert "পাখিরা গান গাইছিল।" in markdown[found[0].heading_end : found[0].end]


def test_markup_is_read_as_a_person_would(tmp_path: Path) -> None:
    body = (
        "<h2>অধ্যায়</h2><script>var x = 1;</script><style>p {}</style>"
        "<p>এক<br/>দুই <b>তিন</b> <span>চার</span></p>"
        "<p># শিরোনাম নয়</p><p>- তালিকা নয়</p>"
        '<aside epub:type="footnote">পাদটীকা</aside>'
    )
    book = read_epub(_book(tmp_path, body))
    (chapter,) = book.chapters
    assert chapter.text == "এক দুই তিন চার\n\nশিরোনাম নয়\n\nতালিকা নয়"
    assert len(split_chapters(book.to_markdown(), markdown=True)) == 1


def test_a_title_page_is_known_by_its_file_name_when_nothing_else_marks_it(tmp_path: Path) -> None:
    with pytest.raises(EpubError, match="no readable text"):
        read_epub(_book(tmp_path, "<p>প্রচ্ছদ</p>", name="cover.xhtml"))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"\x00\x01 not a zip", "not a ZIP"),
        (None, "container.xml"),
    ],
)
def test_files_that_are_not_epubs_are_refused_with_the_reason(data: bytes | None, message: str) -> None:
    if data is None:  # a ZIP, but not an EPUB
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("notes.txt", "কিছু কথা")
        data = buffer.getvalue()
    with pytest.raises(EpubError, match=message):
        read_epub(data)


def test_an_epub_whose_documents_are_empty_is_refused(tmp_path: Path) -> None:
    with pytest.raises(EpubError, match="no readable text"):
        read_epub(_book(tmp_path, "<div>   </div>"))


def test_the_corpus_book_reads_as_four_chapters(tmp_path: Path) -> None:
    chapters = [(f"পর্ব {n}", corpus_chapter(n)) for n in range(1, 5)]
    book = read_epub(build_epub(tmp_path / "book.epub", chapters))
    assert [c.title for c in book.chapters] == [f"পর্ব {n}" for n in range(1, 5)]
    first_line = next(line for line in corpus_chapter(1).splitlines() if line.strip())
    assert book.chapters[0].text.startswith(" ".join(first_line.split())[:20])
