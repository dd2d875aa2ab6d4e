"""Servers are tenants: each has its own documents beside the shared library, and never reaches another's."""

from __future__ import annotations

import numpy as np
import pytest

from bot.errors import SourceNotFound
from bot.sources.library import Library
from bot.sources.search import CANDIDATES, KEYWORD_OVERFETCH

HERE, THERE = 111, 222
CHIPS = b"# Chip registries\n\nA registry of advanced chips would let inspectors verify that no lab trains in secret.\n"
TREATY = b"# A treaty body\n\nA treaty body could inspect data centres on short notice, as arms inspectors do.\n"
SHARED = b"# The pause letter\n\nThe open letter asked labs to pause training of systems beyond a set capability.\n"


@pytest.fixture
def tenants(library: Library) -> Library:
    """Return a library holding one shared document and one document in each of two servers."""
    library.add("letter.md", SHARED, "operator")
    library.add("chips.md", CHIPS, "here", guild_id=HERE)
    library.add("treaty.md", TREATY, "there", guild_id=THERE)
    return library


def titles(library: Library, guild_id: int | None) -> set[str]:
    """Return the titles of the documents a server (or, with None, only the shared library) sees."""
    return {d.title for d in library.documents(guild_id)}


def test_a_server_sees_the_shared_library_and_its_own_documents(tenants: Library) -> None:
    """/sources list in a server shows the shared documents and its own, never another server's."""
    assert titles(tenants, HERE) == {"The pause letter", "Chip registries"}
    assert titles(tenants, THERE) == {"The pause letter", "A treaty body"}
    assert titles(tenants, None) == {"The pause letter"}


def test_search_never_reaches_another_servers_documents(tenants: Library) -> None:
    """A server's query finds its own and shared excerpts; another server's document never comes back."""
    for guild_id, other in ((HERE, "A treaty body"), (THERE, "Chip registries")):
        hits = tenants.search("inspectors verify chips data centres treaty", k=5, guild_id=guild_id)
        assert hits
        assert other not in {hit.excerpt.document_title for hit in hits}


def test_keyword_search_is_scoped_too(tenants: Library) -> None:
    """Keyword-only search is scoped to the server's libraries as dense search is."""
    hits = tenants.search("treaty", k=5, mode="keyword", guild_id=HERE)
    assert "A treaty body" not in {hit.excerpt.document_title for hit in hits}
    assert [h.excerpt.document_title for h in tenants.search("treaty", k=5, mode="keyword", guild_id=THERE)] == [
        "A treaty body"
    ]


def test_the_same_file_name_in_two_servers_makes_two_documents(tenants: Library) -> None:
    """Each library names its own files: one server's chips.md does not replace another's."""
    result = tenants.add("chips.md", CHIPS, "there", guild_id=THERE)
    assert result.status == "added"
    assert titles(tenants, HERE) == {"The pause letter", "Chip registries"}
    assert titles(tenants, THERE) == {"The pause letter", "A treaty body", "Chip registries"}
    assert len(tenants.documents(everyone=True)) == 4


def test_a_server_cannot_remove_a_shared_document(tenants: Library) -> None:
    """Removing a shared document from a server is refused, saying who can change the shared library."""
    shared = next(d for d in tenants.documents(HERE) if d.guild_id is None)
    with pytest.raises(SourceNotFound, match="shared library, which only the bot's operator changes"):
        tenants.remove(shared.id, guild_id=HERE)
    assert titles(tenants, None) == {"The pause letter"}


def test_a_server_cannot_remove_another_servers_document(tenants: Library) -> None:
    """Another server's document is, for this server, no source at all."""
    theirs = next(d for d in tenants.documents(THERE) if d.guild_id == THERE)
    with pytest.raises(SourceNotFound, match=f"There is no source #{theirs.id} in this server"):
        tenants.remove(theirs.id, guild_id=HERE)
    assert "A treaty body" in titles(tenants, THERE)


def test_the_operator_removes_from_any_library(tenants: Library) -> None:
    """From the command line the operator may remove a shared or a server's document."""
    shared = next(d for d in tenants.documents(None))
    tenants.remove(shared.id, operator=True)
    assert titles(tenants, HERE) == {"Chip registries"}


def test_keyword_search_still_finds_a_server_excerpt_behind_another_servers_many(library: Library) -> None:
    """Another server's 250 excerpts all rank above this server's one: BM25 still finds it, and none of theirs."""
    crowd = "\n\n".join(f"Treaty treaty treaty inspection, paragraph {i}. " * 6 for i in range(250))
    theirs = library.add("crowd.md", f"# Their treaties\n\n{crowd}\n".encode(), "there", guild_id=THERE)
    assert theirs.embedded > CANDIDATES * KEYWORD_OVERFETCH  # more than BM25 reads before scoping in SQL
    library.add("treaty.md", TREATY, "here", guild_id=HERE)
    hits = library.search("treaty", k=5, mode="keyword", guild_id=HERE)
    assert [hit.excerpt.document_title for hit in hits] == ["A treaty body"]
    assert len(library.search("treaty", k=5, mode="keyword", guild_id=THERE)) == 5


def test_keyword_search_leaves_out_an_excerpt_the_index_does_not_hold_yet(tenants: Library) -> None:
    """An excerpt stored but not yet in the in-memory index (mid-add) is not a keyword hit, as it is not a dense one."""
    (hit,) = tenants.search("treaty", k=5, mode="keyword", guild_id=THERE)
    tenants.index.update([hit.excerpt.id], [], np.empty((0, 0), np.float32))
    assert tenants.search("treaty", k=5, mode="keyword", guild_id=THERE) == []
