"""Read source documents and split them into excerpts a reader can cite."""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.errors import DocumentRejected

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = (".txt", ".md", ".pdf")
MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
MAX_TITLE_CHARS = 120
# A file's size says little about what a PDF expands to: a few kilobytes of compressed PDF can hold millions of
# characters. So the text read from a PDF is capped too (about 500 printed pages; it is read page by page and given up
# as soon as it passes the cap). A text file's size bounds its text. Every excerpt is embedded, so their number is
# capped for every document: at about 500 characters each, what 1,000,000 characters of prose make, and a few minutes
# of embedding on a CPU.
MAX_DOCUMENT_CHARS = 1_000_000
MAX_EXCERPTS = 2_000
# Reading a PDF's text also parses its drawing: past this many content-stream operators and operands, all pages
# together, a document is refused as too complex (an ordinary text page has a few thousand; pypdf parses about
# 150,000 a second).
MAX_PDF_OPERATIONS = 2_000_000
# pypdf's own safety limits, lowered from its defaults (75 MB per decompressed stream, 2,000,000 tokens per content
# stream, 5,000 form drawings per page, 100,000 pages) to what a 5 MiB document of at most MAX_DOCUMENT_CHARS can need.
PDF_LIMITS: dict[str, int] = {
    "zlib_maximum_output_length": 20_000_000,
    "lzw_maximum_output_length": 20_000_000,
    "run_length_maximum_output_length": 20_000_000,
    "brotli_maximum_output_length": 20_000_000,
    "jbig2_maximum_output_length": 20_000_000,
    "array_based_stream_maximum_output_length": 20_000_000,
    "image_maximum_buffer_size": 20_000_000,
    "stream_decoding_work_maximum_length": 60_000_000,
    "stream_parsing_work_maximum_count": 500_000,
    "xform_maximum_invocations_per_extraction": 500,
    "page_tree_maximum_entries": 10_000,
}
# Lone surrogates (from a broken PDF font map, or a file name that is not UTF-8) cannot be stored or sent as text.
_SURROGATES = re.compile("[\ud800-\udfff]")
# The operators that show text (PDF 32000-1, 9.4.3), whose string operands are counted against MAX_DOCUMENT_CHARS.
_SHOW_TEXT = frozenset({b"Tj", b"TJ", b"'", b'"'})

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


def read_document(path: Path) -> bytes:
    """Read a document's file, refusing it by name and size before reading and never reading past the size limit.

    Raise DocumentRejected for an unsupported or oversized file (one that grows while it is read included), OSError
    when it cannot be read.
    """
    name = valid_text(path.name)
    check_upload(name, path.stat().st_size)
    with path.open("rb") as file:
        data = file.read(MAX_DOCUMENT_BYTES + 1)
    check_upload(name, len(data))
    return data


def parse_document(name: str, data: bytes, title: str | None = None) -> ParsedDocument:
    """Decode a document's bytes into text and choose its title; raise DocumentRejected with the reason if unusable."""
    name = valid_text(name)
    check_upload(name, len(data))
    text = _pdf_text(name, data) if Path(name).suffix.lower() == ".pdf" else _plain_text(name, data)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise DocumentRejected(f"`{name}` has no text in it.")
    chosen = " ".join(valid_text(title).split()) if title and title.strip() else _title_from(name, text)
    return ParsedDocument(name=name, title=chosen[:MAX_TITLE_CHARS], text=text, content_hash=text_hash(text))


def valid_text(text: str) -> str:
    """Return text with any lone surrogate replaced by U+FFFD, so it can be stored, printed and sent."""
    return _SURROGATES.sub("\ufffd", text)


def too_large(name: str, size: int) -> str:
    """Return the message refusing a document over the size limit."""
    limit = MAX_DOCUMENT_BYTES // 1024 // 1024
    return f"`{name}` is {size:,} bytes, over the {limit} MiB limit. Split it into smaller files."


def too_much_text(name: str) -> str:
    """Return the message refusing a PDF whose text is over MAX_DOCUMENT_CHARS."""
    return (
        f"`{name}` has more than {MAX_DOCUMENT_CHARS:,} characters of text, the limit for one document. "
        "Split it into smaller files."
    )


def split_excerpts(text: str) -> list[Chunk]:
    """Split a text into paragraph-sized excerpts that never cut a sentence, with offsets into the text.

    Raise DocumentRejected as soon as the text makes more than MAX_EXCERPTS excerpts.
    """
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
            if len(chunks) == MAX_EXCERPTS:
                raise DocumentRejected(
                    f"The document splits into more than {MAX_EXCERPTS:,} excerpts, the limit for one document. "
                    "Split it into smaller files."
                )
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


