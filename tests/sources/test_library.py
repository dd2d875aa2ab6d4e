"""The source library: adding, replacing and removing documents, embedding reuse, and search."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest

from bot.db.sources import SourceStore
from bot.errors import BadQuery, DocumentRejected, SourceNotFound
from bot.sources.documents import split_excerpts
from bot.sources.library import Library, PathOutcome
from bot.sources.search import Mode

if TYPE_CHECKING:
    from tests.conftest import FakeEmbedder

# Each paragraph is long enough to be an excerpt of its own.
VERIFY = (
    "Supporters argue that verification of a pause is feasible. "
    "Frontier training runs need enormous data centres that inspectors can find from satellite images."
)
ENFORCE = (
    "Critics doubt enforcement across borders. "
    "A treaty without penalties would only slow the careful laboratories while reckless rivals keep building."
)
COSTS = (
    "Economists count the costs of waiting. "
    "Startups and open source communities would lose years of progress, and patients would wait for new medicines."
)
ENFORCE_EDITED = (
    "Critics doubt enforcement across borders. "
    "A treaty backed by export controls on advanced chips could bind even reluctant governments."
)
OPINION = (
    "Polls suggest most voters would welcome slower development. "
    "Yet public opinion shifts quickly once cheaper services and new jobs appear in daily life."
)
ARTICLE = f"The pause debate\n{VERIFY}\n\n{ENFORCE}\n\n{COSTS}\n"
EDITED = ARTICLE.replace(ENFORCE, ENFORCE_EDITED)
TABLES = ("documents", "excerpts", "embeddings", "excerpts_fts")


def _rows(library: Library) -> dict[str, list[dict]]:
    """Return every row of the library's tables, to compare states before and after an operation."""
    db = library.store.db
    return {table: list(db.query(f"select rowid, * from {table} order by rowid")) for table in TABLES}


def _excerpt_ids(library: Library) -> list[int]:
    return [row["id"] for row in library.store.db.query("select id from excerpts order by id")]


def _sentences(text: str) -> list[str]:
    """Return the sentences of a single-excerpt text as the library would split them."""
    (chunk,) = split_excerpts(text)
    return [text[s.start : s.end] for s in chunk.sentences]


# --- add ---------------------------------------------------------------------------------------------------------


def test_add_new_document(library: Library, fake_embedder: FakeEmbedder) -> None:
    """A new document is added with one excerpt per paragraph, each excerpt and sentence embedded once."""
    result = library.add("pause.txt", ARTICLE.encode(), added_by="alice")
    assert result.status == "added"
    assert (result.document.name, result.document.title, result.document.added_by) == (
        "pause.txt",
        "The pause debate",
        "alice",
    )
    assert result.document.excerpt_count == 3
    assert result.embedded == 3
    chunks = split_excerpts(ARTICLE)
    expected = [c.text for c in chunks] + [ARTICLE[s.start : s.end] for c in chunks for s in c.sentences]
    assert sorted(fake_embedder.encoded) == sorted(expected)
    assert len(library.index) == 3
    assert [d.id for d in library.documents()] == [result.document.id]


def test_same_bytes_again_are_unchanged(library: Library, fake_embedder: FakeEmbedder) -> None:
    """Adding the same file again reports it unchanged, embeds nothing and changes no row."""
    first = library.add("pause.txt", ARTICLE.encode(), added_by="alice")
    before, encoded = _rows(library), list(fake_embedder.encoded)
    again = library.add("pause.txt", ARTICLE.encode(), added_by="bob")
    assert (again.status, again.embedded, again.document) == ("unchanged", 0, first.document)
    assert fake_embedder.encoded == encoded
    assert _rows(library) == before


