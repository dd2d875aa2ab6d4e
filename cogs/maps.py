"""See a debate as a whole: /map show lists each side's tree, /map image draws it, /map export hands over a file.

Every view shows each argument's badges (bot/debates/marks.py), read from the hinges service and computed off the
event loop: /map show names a standing only when it is refuted or contested, and common ground, crux and Δ always.
"""

from __future__ import annotations

import asyncio
import io

import discord
from discord import app_commands
from discord.ext import commands

from bot.debates.marks import DebateHinges, HingeInputs, debate_hinges
from bot.debates.model import SIDES, Debate, DebateMap, Side
from bot.interface.bot import CruxBot, in_time, reply
from bot.interface.transformers import DebateOption, debate_here
from bot.interface.views import Pages
from bot.maps.exports import FORMATS, export_map
from bot.maps.image import MapImage, render_map
from bot.maps.tree import TreeLine, legend, line_badges, trees
from bot.markdown import paginate
from bot.prompts import render

SIGNS = {None: "•", "supports": "➕", "attacks": "➖", "responds_to": "↩"}
TEXT_CHARS = 140


class Maps(commands.Cog):
    """Argument maps of debates, as trees in Discord and as files."""

    map = app_commands.Group(name="map", description="See or export a debate's argument map.", guild_only=True)

    def __init__(self, bot: CruxBot) -> None:
        self.bot = bot

    @map.command(name="show")
    @app_commands.describe(
        debate="The debate (default: this thread's, else the newest open one)",
        side="Show only one side",
        public="Post it for everyone in the channel (default: only you see it)",
    )
    @app_commands.choices(side=[app_commands.Choice(name=s.title(), value=s) for s in SIDES])
    async def show(
        self,
        interaction: discord.Interaction,
        debate: DebateOption | None = None,
        side: str | None = None,
        public: bool = False,
    ) -> None:
        """Show a debate as a tree per side: arguments, what supports and attacks them, votes and badges.

        Badges: 🔴 refuted or 🟡 contested (no standing badge: it stands), 🤝 common ground, 🎯 double crux or
        🔑 crux, and Δn for the minds an argument changed.
        """
        found = debate_here(interaction, debate)
        hinges = await self._hinges(interaction, found, ephemeral=not public)
        debate_map = hinges.inputs.debate_map
        sides: list[Side] = [s for s in SIDES if s == side] or list(SIDES)
        outline = trees(debate_map)
        embeds = []
        shown: list[str] = []
        for current in sides:
            lines = []
            for row in outline[current]:
                badges = line_badges(hinges.of(row.argument.id)) if row.first or row.continued else []
                shown.extend(badges)
                lines.append(_line(row, badges))
            lines = lines or ["*No arguments yet.*"]
            for page in paginate(lines):
                embed = discord.Embed(
                    title=f"{current.title()} — {found.motion}"[:256], description=page, colour=_colour(current)
                )
                embeds.append(embed)
        summary = _summary(debate_map)
        if shown:
            summary += f"\n-# {legend(shown)}"
        view = Pages(embeds, interaction.user.id)
        await reply(interaction, content=summary, embed=embeds[0], view=view, ephemeral=not public)

    @map.command(name="image")
    @app_commands.describe(
        debate="The debate (default: this thread's, else the newest open one)",
        root="Draw only the part under this argument number",
        depth="How many levels below the top to draw (1-10)",
        public="Post it for everyone in the channel (default: only you see it)",
    )
    async def image(
        self,
        interaction: discord.Interaction,
        debate: DebateOption | None = None,
        root: int | None = None,
        depth: app_commands.Range[int, 1, 10] | None = None,
        public: bool = False,
    ) -> None:
        """Draw a debate's map as a picture: boxes for arguments, arrows for supports and attacks, and badges."""
        found = debate_here(interaction, debate)
        inputs = self.bot.services.hinges.hinge_inputs(found)
        await interaction.response.defer(ephemeral=not public, thinking=True)
        # The marks, layout and drawing take a moment on big maps: keep them off the event loop.
        picture = await asyncio.to_thread(_draw, inputs, root, depth)
        file = discord.File(io.BytesIO(picture.png), filename=f"debate-{found.number}-map.png")
        text = f"Debate {found.number}: {picture.nodes} arguments and {picture.edges} links drawn."
        if picture.caption:
            text += f"\n{picture.caption}"
        if picture.note:
            text += f"\n{picture.note}"
        await interaction.followup.send(text, file=file, ephemeral=not public)

    @map.command(name="export")
    @app_commands.describe(
        format="json (our schema), markdown, argdown or aif (Argument Interchange Format)",
        debate="The debate (default: this thread's, else the newest open one)",
    )
    @app_commands.choices(format=[app_commands.Choice(name=f, value=f) for f in FORMATS])
    async def export(self, interaction: discord.Interaction, format: str, debate: DebateOption | None = None) -> None:
        """Download a debate's whole map as a file."""
        found = debate_here(interaction, debate)
        hinges = await self._hinges(interaction, found, ephemeral=True)
        # Stances, /review votes and crux marks are each member's private choices: only moderators export them.
        members = bool(interaction.permissions.manage_threads)
        name, text = export_map(hinges.inputs.debate_map, format, hinges, members=members)
        file = discord.File(io.BytesIO(text.encode("utf-8")), filename=name)
        note = "" if members or format != "json" else " " + render("export_members_withheld")
        await reply(interaction, content=f"Debate {found.number} as {format}.{note}", file=file, ephemeral=True)

    # -- helpers ------------------------------------------------------------------------------------------------------

    async def _hinges(self, interaction: discord.Interaction, found: Debate, *, ephemeral: bool) -> DebateHinges:
        """Read a debate's hinge inputs (its map among them) and compute every argument's marks off the event loop.

        A big debate takes a moment: past ANSWER_WITHIN, the interaction is deferred meanwhile.
        """
        inputs = self.bot.services.hinges.hinge_inputs(found)
        return await in_time(interaction, asyncio.to_thread(debate_hinges, inputs), ephemeral=ephemeral)


