"""Crafted and hostile PDFs: every one is read or refused with a reason, in bounded time, and never crashes ingest."""

from __future__ import annotations

import io
import time
import zlib
from pathlib import Path

import pytest

from bot.errors import DocumentRejected
from bot.sources.documents import MAX_DOCUMENT_CHARS, parse_document
from bot.sources.library import Library

HELLO = b"BT /F1 12 Tf 72 720 Td (A pause gives safety research time to catch up.) Tj ET"
# One line of text on a page, then the next line: about 30 characters of text per 38 bytes of content stream.
LINE = b"(Hello world a pause is wise.) Tj T* "


def build_pdf(
    content: bytes,
    *,
    stream_keys: bytes = b"",
    pages: int = 1,
    resources: bytes = b"/Font << /F1 5 0 R >>",
    extra: tuple[bytes, ...] = (),
) -> bytes:
    """Return a well-formed PDF whose pages all show one content stream; objects and xref as a PDF writer lays them.

    Objects: 1 catalog, 2 page tree, 3 page, 4 the content stream (with `stream_keys` in its dictionary, such as a
    /Filter), 5 a standard font, then `extra` objects numbered from 6.
    """
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + b" ".join([b"3 0 R"] * pages) + b"] /Count %d >>" % pages,
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << %s >> >>" % resources,
        b"<< /Length %d %s >>\nstream\n%s\nendstream" % (len(content), stream_keys, content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        *extra,
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.writelines(b"%010d 00000 n \n" % offset for offset in offsets)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def flate(data: bytes) -> bytes:
    """Return data compressed as a /FlateDecode stream holds it."""
    return zlib.compress(data, 9)


def text_bomb(lines: int) -> bytes:
    """Return a small PDF whose one page, once decompressed, shows `lines` lines of about 30 characters each."""
    content = b"BT /F1 12 Tf 72 720 Td 14 TL " + LINE * lines + b"ET"
    return build_pdf(flate(content), stream_keys=b"/Filter /FlateDecode")


def form_bomb(invocations: int, lines: int) -> bytes:
    """Return a PDF whose page draws one form XObject of `lines` text lines `invocations` times."""
    form_content = b"BT /F1 12 Tf 72 720 Td 14 TL " + LINE * lines + b"ET"
    form = b"<< /Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Length %d >>"
    form = form % len(form_content) + b"\nstream\n" + form_content + b"\nendstream"
    return build_pdf(
        b"/X1 Do " * invocations,
        resources=b"/Font << /F1 5 0 R >> /XObject << /X1 6 0 R >>",
        extra=(form,),
    )


GOOD = build_pdf(HELLO)

# Each of these made pypdf raise something other than a PdfReadError (or expand without end) before Crux caught it.
MALFORMED = {
    "unsupported filter": build_pdf(HELLO, stream_keys=b"/Filter /NoSuchDecode"),
    "filter chain of unknown names": build_pdf(HELLO, stream_keys=b"/Filter [/FlateDecode /JPXDecode /Bogus]"),
    "decompression bomb": build_pdf(flate(b" " * 120_000_000), stream_keys=b"/Filter /FlateDecode"),
    "corrupt flate data": build_pdf(b"x\x9c\x00garbage-not-zlib", stream_keys=b"/Filter /FlateDecode"),
    "truncated xref": GOOD[: GOOD.index(b"xref") + 20],
    "garbage after the header": b"%PDF-" + bytes(range(256)) * 8,
    "header only": b"%PDF-1.7\n",
    "deeply nested arrays": build_pdf(HELLO, stream_keys=b"/X " + b"[" * 20_000 + b"]" * 20_000),
    "page tree loop": GOOD.replace(b"/Kids [3 0 R]", b"/Kids [2 0 R]"),
    "wrong xref offsets": GOOD.replace(b" 00000 n ", b"9 00000 n"),
    "broken font dictionary": build_pdf(HELLO, resources=b"/Font << /F1 99 0 R >> /XObject 7"),
    "predictor with absurd columns": build_pdf(
        flate(HELLO), stream_keys=b"/Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns 999999999 >>"
    ),
    "negative length": GOOD.replace(b"/Length %d" % len(HELLO), b"/Length -5"),
}


def test_a_crafted_pdf_is_read() -> None:
    """The builder's plain PDF parses to its one line of text, so the malformed variants below differ only in damage."""
    assert parse_document("good.pdf", GOOD).text.strip() == "A pause gives safety research time to catch up."


@pytest.mark.parametrize("data", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_pdfs_are_rejected_with_a_reason(data: bytes) -> None:
    """Every malformed PDF is refused as unreadable, naming the file, or read if pypdf can recover its text."""
    reason = rejection("crafted.pdf", data)
    if reason is not None:
        assert reason.startswith("`crafted.pdf` ")
        assert "could not be read as a PDF (" in reason or "has no text in it" in reason
        assert "\n" not in reason


def rejection(name: str, data: bytes) -> str | None:
    """Return why parse_document refuses a document, or None when it reads some text from it."""
    try:
        parsed = parse_document(name, data)
    except DocumentRejected as rejected:
        return rejected.message
    assert parsed.text.strip()
    return None


@pytest.mark.parametrize(
    "name",
    ["unsupported filter", "decompression bomb", "filter chain of unknown names", "predictor with absurd columns"],
)
def test_pdfs_that_crashed_ingest_are_refused_as_unreadable(name: str) -> None:
    """The probes' crashes (an unsupported filter, a FlateDecode bomb) are a clear rejection, not pypdf's exception."""
    with pytest.raises(DocumentRejected, match=r"could not be read as a PDF \(.+\)\.$"):
        parse_document("crafted.pdf", MALFORMED[name])


def test_text_past_the_character_limit_is_refused() -> None:
    """A small PDF that expands to more than MAX_DOCUMENT_CHARS of text is refused, naming the limit."""
    data = text_bomb(50_000)  # about 1,450,000 characters from a few kilobytes
    assert len(data) < 10_000
    with pytest.raises(DocumentRejected, match=r"more than 1,000,000 characters") as caught:
        parse_document("bomb.pdf", data)
    assert caught.value.message.startswith("`bomb.pdf` ")


def test_text_just_under_the_limit_is_read() -> None:
    """A PDF with somewhat less text than the limit is read whole."""
    parsed = parse_document("long.pdf", text_bomb(20_000))
    assert 500_000 < len(parsed.text) <= MAX_DOCUMENT_CHARS


@pytest.mark.parametrize(
    "data",
    [text_bomb(500_000), form_bomb(5_000, 2_000), build_pdf(HELLO, pages=60_000)],
    ids=["14 million characters on one page", "a form drawn 5,000 times", "60,000 pages"],
)
def test_expanding_pdfs_are_refused_quickly(data: bytes) -> None:
    """PDFs of a few kilobytes that once kept ingest busy for minutes are refused within seconds."""
    started = time.monotonic()
    with pytest.raises(DocumentRejected) as caught:
        parse_document("bomb.pdf", data)
    elapsed = time.monotonic() - started
    assert elapsed < 20, f"took {elapsed:.1f} s"
    assert "limit" in caught.value.message


def test_bad_pdfs_in_a_folder_do_not_stop_the_others(library: Library, tmp_path: Path) -> None:
    """Adding a folder with crafted PDFs reports each as rejected with its reason and still adds the good documents."""
    (tmp_path / "a-filter.pdf").write_bytes(MALFORMED["unsupported filter"])
    (tmp_path / "b-bomb.pdf").write_bytes(MALFORMED["decompression bomb"])
    (tmp_path / "c-good.pdf").write_bytes(GOOD)
    (tmp_path / "d-note.txt").write_text("A pause needs verification.\nA treaty could enforce it on every lab.\n")
    outcomes = library.add_paths([tmp_path], added_by="tests")
    rejected = {o.path.name: o.rejected for o in outcomes if o.rejected}
    assert set(rejected) == {"a-filter.pdf", "b-bomb.pdf"}
    assert all("could not be read as a PDF (" in reason for reason in rejected.values())
    assert sorted(d.name for d in library.documents()) == ["c-good.pdf", "d-note.txt"]


def test_library_add_refuses_a_bad_pdf_and_stores_nothing(library: Library) -> None:
    """Library.add raises DocumentRejected for a crafted PDF and leaves the library as it was."""
    before = list(library.store.db.conn.iterdump())
    with pytest.raises(DocumentRejected, match="could not be read as a PDF"):
        library.add("crafted.pdf", MALFORMED["unsupported filter"], added_by="tests")
    assert list(library.store.db.conn.iterdump()) == before