def test_same_content_under_another_name_points_at_the_existing_document(
    library: Library, fake_embedder: FakeEmbedder
) -> None:
    """The same text under a new file name is reported unchanged as the document already stored."""
    first = library.add("pause.txt", ARTICLE.encode(), added_by="alice")
    encoded = len(fake_embedder.encoded)
    copy = library.add("copy-of-pause.md", ARTICLE.encode(), added_by="bob")
    assert (copy.status, copy.document.id, copy.document.name) == ("unchanged", first.document.id, "pause.txt")
    assert len(library.documents()) == 1
    assert len(fake_embedder.encoded) == encoded


def test_changed_content_replaces_the_document_and_embeds_only_new_text(
    library: Library, fake_embedder: FakeEmbedder
) -> None:
    """A changed file of the same name replaces the stored one in place; only the edited paragraph is embedded."""
    first = library.add("pause.txt", ARTICLE.encode(), added_by="alice")
    fake_embedder.encoded.clear()
    replaced = library.add("pause.txt", EDITED.encode(), added_by="bob")
    assert replaced.status == "replaced"
    assert replaced.document.id == first.document.id
    assert replaced.document.added_by == "alice"
    assert replaced.embedded == 1
    assert fake_embedder.encoded == [ENFORCE_EDITED, *_sentences(ENFORCE_EDITED)]
    texts = [row["text"] for row in library.store.db.query("select text from excerpts order by position")]
    assert texts == [f"The pause debate\n{VERIFY}", ENFORCE_EDITED, COSTS]
    assert len(library.index) == 3


def test_replacing_gives_the_new_excerpts_new_ids(library: Library) -> None:
    """After a replacement none of the earlier version's excerpt ids exists any more."""
    library.add("pause.txt", ARTICLE.encode(), added_by="alice")
    old = _excerpt_ids(library)
    library.add("pause.txt", EDITED.encode(), added_by="alice")
    assert set(_excerpt_ids(library)).isdisjoint(old)


def test_replacement_does_not_leave_the_old_text_searchable(library: Library) -> None:
    """Words only in the earlier version are no longer found; words of the new version are."""
    library.add("pause.txt", ARTICLE.encode(), added_by="alice")
    library.add("pause.txt", EDITED.encode(), added_by="alice")
    assert library.search("reckless rivals penalties", mode="keyword") == []
    (hit,) = library.search("export controls chips", mode="keyword")
    assert hit.excerpt.text == ENFORCE_EDITED


def test_shared_paragraph_is_not_embedded_twice(library: Library, fake_embedder: FakeEmbedder) -> None:
    """A second document quoting a stored paragraph word for word reuses that paragraph's vectors."""
    library.add("pause.txt", ARTICLE.encode(), added_by="alice")
    fake_embedder.encoded.clear()
    result = library.add("reply.txt", f"{COSTS}\n\n{ENFORCE_EDITED}".encode(), added_by="bob")
    assert (result.status, result.embedded) == ("added", 1)
    assert fake_embedder.encoded == [ENFORCE_EDITED, *_sentences(ENFORCE_EDITED)]
    (hit,) = library.search("open source medicines", k=1, mode="dense")
    assert hit.excerpt.text == COSTS


def test_failed_replacement_keeps_the_earlier_version(library: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    """If saving a replacement fails half-way, the earlier excerpts, vectors, keyword index and results survive."""
    library.add("pause.txt", ARTICLE.encode(), added_by="alice")
    before = _rows(library)
    hits_before = library.search("treaty enforcement penalties", k=3)
    insert_vectors = SourceStore._insert_vectors
    calls = []

    def fail_on_second_call(self: SourceStore, *args: object, **kwargs: object) -> None:
        calls.append(args)
        if len(calls) == 2:
            raise OSError("disk full")
        insert_vectors(self, *args, **kwargs)

    monkeypatch.setattr(SourceStore, "_insert_vectors", fail_on_second_call)
    with pytest.raises(OSError, match="disk full"):
        library.add("pause.txt", EDITED.encode(), added_by="alice")
    monkeypatch.undo()

    assert len(calls) == 2
    assert _rows(library) == before
    assert library.search("treaty enforcement penalties", k=3) == hits_before
    assert library.search("export controls chips", mode="keyword") == []
    assert library.add("pause.txt", ARTICLE.encode(), added_by="alice").status == "unchanged"


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("paper.docx", b"PK\x03\x04", "is not a supported document"),
        ("blank.md", b"   \n\n", "has no text in it"),
    ],
)
def test_rejected_document_changes_nothing(
    library: Library, fake_embedder: FakeEmbedder, name: str, data: bytes, reason: str
) -> None:
    """A rejected document raises DocumentRejected and leaves the library as it was."""
    library.add("pause.txt", ARTICLE.encode(), added_by="alice")
    before, encoded = _rows(library), len(fake_embedder.encoded)
    with pytest.raises(DocumentRejected, match=reason):
        library.add(name, data, added_by="bob")
    assert _rows(library) == before
    assert len(fake_embedder.encoded) == encoded


