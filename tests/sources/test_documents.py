"""Parsing documents and splitting them into citable excerpts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.errors import DocumentRejected
from bot.sources.documents import (
    MAX_DOCUMENT_BYTES,
    MAX_EXCERPT_CHARS,
    MAX_TITLE_CHARS,
    Chunk,
    parse_document,
    split_excerpts,
)
from tests.conftest import SEEDS

# What a sentence end looks like to a reader: . ! ? or …, closing quotes or brackets, an optional "[1, 2]".
_READER_SENTENCE_END = re.compile(r"[.!?\u2026]+[\"'\u201d\u2019)\]]*(?:\s*\[[\d,\s]+\])?$")


def _sentence(words: int, seed: int) -> str:
    """Return a plain sentence of about `words` words, different for each seed."""
    return " ".join(f"word{seed}x{i}" for i in range(words)).capitalize() + "."


LONG_PARAGRAPH = " ".join(_sentence(9, n) for n in range(60))
PARAGRAPH_A = (
    "Supporters of a pause argue that verification is possible because frontier training runs need "
    "enormous data centres. Such sites are hard to hide from inspectors."
)
PARAGRAPH_B = (
    "Critics answer that a pause would only slow the careful labs, while others keep going in secret. "
    "They also doubt that any treaty could be enforced across borders."
)
PARAGRAPH_C = (
    "A third group proposes compute thresholds instead: only runs above a set size would need a licence. "
    "Smaller research would continue unhindered."
)

TEXTS = {
    "short": "A pause is a bad idea.",
    "one line without a full stop": "Notes on the pause debate",
    "headings and paragraphs": (
        f"# The pause debate\n\n{PARAGRAPH_A}\n\n## Objections\n{PARAGRAPH_B}\n\n{PARAGRAPH_C}\n"
    ),
    "very long paragraph": f"Background\n{LONG_PARAGRAPH}\n{PARAGRAPH_A}",
    "crlf line endings": f"Heading\r\n{PARAGRAPH_A}\r\n\r\n{PARAGRAPH_B}\r\n",
    "unicode quotes": (
        "\u201cWe believe a pause is wise,\u201d the company said. \u2018Really?\u2019 asked a critic. "
        "\u201cYes.\u201d Then nothing\u2026 And more!"
    ),
    "abbreviations": "Dr. Smith met U.S. officials on Monday. They agreed on a plan. Mr. Jones was not there.",
    "citation marks": "Labs race to build frontier systems [1, 2]. Critics warn of the risks [3]. Others disagree.",
    "blank and indented lines": f"\n\n   {PARAGRAPH_A}   \n \t \n\n{PARAGRAPH_B}\n\n\n{PARAGRAPH_C}\n\n",
    "one sentence longer than the limit": f"{PARAGRAPH_A} It is a {'very ' * 300}long one.\n{PARAGRAPH_B}",
}


def _paragraph_at(text: str, offset: int) -> int:
    """Return the 1-based number of the non-blank line holding the character at `offset`."""
    return sum(1 for line in text[: offset + 1].split("\n") if line.strip())


def assert_well_formed(text: str, chunks: list[Chunk]) -> None:
    """Check every promise split_excerpts makes about its excerpts of `text`."""
    assert chunks, "a text with words in it gives at least one excerpt"
    assert [c.position for c in chunks] == list(range(1, len(chunks) + 1))
    previous_end = 0
    for chunk in chunks:
        assert chunk.text == text[chunk.start : chunk.end]
        assert previous_end <= chunk.start < chunk.end, "excerpts are in order and never overlap"
        previous_end = chunk.end
        assert chunk.sentences, "every excerpt has at least one sentence"
        assert chunk.sentences[0].start == chunk.start
        assert chunk.sentences[-1].end == chunk.end, "an excerpt ends where a sentence ends"
        sentence_start = chunk.start
        for span in chunk.sentences:
            assert sentence_start <= span.start < span.end <= chunk.end, "each sentence lies inside its excerpt"
            sentence_start = span.end
            sentence = text[span.start : span.end]
            assert sentence == sentence.strip()
        assert len(chunk.text) <= MAX_EXCERPT_CHARS or len(chunk.sentences) == 1
        # Never cut mid-word: the excerpt ends at the end of the text or before whitespace.
        assert chunk.end == len(text) or text[chunk.end].isspace()
        ends_line = chunk.end == len(text) or text[chunk.end] in "\r\n"
        assert ends_line or _READER_SENTENCE_END.search(chunk.text), f"excerpt ends mid-sentence: {chunk.text[-40:]!r}"
        assert chunk.paragraph == _paragraph_at(text, chunk.start)
        assert chunk.last_paragraph == _paragraph_at(text, chunk.end - 1)
    # Nothing is lost: the sentences hold every non-blank character of the text, in order.
    kept = "".join(text[s.start : s.end] for c in chunks for s in c.sentences)
    assert re.sub(r"\s", "", kept) == re.sub(r"\s", "", text)


@pytest.mark.parametrize("text", TEXTS.values(), ids=TEXTS.keys())
def test_excerpts_are_exact_ordered_slices_that_never_cut_a_sentence(text: str) -> None:
    """Every excerpt is text[start:end], in order, without overlap, made of whole sentences within the size limit."""
    assert_well_formed(text, split_excerpts(text))


@pytest.mark.parametrize("seed", sorted(SEEDS.glob("*.txt")), ids=lambda path: path.name)
def test_seed_articles_split_into_well_formed_excerpts(seed: Path) -> None:
    """Each real seed article parses and splits into exact, whole-sentence excerpts."""
    parsed = parse_document(seed.name, seed.read_bytes())
    assert_well_formed(parsed.text, split_excerpts(parsed.text))


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        (
            "Dr. Smith met U.S. officials on Monday. They agreed on a plan. Mr. Jones was not there.",
            ["Dr. Smith met U.S. officials on Monday.", "They agreed on a plan.", "Mr. Jones was not there."],
        ),
        (
            "The U.S. Senate held hearings. Prof. Lee, e.g. in her report, urged caution.",
            ["The U.S. Senate held hearings.", "Prof. Lee, e.g. in her report, urged caution."],
        ),
        (
            "Labs race to build frontier systems [1, 2]. Critics warn of the risks [3]. Others disagree.",
            ["Labs race to build frontier systems [1, 2].", "Critics warn of the risks [3].", "Others disagree."],
        ),
        (
            "Labs race ahead. [4] Critics object.",
            ["Labs race ahead. [4]", "Critics object."],
        ),
        (
            (
                "\u201cA pause is wise,\u201d the company said. \u2018Really?\u2019 asked a critic. "
                "\u201cYes.\u201d Fine\u2026 Go!"
            ),
            [
                "\u201cA pause is wise,\u201d the company said.",
                "\u2018Really?\u2019 asked a critic.",
                "\u201cYes.\u201d",
                "Fine\u2026",
                "Go!",
            ],
        ),
        (
            "Is a pause possible? Yes! It was tried in 1975 (at Asilomar). It worked.",
            ["Is a pause possible?", "Yes!", "It was tried in 1975 (at Asilomar).", "It worked."],
        ),
        ("No full stop at the end", ["No full stop at the end"]),
    ],
    ids=["titles and initials", "e.g. and initials", "citations", "citation after stop", "quotes", "? ! ()", "open"],
)
def test_sentences_split_where_a_reader_would(text: str, sentences: list[str]) -> None:
    """Sentences end at . ! ? or … (with quotes and citations), not after abbreviations or initials."""
    (chunk,) = split_excerpts(text)
    assert [text[s.start : s.end] for s in chunk.sentences] == sentences


def test_short_heading_is_joined_to_the_following_paragraph() -> None:
    """A heading shorter than an excerpt is never an excerpt on its own: it starts the next paragraph's excerpt."""
    text = f"Objections\n\n{PARAGRAPH_B}\n\n{PARAGRAPH_C}"
    chunks = split_excerpts(text)
    assert [(c.paragraph, c.last_paragraph) for c in chunks] == [(1, 2), (3, 3)]
    assert chunks[0].text.startswith("Objections\n\nCritics answer")