class _PdfBudget:
    """Stop reading a PDF as soon as its text passes MAX_DOCUMENT_CHARS or its content MAX_PDF_OPERATIONS.

    Its methods are pypdf's extraction callbacks, so a page that expands without end is abandoned midway. Once spent,
    every later call raises again: pypdf catches and logs what a form XObject raises, then goes on to the next operator.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.chars = 0  # the text of the pages already read
        self.shown = 0  # this page: characters pypdf has handed over so far
        self.operands = 0  # this page: characters in the strings of text-showing operators seen so far
        self.operations = 0

    def operator(self, operator: bytes, operands: list[Any], cm: Any, tm: Any) -> None:
        """Count one content-stream operator (pypdf's visitor_operand_before)."""
        self.operations += 1 + len(operands) + sum(len(o) for o in operands if isinstance(o, list))
        if operator in _SHOW_TEXT:
            self.operands += sum(_string_length(o) for o in operands)
        self._check()

    def text(self, text: str, *_: Any) -> None:
        """Count a piece of extracted text (pypdf's visitor_text)."""
        self.shown += len(text)
        self._check()

    def page(self, text: str) -> None:
        """Count a page's whole extracted text."""
        self.chars += len(text)
        self.shown = self.operands = 0
        self._check()

    def _check(self) -> None:
        # A string operand holds one or two bytes per character shown (two for CID fonts): half of it is a safe lower
        # bound for text that pypdf has not handed over yet.
        if self.chars + max(self.shown, self.operands // 2) > MAX_DOCUMENT_CHARS:
            raise DocumentRejected(too_much_text(self.name))
        if self.operations > MAX_PDF_OPERATIONS:
            raise DocumentRejected(
                f"`{self.name}` is too complex to read: more than {MAX_PDF_OPERATIONS:,} drawing and text "
                "operations, the limit for one document. Save it as text (.txt) and add that instead."
            )


def _string_length(operand: Any) -> int:
    if isinstance(operand, list):  # TJ's array of strings and spacings
        return sum(_string_length(o) for o in operand)
    return len(operand) if isinstance(operand, str | bytes) else 0


def _pdf_text(name: str, data: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import LimitReachedError

    budget = _PdfBudget(name)
    pages: list[str] = []
    try:
        with _pdf_limits():
            reader = PdfReader(io.BytesIO(data))
            for page in reader.pages:
                text = page.extract_text(visitor_operand_before=budget.operator, visitor_text=budget.text) or ""
                budget.page(text)
                pages.append(text)
    except DocumentRejected:
        raise
    except LimitReachedError as error:
        raise DocumentRejected(
            f"`{name}` could not be read as a PDF (it passes a safety limit: {_reason(error)})."
        ) from None
    # A malformed PDF can make pypdf raise nearly anything (NotImplementedError for an unknown filter, RecursionError,
    # struct.error, zlib.error, IndexError...): each is a document Crux cannot read, never a reason to stop.
    except Exception as error:
        log.debug("pypdf could not read %s", name, exc_info=True)
        raise DocumentRejected(f"`{name}` could not be read as a PDF ({_reason(error)}).") from None
    return valid_text("\n\n".join(pages))


def _pdf_limits() -> contextlib.AbstractContextManager[object]:
    """Apply PDF_LIMITS for the current thread's reading, where the installed pypdf has configurable limits."""
    try:
        from pypdf import Configuration, apply_configuration, get_configuration
    except ImportError:  # an older pypdf has no configuration: its built-in limits apply
        return contextlib.nullcontext()
    known = {key: value for key, value in PDF_LIMITS.items() if hasattr(Configuration, key)}
    return apply_configuration(get_configuration().with_overwrites(**known))


def _reason(error: BaseException) -> str:
    """Return an exception as a short phrase for a user: its message on one line, else its kind."""
    message = " ".join(str(error).split())
    if not message:
        return type(error).__name__
    return message if len(message) <= 160 else message[:159].rstrip() + "…"


def _title_from(name: str, text: str) -> str:
    first = text.strip().split("\n", 1)[0].strip().lstrip("#").strip()
    looks_like_heading = 0 < len(first) <= MAX_TITLE_CHARS and not first.endswith((".", ",", ";", ":"))
    return first if looks_like_heading else Path(name).stem