# --- remove ------------------------------------------------------------------------------------------------------


def test_remove_deletes_the_document_everywhere(library: Library) -> None:
    """A removed document leaves no document, excerpt, embedding, keyword entry or dense vector behind."""
    kept = library.add("costs.txt", f"Costs\n{COSTS}".encode(), added_by="alice").document
    gone = library.add("pause.txt", ARTICLE.encode(), added_by="alice").document
    removed = library.remove(gone.id)
    assert removed == gone
    assert [d.id for d in library.documents()] == [kept.id]
    db = library.store.db
    assert db.execute("select count(*) from excerpts where document_id = ?", [gone.id]).fetchone()[0] == 0
    assert db.table("embeddings").count == db.table("excerpts").count == 1
    assert library.search("treaty verification satellite", mode="keyword") == []
    assert len(library.index) == 1
    assert [hit.excerpt.document_id for hit in library.search("treaty verification", k=5, mode="dense")] == [kept.id]


def test_remove_unknown_document_raises(library: Library) -> None:
    """Removing an id that is not in the library raises SourceNotFound naming it."""
    with pytest.raises(SourceNotFound, match="#7"):
        library.remove(7)


def test_removed_source_number_is_not_reused(library: Library) -> None:
    """After source #N is removed, the next document added gets a different number."""
    gone = library.add("pause.txt", ARTICLE.encode(), added_by="alice").document
    library.remove(gone.id)
    assert library.add("costs.txt", f"Costs\n{COSTS}".encode(), added_by="alice").document.id != gone.id


# --- search ------------------------------------------------------------------------------------------------------


@pytest.fixture
def stocked(library: Library) -> Library:
    """Return a library holding the pause article and a short note on public opinion."""
    library.add("pause.txt", ARTICLE.encode(), added_by="alice")
    library.add("opinion.md", f"# Opinion\n\n{OPINION}".encode(), added_by="alice")
    return library


def test_search_returns_ranked_hits_with_their_excerpt_and_best_sentence(stocked: Library) -> None:
    """Hits are ranked 1..k; each carries its excerpt, title, offsets and the sentence sharing the query's words."""
    hits = stocked.search("Would inspectors find the data centres from satellite images?", k=3)
    assert [h.rank for h in hits] == [1, 2, 3]
    best = hits[0]
    assert best.excerpt.document_title == "The pause debate"
    assert ARTICLE[best.excerpt.start : best.excerpt.end] == best.excerpt.text
    assert (best.excerpt.paragraph, best.excerpt.last_paragraph) == (1, 2)
    assert best.sentence == _sentences(VERIFY)[1]
    for hit in hits:
        sentences = [
            hit.excerpt.text[s.start - hit.excerpt.start : s.end - hit.excerpt.start] for s in hit.excerpt.sentences
        ]
        assert hit.sentence in sentences
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