def test_short_last_paragraph_is_joined_to_the_one_before() -> None:
    """A short paragraph at the end of a document joins the previous excerpt instead of standing alone."""
    text = f"{PARAGRAPH_A}\n{PARAGRAPH_B}\nThe end."
    chunks = split_excerpts(text)
    assert [(c.paragraph, c.last_paragraph) for c in chunks] == [(1, 1), (2, 3)]
    assert chunks[-1].text.endswith("enforced across borders.\nThe end.")


def test_paragraph_numbers_count_non_blank_lines() -> None:
    """Paragraph numbers are 1-based and skip blank lines, so a reader can count them in the document."""
    text = f"\n\n{PARAGRAPH_A}\n\n\n\n{PARAGRAPH_B}\n \n{PARAGRAPH_C}\n"
    assert [(c.paragraph, c.last_paragraph) for c in split_excerpts(text)] == [(1, 1), (2, 2), (3, 3)]


def test_long_paragraph_is_split_between_sentences_into_pieces_within_the_limit() -> None:
    """A paragraph longer than the limit becomes several excerpts, all numbered as that paragraph."""
    chunks = split_excerpts(LONG_PARAGRAPH)
    assert len(chunks) == -(-len(LONG_PARAGRAPH) // MAX_EXCERPT_CHARS)
    assert all(len(c.text) <= MAX_EXCERPT_CHARS for c in chunks)
    assert all(c.text.endswith(".") for c in chunks)
    assert {(c.paragraph, c.last_paragraph) for c in chunks} == {(1, 1)}


def test_sentence_longer_than_the_limit_stands_alone_uncut() -> None:
    """A single sentence over the limit is kept whole, in an excerpt of its own."""
    sentence = f"It is a {'very ' * 300}long sentence."
    chunks = split_excerpts(f"{PARAGRAPH_A} {sentence} {PARAGRAPH_B}")
    assert [c.text for c in chunks if len(c.text) > MAX_EXCERPT_CHARS] == [sentence]


def test_crlf_text_splits_like_lf_text() -> None:
    """CRLF line endings give the same excerpts as LF ones, with no carriage return inside a sentence's ends."""
    lf = TEXTS["headings and paragraphs"]
    crlf_chunks = split_excerpts(lf.replace("\n", "\r\n"))
    lf_chunks = split_excerpts(lf)
    assert [c.text.replace("\r\n", "\n") for c in crlf_chunks] == [c.text for c in lf_chunks]
    assert [(c.paragraph, c.last_paragraph) for c in crlf_chunks] == [
        (c.paragraph, c.last_paragraph) for c in lf_chunks
    ]


def test_blank_text_has_no_excerpts() -> None:
    """A text of only whitespace gives no excerpts."""
    assert split_excerpts(" \n\r\n\t \n") == []


def test_content_hash_depends_only_on_the_excerpt_text() -> None:
    """The same paragraph gives the same excerpt hash wherever it sits; a changed word changes it."""
    first = split_excerpts(f"{PARAGRAPH_A}\n{PARAGRAPH_B}")
    moved = split_excerpts(f"{PARAGRAPH_C}\n{PARAGRAPH_A}")
    edited = split_excerpts(PARAGRAPH_A.replace("enormous", "huge"))
    assert first[0].content_hash == moved[1].content_hash
    assert first[0].content_hash != edited[0].content_hash


# --- parse_document --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text", "title"),
    [
        ("pause.txt", "The pause debate\n\nIt goes on.", "The pause debate"),
        ("pause.md", "# The pause debate\nIt goes on.", "The pause debate"),
        ("pause.md", "\n\n  ## Why pause?  \nIt goes on.", "Why pause?"),
        ("pause-notes.txt", "A pause is proposed. It is debated.\nMore.", "pause-notes"),
        ("pause-notes.txt", "Dear members,\nA pause is debated.", "pause-notes"),
        ("pause-notes.txt", "In short:\nA pause is debated.", "pause-notes"),
        ("pause-notes.txt", f"{'Long heading ' * 10}\nBody.", "pause-notes"),
        ("pause-notes.txt", "\ufeffBOM heading\nBody.", "BOM heading"),
    ],
    ids=["heading", "markdown heading", "blank first", "sentence", "comma", "colon", "too long", "byte order mark"],
)
def test_title_is_a_short_first_line_heading_else_the_file_stem(name: str, text: str, title: str) -> None:
    """The title is the first line when it reads as a heading, otherwise the file name without its suffix."""
    assert parse_document(name, text.encode("utf-8")).title == title


