"""Look claims up in the source library (/source) and manage the library (/sources list, add, remove)."""

from __future__ import annotations

import asyncio
import functools

import discord
from discord import app_commands
from discord.ext import commands

from bot.db.sources import Document
from bot.errors import SourceNotFound
from bot.interface.bot import CruxBot, in_time, reply
from bot.interface.checks import manages_server
from bot.markdown import escape, escape_links
from bot.prompts import render
from bot.sources.documents import MAX_DOCUMENT_BYTES, check_upload
from bot.sources.library import AddResult, Hit
from bot.sources.search import clean_query

EMBED_COLOUR = discord.Colour.from_rgb(88, 101, 242)
MAX_LISTED = 25
EXCERPT_CHARS = 1100
# How long /source waits for the library to finish loading after a start before saying so (it takes seconds).
READY_TIMEOUT = 120.0


class Sources(commands.Cog):
    """The source library: excerpt lookup for everyone, document management for Manage Server."""

    sources = app_commands.Group(name="sources", description="See or change the library of source documents.")

    def __init__(self, bot: CruxBot) -> None:
        self.bot = bot
        self.library = bot.services.library

    @app_commands.command(name="source")
    @app_commands.describe(
        query="A claim or question to find evidence for, e.g. 'how would a pause be verified?'",
        count="How many excerpts to show (1-5, default 3)",
        public="Post the answer for everyone in the channel (default: only you see it)",
    )
    async def source(
        self,
        interaction: discord.Interaction,
        query: str,
        count: app_commands.Range[int, 1, 5] = 3,
        public: bool = False,
    ) -> None:
        """Find the source excerpts that best answer a claim or question."""
        text = clean_query(query)
        if not self.library.ready.is_set():
            # Crux has just started and is still loading the model or the library: defer, then wait for it.
            await interaction.response.defer(ephemeral=not public, thinking=True)
            if not await asyncio.to_thread(self.library.ready.wait, READY_TIMEOUT):
                await reply(interaction, content=render("library_loading"), ephemeral=True)
                return
        if not self.library.index.covers(interaction.guild_id):
            await reply(interaction, content=render("library_empty"), ephemeral=True)
            return
        # Encoding and the database reads run in a worker thread; a slow search is deferred meanwhile.
        search = asyncio.to_thread(self.library.search, text, count, guild_id=interaction.guild_id)
        hits = await in_time(interaction, search, ephemeral=not public)
        await reply(
            interaction,
            content=render("source_header", query=escape(text)),
            embeds=[_hit_embed(hit) for hit in hits],
            ephemeral=not public,
        )

    @sources.command(name="list")
    async def list_sources(self, interaction: discord.Interaction) -> None:
        """List the documents this server searches: the shared library's and its own (marked)."""
        documents = await asyncio.to_thread(self.library.documents, interaction.guild_id)
        if not documents:
            await interaction.response.send_message(render("library_empty"), ephemeral=True)
            return
        lines = [_document_line(d) for d in documents[:MAX_LISTED]]
        if len(documents) > MAX_LISTED:
            lines.append(f"…and {len(documents) - MAX_LISTED} more (`crux sources list` shows them all).")
        embed = discord.Embed(title="Source library", description="\n".join(lines), colour=EMBED_COLOUR)
        await interaction.response.send_message(
            render("sources_list_header", count=len(documents)), embed=embed, ephemeral=True
        )

    @sources.command(name="add")
    @app_commands.describe(
        file=f"A .txt, .md or .pdf document of at most {MAX_DOCUMENT_BYTES // 1024 // 1024} MiB",
        title="The title to show for it (default: its first line when that is a heading, else the file name)",
    )
    @manages_server
    async def add_source(
        self, interaction: discord.Interaction, file: discord.Attachment, title: str | None = None
    ) -> None:
        """Add a document to this server's own library, or update it if a file of that name is there."""
        check_upload(file.filename, file.size)
        await interaction.response.defer(ephemeral=True, thinking=True)
        data = await file.read()
        added_by = f"{interaction.user.name} ({interaction.user.id})"
        result = await asyncio.to_thread(
            functools.partial(self.library.add, file.filename, data, added_by, title, guild_id=interaction.guild_id)
        )
        await interaction.followup.send(_added_message(result), ephemeral=True)

    @sources.command(name="remove")
    @app_commands.describe(source="The document to remove (start typing its title or number)")
    @manages_server
    async def remove_source(self, interaction: discord.Interaction, source: str) -> None:
        """Remove one of this server's own documents and its excerpts (the shared library is the operator's)."""
        remove = functools.partial(self.library.remove, _source_id(source), guild_id=interaction.guild_id)
        document = await asyncio.to_thread(remove)
        await interaction.response.send_message(
            render(
                "sources_removed",
                title=_title(document.title),
                source_id=document.id,
                excerpts=document.excerpt_count,
            ),
            ephemeral=True,
        )

    @remove_source.autocomplete("source")
    async def _complete_source(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        needle = current.strip().lstrip("#").lower()
        documents = await asyncio.to_thread(self.library.documents, interaction.guild_id)
        mine = [d for d in documents if d.guild_id is not None]
        matches = [d for d in mine if needle in d.title.lower() or needle == str(d.id)]
        return [app_commands.Choice(name=f"#{d.id} {d.title}"[:100], value=str(d.id)) for d in matches[:25]]


def _hit_embed(hit: Hit) -> discord.Embed:
    excerpt = hit.excerpt
    before, _, after = excerpt.text.partition(hit.sentence)
    escape_markdown = discord.utils.escape_markdown
    text = escape_links(f"{escape_markdown(before)}**{escape_markdown(hit.sentence)}**{escape_markdown(after)}")
    if len(text) > EXCERPT_CHARS:
        text = text[: EXCERPT_CHARS - 1].rstrip() + "…"
    similarity = f"{hit.similarity:.2f}" if hit.similarity is not None else "keyword"
    embed = discord.Embed(title=excerpt.document_title[:256], description=text, colour=EMBED_COLOUR)
    embed.set_footer(
        text=render("source_footer", paragraph=excerpt.paragraph, source_id=excerpt.document_id, similarity=similarity)
    )
    return embed


def _document_line(document: Document) -> str:
    library = "shared" if document.guild_id is None else "this server's"
    return (
        f"**#{document.id}** {_title(document.title)} — {document.excerpt_count} excerpts, added "
        f"{document.added_on} · {library}"
    )


def _added_message(result: AddResult) -> str:
    document = result.document
    return render(
        f"sources_{result.status}",
        title=_title(document.title),
        source_id=document.id,
        excerpts=document.excerpt_count,
        embedded=result.embedded,
    )


def _title(title: str) -> str:
    """Return a document's title for Markdown: its formatting and any masked link shown as typed."""
    return escape_links(discord.utils.escape_markdown(title))


def _source_id(value: str) -> int:
    digits = value.strip().lstrip("#").split(" ", 1)[0]
    if not digits.isdigit():
        raise SourceNotFound(f"`{value[:50]}` is not a source. Pick one from the list as you type.")
    return int(digits)


async def setup(bot: CruxBot) -> None:
    """Load the Sources cog."""
    await bot.add_cog(Sources(bot))
