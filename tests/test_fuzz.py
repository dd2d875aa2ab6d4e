"""Seeded fuzzing of what members and files can send: search, ingest and capture raise nothing but CruxError.

Over 10,000 generated inputs in all, the same on every run (each section has its own seeded random.Random). Where an
input is refused, the database must be as it was: the connection made no change (sqlite's total_changes) and, for
refused documents and at the end of each section, its full SQL dump is the same.
"""

from __future__ import annotations

import hashlib
import itertools
import random
import re
import sqlite3
import zlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.db import open_database
from bot.db.sources import SourceStore
from bot.debates.capture import IncomingMessage
from bot.errors import BadQuery, CruxError, DocumentRejected
from bot.services import build_services
from bot.sources.documents import parse_document, split_excerpts
from bot.sources.library import Library
from bot.sources.search import clean_query, keyword_expression
from tests.conftest import FakeEmbedder
from tests.debates.conftest import CON, PRO, SOURCE, start_debate
from tests.sources.test_pdfs import GOOD, HELLO, MALFORMED, build_pdf

SEARCHES = 5_000
DOCUMENTS = 2_400
PDF_MUTATIONS = 400
MESSAGES = 2_500

WORDS = [
    "pause",
    "verification",
    "treaty",
    "chips",
    "labs",
    "race",
    "safety",
    "inspectors",
    "data",
    "centres",
    "export",
]
OPERATORS = ['"', "*", "^", "(", ")", ":", "-", "+", "NEAR(", "AND", "OR", "NOT", "col:", "text:", "{", "}", "'"]
WHITESPACE = " \t\n\r\x0b\x0c\x85\xa0\u1680\u2000\u2028\u2029\u202f\u3000"
CONTROLS = [chr(c) for c in itertools.chain(range(0x20), range(0x7F, 0xA0))]
SURROGATES = ["\ud800", "\udbff", "\udc00", "\udcff", "\udfff", "\ud83d"]
ODD = list("\u0301\u0345\u20dd\u200b\u200c\u200d\u200e\u202e\u2066\ufeff\ufffe\uffff\ufdd0\ue000\U0010ffff\U000e0001")
SCRIPTS = list("汉字かなカナعربىעברית한글ไทยΩЖ😀🏳️‍🌈𝕡𝕒ǅﷺİı")
# Each input is known to have broken something, or to sit on a boundary; they run first, before the random ones.
EDGES = [
    "",
    " ",
    "\x00",
    "\x00" * 100,
    "\ud800",
    "pause \udcff",  # what `crux search "$(printf 'pause \xff')"` hands over
    "\ud83d why pause",
    "x" * 100_000,
    "pause " * 20_000,
    '"' * 1000,
    "NEAR(" * 1000,
    "\n" * 10_000,
    "a\u0301" * 5000,
]


def random_text(rng: random.Random, longest: int = 600, surrogates: bool = True, controls: bool = True) -> str:
    """Return text mixing words, FTS5 operators, odd whitespace, control characters, surrogates and any code point."""
    pools: list[tuple[float, Callable[[], str]]] = [
        (6, lambda: rng.choice(WORDS)),
        (2, lambda: rng.choice(OPERATORS)),
        (3, lambda: rng.choice(WHITESPACE)),
        (1 if controls else 0, lambda: rng.choice(CONTROLS)),
        (
            1 if surrogates else 0,
            lambda: rng.choice(SURROGATES) if rng.random() < 0.5 else chr(rng.randrange(0xD800, 0xE000)),
        ),
        (1, lambda: rng.choice(ODD)),
        (1, lambda: rng.choice(SCRIPTS)),
        (1, lambda: chr(rng.randrange(0x110000))),
        (2, lambda: rng.choice(".,;!?…“”‘’[]<>@#&`~|\\/_=%$")),
    ]
    weights = [w for w, _ in pools]
    length = rng.choice([0, 1, 2, 3, 8, 20, 60, 200, longest])
    pieces = rng.choices([make for _, make in pools], weights=weights, k=length)
    text = "".join(make() for make in pieces)
    return text if surrogates else re.sub("[\ud800-\udfff]", "", text)


def fingerprint(conn: sqlite3.Connection) -> str:
    """Return a hash of the whole database as SQL, so any change to any row or table shows."""
    return hashlib.sha256("\n".join(conn.iterdump()).encode("utf-8", "surrogatepass")).hexdigest()


