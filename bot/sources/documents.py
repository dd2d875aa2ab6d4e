"""Read source documents and split them into excerpts a reader can cite."""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.errors import DocumentRejected

SUPPORTED_SUFFIXES = (".txt", ".md", ".pdf")
MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
MAX_TITLE_CHARS = 120

# A paragraph shorter than this (a heading, a dateline) is joined to the next so no excerpt is a bare heading.
MIN_EXCERPT_CHARS = 120
# MiniLM reads about 256 word pieces; longer paragraphs are split between sentences to stay within that.
MAX_EXCERPT_CHARS = 1000

_ABBREVIATIONS = {
    "mr",
    "mrs",
    "ms",
    "dr",
    "prof",
    "st",
    "vs",
    "etc",
    "inc",
    "ltd",
    "co",
    "corp",
    "jr",
    "sr",
    "e.g",
    "i.e",
}
# A sentence ends at . ! ? or … with any closing quotes or brackets, and an optional citation mark like "[1, 2]".
_SENTENCE_END = re.compile(r"[.!?\u2026]+[\"'\u201d\u2019)\]]*(?:\s*\[[\d,\s]+\])?(?=\s+|$)")


@dataclass(frozen=True)
class Span:
    """A half-open range of character offsets into a document's text."""

    start: int
    end: int


@dataclass(frozen=True)
class Chunk:
    """One excerpt of a document, before it is stored: its text, where it sits, and its sentences."""

    position: int
    paragraph: int
    last_paragraph: int
    start: int
    end: int
    text: str
    sentences: tuple[Span, ...]

    @property
    def content_hash(self) -> str:
        """Return the hash that identifies this excerpt's text for embedding reuse."""
        return text_hash(self.text)


@dataclass(frozen=True)
class ParsedDocument:
    """A document read into text, with the title and hash it is stored under."""

    name: str
    title: str
    text: str
    content_hash: str


def text_hash(text: str) -> str:
    """Return the SHA-256 hex digest of a text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def check_upload(name: str, size: int) -> None:
    """Refuse a document by its name and size alone, before its bytes are read: raise DocumentRejected."""
    if Path(name).suffix.lower() not in SUPPORTED_SUFFIXES:
        raise DocumentRejected(f"`{name}` is not a supported document: use .txt, .md or .pdf.")
    if size > MAX_DOCUMENT_BYTES:
        raise DocumentRejected(too_large(name, size))


def parse_document(name: str, data: bytes, title: str | None = None) -> ParsedDocument:
    """Decode a document's bytes into text and choose its title; raise DocumentRejected with the reason if unusable."""
    check_upload(name, len(data))
    text = _pdf_text(name, data) if Path(name).suffix.lower() == ".pdf" else _plain_text(name, data)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise DocumentRejected(f"`{name}` has no text in it.")
    chosen = " ".join(title.split()) if title and title.strip() else _title_from(name, text)
    return ParsedDocument(name=name, title=chosen[:MAX_TITLE_CHARS], text=text, content_hash=text_hash(text))


def too_large(name: str, size: int) -> str:
    """Return the message refusing a document over the size limit."""
    limit = MAX_DOCUMENT_BYTES // 1024 // 1024
    return f"`{name}` is {size:,} bytes, over the {limit} MiB limit. Split it into smaller files."


def split_excerpts(text: str) -> list[Chunk]:
    """Split a text into paragraph-sized excerpts that never cut a sentence, with offsets into the text."""
    paragraphs = _paragraph_spans(text)
    groups: list[list[tuple[int, Span]]] = []
    pending: list[tuple[int, Span]] = []
    for number, span in enumerate(paragraphs, start=1):
        pending.append((number, span))
        if sum(s.end - s.start for _, s in pending) >= MIN_EXCERPT_CHARS:
            groups.append(pending)
            pending = []
    if pending:
        if groups:
            groups[-1].extend(pending)
        else:
            groups.append(pending)

    chunks: list[Chunk] = []
    for group in groups:
        sentences = [s for _, span in group for s in sentence_spans(text, span)]
        for piece in _pack(sentences):
            first = next(n for n, span in group if span.end > piece[0].start)
            last = max(n for n, span in group if span.start < piece[-1].end)
            start, end = piece[0].start, piece[-1].end
            chunks.append(
                Chunk(
                    position=len(chunks) + 1,
                    paragraph=first,
                    last_paragraph=last,
                    start=start,
                    end=end,
                    text=text[start:end],
                    sentences=tuple(piece),
                )
            )
    return chunks


def sentence_texts(text: str, start: int, spans: Sequence[Span]) -> list[str]:
    """Return the sentences of a piece of text that begins at offset `start` of its document."""
    return [text[span.start - start : span.end - start] for span in spans]


def sentence_spans(text: str, within: Span) -> list[Span]:
    """Return the sentences inside a span of text, trimmed of surrounding whitespace."""
    spans: list[Span] = []
    cursor = within.start
    segment = text[within.start : within.end]
    for match in _SENTENCE_END.finditer(segment):
        end = within.start + match.end()
        if _is_abbreviation(text, within.start + match.start()):
            continue
        if _next_starts_lowercase(text, end, within.end):
            continue
        _append_trimmed(text, cursor, end, spans)
        cursor = end
    _append_trimmed(text, cursor, within.end, spans)
    return spans


def _paragraph_spans(text: str) -> list[Span]:
    spans: list[Span] = []
    for match in re.finditer(r"[^\n]+", text):
        _append_trimmed(text, match.start(), match.end(), spans)
    return spans


def _append_trimmed(text: str, start: int, end: int, into: list[Span]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        into.append(Span(start, end))


def _pack(sentences: list[Span]) -> list[list[Span]]:
    """Group consecutive sentences into pieces of at most MAX_EXCERPT_CHARS (a longer sentence stands alone)."""
    pieces: list[list[Span]] = []
    for sentence in sentences:
        if pieces and sentence.end - pieces[-1][0].start <= MAX_EXCERPT_CHARS:
            pieces[-1].append(sentence)
        else:
            pieces.append([sentence])
    return pieces


def _is_abbreviation(text: str, dot: int) -> bool:
    word = re.search(r"([A-Za-z.]+)$", text[max(0, dot - 12) : dot])
    if not word:
        return False
    token = word.group(1).strip(".")
    last = token.split(".")[-1]
    # Initials such as "U.S." or "J." end in a single capital letter before the dot.
    return token.lower() in _ABBREVIATIONS or (len(last) == 1 and last.isupper())


def _next_starts_lowercase(text: str, end: int, limit: int) -> bool:
    rest = text[end:limit].lstrip()
    return bool(rest) and rest[0].islower()


def _plain_text(name: str, data: bytes) -> str:
    if b"\x00" in data[:8192]:
        raise DocumentRejected(f"`{name}` looks like a binary file, not text.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DocumentRejected(f"`{name}` is not UTF-8 text (byte {error.start} cannot be read).") from None
    control = sum(1 for ch in text[:8192] if ord(ch) < 32 and ch not in "\n\r\t\f")
    if control > 8:
        raise DocumentRejected(f"`{name}` looks like a binary file, not text.")
    return text


def _pdf_text(name: str, data: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, TypeError) as error:
        raise DocumentRejected(f"`{name}` could not be read as a PDF ({error}).") from None
    return "\n\n".join(pages)


def _title_from(name: str, text: str) -> str:
    first = text.strip().split("\n", 1)[0].strip().lstrip("#").strip()
    looks_like_heading = 0 < len(first) <= MAX_TITLE_CHARS and not first.endswith((".", ",", ";", ":"))
    return first if looks_like_heading else Path(name).stem