def _draw(inputs: HingeInputs, root: int | None, depth: int | None) -> MapImage:
    """Compute the marks and draw the map with them (in a worker thread)."""
    return render_map(inputs.debate_map, root=root, depth=depth, hinges=debate_hinges(inputs))


def _line(row: TreeLine, badges: list[str]) -> str:
    argument = row.argument
    indent = "\u2003" * row.depth
    label = f"[{argument.label}]({argument.jump_url})"
    if not row.first and not row.continued:
        return f"{indent}{SIGNS[row.relation]} {label} *(see above)*"
    text = " ".join(argument.text.split())
    if len(text) > TEXT_CHARS:
        text = text[: TEXT_CHARS - 1] + "…"
    votes = f" · 👍{row.votes.up} 👎{row.votes.down}" if row.votes.up or row.votes.down else ""
    marks = "".join(f" · {badge}" for badge in badges)
    return f"{indent}{SIGNS[row.relation]} {label} {discord.utils.escape_markdown(text)}{votes}{marks}"


def _summary(debate_map: DebateMap) -> str:
    arguments = [a for a in debate_map.arguments if a.kind == "argument"]
    counts = {s: sum(1 for a in arguments if a.side == s) for s in SIDES}
    kinds = ("supports", "attacks", "responds_to")
    relations = {r: sum(1 for link in debate_map.links if link.relation == r) for r in kinds}
    replies = f", {relations['responds_to']} ↩ replies" if relations["responds_to"] else ""
    return (
        f"Debate {debate_map.debate.number} ({debate_map.debate.status}): {counts['pro']} pro and {counts['con']} con "
        f"arguments, {relations['supports']} supports, {relations['attacks']} attacks{replies}."
    )


def _colour(side: str) -> discord.Colour:
    return discord.Colour.green() if side == "pro" else discord.Colour.red()


async def setup(bot: CruxBot) -> None:
    """Load the Maps cog."""
    await bot.add_cog(Maps(bot))