def allowed(given: object, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Return what a call returns, or the CruxError it raised; fail, naming the input, if anything else escapes."""
    try:
        return function(*args, **kwargs)
    except CruxError as error:
        return error
    except Exception as error:
        name = getattr(function, "__qualname__", repr(function))
        raise AssertionError(f"{name} raised {type(error).__name__}: {error} for input {given!r:.300}") from error


@pytest.fixture
def small_library() -> Library:
    """Return a library over the fake embedder holding three short documents."""
    library = Library(SourceStore(open_database(":memory:")), FakeEmbedder())
    library.add("verification.txt", SOURCE, added_by="fuzz")
    library.add("note.md", b"# Treaty notes\nA treaty could enforce a pause on every lab. Chips are tracked.\n", "fuzz")
    library.add("hello.pdf", GOOD, added_by="fuzz")
    return library


def queries(rng: random.Random) -> Iterator[str]:
    """Yield the edge cases, then random queries, SEARCHES in all."""
    yield from EDGES
    for _ in range(SEARCHES - len(EDGES)):
        yield random_text(rng, longest=rng.choice([60, 600]))


def test_search_raises_only_bad_query_and_never_writes(small_library: Library) -> None:
    """Any query gives hits or BadQuery (from clean_query and search alike); every FTS5 term is quoted; no writes."""
    rng = random.Random(4)
    conn = small_library.store.db.conn
    before, changes = fingerprint(conn), conn.total_changes
    searched = refused = 0
    for query in queries(rng):
        cleaned = allowed(query, clean_query, query)
        k, mode = rng.randint(1, 5), rng.choice(["hybrid", "dense", "keyword"])
        hits = allowed(query, small_library.search, query, k=k, mode=mode)
        if isinstance(cleaned, CruxError):
            assert isinstance(cleaned, BadQuery)
            assert isinstance(hits, BadQuery), f"clean_query refused {query!r:.80} but search did not"
            refused += 1
        else:
            assert isinstance(cleaned, str)
            cleaned.encode("utf-8")  # what the real model's tokenizer needs: no lone surrogate gets through
            assert isinstance(hits, list), f"search refused {query!r:.80}: {hits}"
            assert len(hits) <= k
            expression = keyword_expression(cleaned)
            assert expression is None or all(
                re.fullmatch(r'"(?:[^"]|"")+"', term) for term in expression.split(" OR ")
            ), expression
            searched += 1
        assert conn.total_changes == changes, f"searching {query!r:.80} wrote to the database"
    assert fingerprint(conn) == before
    assert searched > 1000
    assert refused > 1000


def documents(rng: random.Random) -> Iterator[tuple[str, bytes, str | None]]:
    """Yield (name, bytes, title): random bytes, random text in several encodings, and mutated crafted PDFs."""
    suffixes = [".txt", ".md", ".pdf", ".TXT", ".docx", "", ".txt.pdf"]
    flate_pdf = build_pdf(zlib.compress(HELLO), stream_keys=b"/Filter /FlateDecode")
    for text in EDGES:
        yield "edge.txt", text.encode("utf-8", "surrogatepass"), None
    yield from ((f"{name}.pdf", data, None) for name, data in MALFORMED.items())
    for n in range(DOCUMENTS):
        name = (random_text(rng, 30) if n % 3 == 0 else rng.choice(WORDS)) + rng.choice(suffixes)
        title = random_text(rng, 200) if rng.random() < 0.3 else None
        if n % 4 == 0:
            yield name, rng.randbytes(rng.choice([0, 1, 16, 300, 5000])), title
        else:
            odd = rng.random() < 0.3  # else the text is refused as binary, or not UTF-8, before it is split
            text = random_text(rng, longest=rng.choice([200, 3000]), surrogates=odd, controls=odd)
            yield name, text.encode(rng.choice(["utf-8", "utf-16", "utf-8-sig"]), "surrogatepass"), title
    for _ in range(PDF_MUTATIONS):
        data = bytearray(rng.choice([GOOD, flate_pdf]))
        for _ in range(rng.randint(1, 8)):
            at = rng.randrange(len(data))
            action = rng.random()
            if action < 0.4:
                data[at] = rng.randrange(256)
            elif action < 0.6:
                del data[at : at + rng.randint(1, 40)]
            elif action < 0.8:
                data[at:at] = rng.randbytes(rng.randint(1, 40))
            else:
                data[at:at] = rng.choice([b"[", b"<<", b"(", b"/Filter /Bogus", b" 0 R", b"99999999999", b"%%EOF"])
        yield rng.choice(["mutated.pdf", "mutated.txt"]), bytes(data), None


def test_ingest_raises_only_document_rejected_and_refusals_change_nothing() -> None:
    """parse_document and split_excerpts on any bytes, and Library.add, refuse only with DocumentRejected."""
    rng = random.Random(7)
    library = Library(SourceStore(open_database(":memory:")), FakeEmbedder())
    conn = library.store.db.conn
    parsed_count = rejected = added = add_refused = 0
    for n, (name, data, title) in enumerate(documents(rng)):
        parsed = allowed((name, data[:200], title), parse_document, name, data, title)
        if isinstance(parsed, CruxError):
            assert isinstance(parsed, DocumentRejected)
            rejected += 1
        else:
            parsed_count += 1
            chunks = allowed(parsed.text[:200], split_excerpts, parsed.text)
            assert not isinstance(chunks, CruxError) or isinstance(chunks, DocumentRejected)
            if isinstance(chunks, list):
                assert all(c.text == parsed.text[c.start : c.end] for c in chunks)
        if n % 4 == 0:  # through the library too: what is refused leaves the database as it was
            before, changes = fingerprint(conn), conn.total_changes
            result = allowed((name, data[:200]), library.add, name, data, "fuzz", title)
            if isinstance(result, CruxError):
                assert isinstance(result, DocumentRejected)
                assert conn.total_changes == changes
                assert fingerprint(conn) == before, f"refusing {name!r} changed the database"
                add_refused += 1
            else:
                added += 1
    assert parsed_count > 300
    assert rejected > 1000
    assert added > 50
    assert add_refused > 300


def messages(rng: random.Random, surrogates: bool) -> Iterator[IncomingMessage]:
    """Yield messages in the debate's threads and elsewhere, with random content (empty, huge, NUL) and authors."""
    contents = [e for e in EDGES if surrogates or not re.search("[\ud800-\udfff]", e)]
    for n in range(MESSAGES):
        if n < len(contents):
            content = contents[n]
        elif n % 50 == 0:
            content = random_text(rng, 100_000, surrogates)
        else:
            content = random_text(rng, 400, surrogates)
        yield IncomingMessage(
            message_id=rng.randrange(10_000, 10_000 + MESSAGES),  # repeats: the same message twice is stored once
            thread_id=rng.choice([PRO, CON, PRO, CON, 4242]),  # 4242 is no debate's thread
            author_id=rng.randrange(1, 6),
            author_name=random_text(rng, 40, surrogates) or "x",
            content=content,
            posted_at=datetime(2025, 3, 1, 12, tzinfo=UTC),
            jump_url=f"https://discord.com/channels/1/{n}/{n}",
            reply_to=rng.choice([None, rng.randrange(10_000, 10_000 + MESSAGES)]),
        )


def capture_all(surrogates: bool) -> int:
    """Capture MESSAGES random messages into a fresh debate; return how many were stored as new."""
    rng = random.Random(11)
    library = Library(SourceStore(open_database(":memory:")), FakeEmbedder())
    services = build_services(open_database(":memory:"), library)
    start_debate(services.debates)
    conn = services.db.conn
    stored = 0
    for message in messages(rng, surrogates):
        changes = conn.total_changes
        captured = allowed(message, services.capture.capture, message)
        if captured is None or isinstance(captured, CruxError) or not captured.new:
            assert conn.total_changes == changes, f"a refused or repeated message changed the database: {message}"
        else:
            stored += 1
            assert len(captured.argument.text) <= 4000
    return stored


def test_capture_raises_nothing_for_any_content() -> None:
    """Capturing messages with any content (empty, 100,000 characters, NUL, control characters) raises nothing."""
    assert capture_all(surrogates=False) > 1000


def test_capture_raises_nothing_for_lone_surrogates() -> None:
    """Capturing messages whose content or author name holds a lone surrogate raises nothing either."""
    assert capture_all(surrogates=True) > 1000