@pytest.mark.parametrize(
    ("query", "sentence"),
    [
        ("economists costs waiting", "Economists count the costs of waiting."),
        ("patients medicines startups", _sentences(COSTS)[1]),
        ("treaty penalties reckless rivals", _sentences(ENFORCE)[1]),
    ],
)
def test_best_sentence_is_the_one_sharing_the_query_words(stocked: Library, query: str, sentence: str) -> None:
    """The highlighted sentence of the top hit is the sentence with the query's words."""
    assert stocked.search(query, k=1)[0].sentence == sentence


def test_dense_mode_ranks_every_excerpt_by_similarity(stocked: Library) -> None:
    """Dense search returns up to k excerpts, most similar first, each with its similarity."""
    hits = stocked.search("enforcement treaty penalties", k=10, mode="dense")
    assert len(hits) == 4
    assert hits[0].excerpt.text == ENFORCE
    similarities = [h.similarity for h in hits]
    assert all(s is not None for s in similarities)
    assert similarities == sorted(similarities, reverse=True)


def test_keyword_mode_finds_only_excerpts_with_the_words(stocked: Library) -> None:
    """Keyword search returns only excerpts containing a query word, matching word stems."""
    hits = stocked.search("enforced treaties", k=10, mode="keyword")
    assert [h.excerpt.text for h in hits] == [ENFORCE]


def test_keyword_mode_with_only_stopwords_finds_nothing(stocked: Library) -> None:
    """A keyword search with no content word returns no hits rather than everything."""
    assert stocked.search("what is the", mode="keyword") == []


def test_hybrid_mode_puts_the_excerpt_both_signals_agree_on_first(stocked: Library) -> None:
    """Hybrid search ranks first the excerpt that is top by both meaning and shared words."""
    hits = stocked.search("Would voters welcome slower development?", k=10)
    assert hits[0].excerpt.text == f"# Opinion\n\n{OPINION}"
    assert hits[0].excerpt.document_title == "Opinion"
    assert hits[0].sentence == _sentences(OPINION)[0]
    assert len({h.excerpt.id for h in hits}) == len(hits)


@pytest.mark.parametrize("mode", ["hybrid", "dense", "keyword"])
def test_search_on_an_empty_library_returns_nothing(library: Library, mode: Mode) -> None:
    """Searching a library with no documents returns an empty list in every mode."""
    assert library.search("verification of a pause", mode=mode) == []


@pytest.mark.parametrize("k", [1, 2])
def test_search_returns_at_most_k_hits(stocked: Library, k: int) -> None:
    """No more than k hits are returned."""
    assert len(stocked.search("pause treaty costs", k=k)) == k


def test_search_rejects_a_bad_query(stocked: Library) -> None:
    """An empty query raises BadQuery before anything is searched."""
    with pytest.raises(BadQuery, match="The query is empty"):
        stocked.search("   ")


# --- load_index --------------------------------------------------------------------------------------------------


def test_load_index_embeds_only_excerpts_missing_vectors(library: Library, fake_embedder: FakeEmbedder) -> None:
    """Excerpts stored without vectors for the current model are embedded on load; the others are not."""
    library.add("pause.txt", ARTICLE.encode(), added_by="alice")
    db = library.store.db
    enforce_id = db.execute("select id from excerpts where text = ?", [ENFORCE]).fetchone()[0]
    db.execute("delete from embeddings where excerpt_id = ?", [enforce_id])
    db.conn.commit()
    fake_embedder.encoded.clear()

    fresh = Library(library.store, fake_embedder)
    assert fresh.load_index() == 3
    assert fake_embedder.encoded == [ENFORCE, *_sentences(ENFORCE)]
    assert db.table("embeddings").count == 3
    assert fresh.search("treaty penalties", k=1, mode="dense")[0].excerpt.id == enforce_id