@pytest.mark.parametrize(
    ("given", "title"),
    [("  Chosen   title ", "Chosen title"), ("X" * 300, "X" * MAX_TITLE_CHARS), ("   ", "The pause debate")],
    ids=["whitespace collapsed", "truncated", "blank ignored"],
)
def test_explicit_title_wins_over_the_heading(given: str, title: str) -> None:
    """A title given by the member replaces the heading (tidied and capped); a blank one is ignored."""
    assert parse_document("pause.md", b"# The pause debate\nBody.", title=given).title == title


def test_parsed_text_has_unix_line_endings() -> None:
    """CRLF and CR line endings are turned into LF before splitting."""
    parsed = parse_document("a.txt", b"Title\r\nFirst line.\rSecond line.\r\n")
    assert parsed.text == "Title\nFirst line.\nSecond line.\n"


def test_suffix_is_matched_case_insensitively() -> None:
    """A .TXT file is read like a .txt file."""
    assert parse_document("NOTES.TXT", b"Body text.").text == "Body text."


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("paper.docx", b"PK\x03\x04 a word file", "is not a supported document: use .txt, .md or .pdf"),
        ("notes", b"no suffix at all", "is not a supported document"),
        ("empty.txt", b"", "has no text in it"),
        ("blank.md", b" \n\t\r\n  ", "has no text in it"),
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "looks like a binary file, not text"),
        ("latin1.txt", "caf\u00e9 au lait".encode("latin-1"), "is not UTF-8 text (byte 3 cannot be read)"),
        ("control.txt", bytes(range(1, 32)) * 4, "looks like a binary file, not text"),
        ("huge.txt", b"a" * (MAX_DOCUMENT_BYTES + 1), "over the 5 MiB limit"),
    ],
    ids=["unsupported suffix", "no suffix", "empty", "whitespace only", "NUL bytes", "not utf-8", "control", "huge"],
)
def test_unusable_documents_are_rejected_with_the_reason(name: str, data: bytes, reason: str) -> None:
    """A document that cannot be cited is rejected with a message naming the file and saying why."""
    with pytest.raises(DocumentRejected, match=re.escape(reason)) as caught:
        parse_document(name, data)
    assert f"`{name}`" in caught.value.message
    assert reason in caught.value.message