def test_load_index_replaces_vectors_from_another_model(library: Library, fake_embedder: FakeEmbedder) -> None:
    """An excerpt whose stored vector came from a different model is embedded again with the current one."""
    library.add("costs.txt", f"Costs\n{COSTS}".encode(), added_by="alice")
    db = library.store.db
    db.execute("update embeddings set model = 'old-model'")
    db.conn.commit()
    fake_embedder.encoded.clear()
    fresh = Library(library.store, fake_embedder)
    assert fresh.load_index() == 1
    assert fake_embedder.encoded[0] == f"Costs\n{COSTS}"
    assert [row["model"] for row in db.query("select model from embeddings")] == [fake_embedder.name]


def test_load_index_with_everything_embedded_encodes_nothing(library: Library, fake_embedder: FakeEmbedder) -> None:
    """Loading a fully embedded library computes no vectors and makes every excerpt searchable."""
    library.add("pause.txt", ARTICLE.encode(), added_by="alice")
    fake_embedder.encoded.clear()
    fresh = Library(library.store, fake_embedder)
    assert fresh.load_index() == 3
    assert fake_embedder.encoded == []
    assert len(fresh.search("pause", k=10, mode="dense")) == 3


def test_load_index_of_an_empty_library(library: Library) -> None:
    """An empty library loads an empty index."""
    assert library.load_index() == 0
    assert len(library.index) == 0


# --- add_paths ---------------------------------------------------------------------------------------------------


def test_add_paths_reports_each_file_and_does_not_stop_at_bad_ones(library: Library, tmp_path: Path) -> None:
    """Every file gets one outcome: added, or rejected with its reason; a bad file does not stop the rest."""
    folder = tmp_path / "sources"
    folder.mkdir()
    (folder / "good.txt").write_text(ARTICLE)
    (folder / "empty.md").write_text("")
    docx = tmp_path / "paper.docx"
    docx.write_bytes(b"PK\x03\x04")
    missing = tmp_path / "missing.txt"
    seen: list[PathOutcome] = []

    outcomes = library.add_paths([missing, docx, folder], added_by="cli", progress=seen.append)

    assert seen == outcomes
    by_name = {o.path.name: o for o in outcomes}
    assert list(by_name) == ["missing.txt", "paper.docx", "empty.md", "good.txt"]
    assert by_name["missing.txt"].rejected == "could not be read (No such file or directory)."
    assert "`paper.docx` is not a supported document" in (by_name["paper.docx"].rejected or "")
    assert "`empty.md` has no text in it" in (by_name["empty.md"].rejected or "")
    good = by_name["good.txt"]
    assert good.rejected is None
    assert good.result is not None
    assert (good.result.status, good.result.document.name) == ("added", "good.txt")
    assert [d.name for d in library.documents()] == ["good.txt"]


def test_add_paths_skips_unsupported_files_inside_folders(library: Library, tmp_path: Path) -> None:
    """Inside a folder only .txt, .md and .pdf files are considered, nested folders included, in name order."""
    (tmp_path / "b.txt").write_text(f"B\n{COSTS}")
    (tmp_path / "nested").mkdir()
    (tmp_path / "nested" / "a.MD").write_text(f"A\n{ENFORCE}")
    (tmp_path / "photo.png").write_bytes(b"\x89PNG\r\n")
    (tmp_path / "paper.docx").write_bytes(b"PK\x03\x04")
    outcomes = library.add_paths([tmp_path], added_by="cli")
    assert [o.path.relative_to(tmp_path).as_posix() for o in outcomes] == ["b.txt", "nested/a.MD"]
    assert all(o.result is not None and o.result.status == "added" for o in outcomes)


def test_index_vectors_match_the_stored_ones(library: Library) -> None:
    """The in-memory index after adds holds the same vectors as a fresh load from the database."""
    library.add("pause.txt", ARTICLE.encode(), added_by="alice")
    library.add("pause.txt", EDITED.encode(), added_by="alice")
    query = library.embedder.encode(["treaty export controls verification"])[0]
    live = library.index.top(query, 10)
    library.load_index()
    reloaded = library.index.top(query, 10)
    assert [i for i, _ in live] == [i for i, _ in reloaded]
    assert np.allclose([s for _, s in live], [s for _, s in reloaded])