def test_document_at_the_size_limit_is_accepted() -> None:
    """A document of exactly the maximum size is not rejected for its size."""
    assert len(parse_document("big.txt", b"a" * MAX_DOCUMENT_BYTES).text) == MAX_DOCUMENT_BYTES


def minimal_pdf(line: str) -> bytes:
    """Return a one-page PDF showing one line of Helvetica text, with a correct cross-reference table."""
    stream = f"BT /F1 12 Tf 72 720 Td ({line}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>"
        ),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n%b\nendstream" % (len(stream), stream),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%b\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def test_pdf_text_is_extracted() -> None:
    """The text drawn on a PDF page becomes the document's text, titled after the file."""
    parsed = parse_document("briefing.pdf", minimal_pdf("A pause needs verification."))
    assert parsed.text.strip() == "A pause needs verification."
    assert parsed.title == "briefing"


@pytest.mark.parametrize(
    "data",
    [minimal_pdf("Some text")[:150], b"%PDF-1.4\n%%EOF", b"not a pdf at all, just words"],
    ids=["truncated", "header only", "text named .pdf"],
)
def test_corrupt_pdf_is_rejected_with_a_clear_message(data: bytes) -> None:
    """A PDF that cannot be read is rejected as unreadable, not with a crash."""
    with pytest.raises(DocumentRejected, match=r"`broken\.pdf` could not be read as a PDF"):
        parse_document("broken.pdf", data)
