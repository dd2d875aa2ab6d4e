"""The `crux` command: run the bot, sync its commands, manage the source library, search it."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import json
import logging
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from dotenv import find_dotenv, load_dotenv

from bot.db import open_database, run_lock
from bot.db.debates import DebateStore
from bot.db.sources import SourceStore
from bot.errors import CruxError, SettingsError
from bot.services import build_services
from bot.settings import Settings, configure_logging
from bot.sources.library import Hit, Library, PathOutcome, expand_paths

if TYPE_CHECKING:
    from bot.interface.bot import CruxBot

log = logging.getLogger("bot")

EXIT_ERROR = 1
EXIT_USAGE = 2
# What a service manager, a container runtime or Ctrl+C sends to stop Crux normally.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line, load settings from the environment and .env, and run one verb."""
    args = _parser().parse_args(argv)
    # The .env of the folder crux runs in (or the nearest above it), as a newcomer expects; real variables win.
    load_dotenv(find_dotenv(usecwd=True))
    try:
        settings = Settings.from_env()
        configure_logging(settings)
        return args.handler(settings, args)
    except SettingsError as error:
        print(f"crux: {error.message}", file=sys.stderr)
        return EXIT_USAGE
    except CruxError as error:
        print(f"crux: {error.message}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Start the bot: check the token first, then open the database and connect.

    The model and the library load in a thread meanwhile (Library.warm_up; about 6 s, most of it importing
    sentence-transformers), so commands that need neither answer at once and /source waits for `library.ready`.
    """
    from bot.interface.bot import create_bot

    token = settings.require_token()
    with run_lock(settings.db_path):
        library = _library(settings, create=True)
        library.ready.clear()
        # The debates get a connection of their own, used only on the event loop; the library's is shared.
        services = build_services(open_database(settings.db_path), library)
        threading.Thread(
            target=_warm_up, args=(library, settings.sources_dir), name="crux-warm-up", daemon=True
        ).start()
        try:
            with _discord_errors(settings):
                asyncio.run(serve(create_bot(settings, services), token))
        finally:
            services.close()
    return 0


async def serve(bot: CruxBot, token: str) -> None:
    """Run the bot until SIGINT or SIGTERM, then stop it normally (CruxBot.shutdown) and return."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    received: list[signal.Signals] = []

    def on_signal(signum: signal.Signals) -> None:
        received.append(signum)
        stop.set()

    for signum in STOP_SIGNALS:
        loop.add_signal_handler(signum, on_signal, signum)
    try:
        async with bot:
            running = asyncio.create_task(bot.start(token), name="crux-bot")
            stopping = asyncio.create_task(stop.wait(), name="crux-stop")
            await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if not stop.is_set():  # the bot stopped by itself: raise what stopped it
                stopping.cancel()
                await running
                return
            log.info("Received %s: stopping", received[0].name)
            if not bot.is_ready():  # still logging in or connecting: nothing was captured yet, so stop that at once
                running.cancel()
            await bot.shutdown()
            with contextlib.suppress(asyncio.CancelledError):
                await running
            log.info("Crux stopped cleanly")
    finally:
        for signum in STOP_SIGNALS:
            loop.remove_signal_handler(signum)


def sync(settings: Settings, args: argparse.Namespace) -> int:
    """Sync the slash commands now, changed or not (to CRUX_GUILD_ID when set, else globally); do not connect."""
    from bot.interface.bot import create_bot

    token = settings.require_token()
    services = build_services(open_database(settings.db_path), _library(settings, create=True))
    try:
        with _discord_errors(settings):
            count = asyncio.run(_sync(create_bot(settings, services, force_sync=True), token))
    finally:
        services.close()
    if settings.guild_id is not None:
        print(f"Synced {count} commands to server {settings.guild_id}.")
    else:
        print(f"Synced {count} commands globally (they can take a while to appear).")
    return 0


async def _sync(bot: CruxBot, token: str) -> int:
    """Log in, which loads the cogs and syncs (the bot was built with force_sync), and close without connecting."""
    async with bot:
        await bot.login(token)
    assert bot.synced is not None
    return bot.synced


def sources_add(settings: Settings, args: argparse.Namespace) -> int:
    """Add files and folders to the source library, one line per document, with a progress bar."""
    from tqdm import tqdm

    found = {Path(p): list(expand_paths([Path(p)])) for p in args.paths}
    empty = [path for path, files in found.items() if path.is_dir() and not files]
    for folder in empty:
        print(f"crux: no .txt, .md or .pdf files in {_shown(folder)}", file=sys.stderr)
    files = [file for files in found.values() for file in files]
    if not files:
        return EXIT_ERROR
    library = _library(settings, create=True)
    library.load_index()
    with tqdm(total=len(files), unit="doc", desc="Adding sources", file=sys.stderr, disable=None) as bar:

        def report(outcome: PathOutcome) -> None:
            tqdm.write(_outcome_line(outcome))
            bar.update(1)

        outcomes = library.add_paths(files, added_by=f"cli:{getpass.getuser()}", progress=report, guild_id=args.guild)
    return EXIT_ERROR if empty or any(o.rejected for o in outcomes) else 0


def sources_list(settings: Settings, args: argparse.Namespace) -> int:
    """Print every document: the shared library's and every server's own, with the library each is in."""
    documents = _library(settings, create=False).documents(everyone=True)
    if not documents:
        print("The source library is empty. Add documents with: crux sources add PATH...")
        return 0
    print(f"{'ID':>4}  {'LIBRARY':<20}  {'EXCERPTS':>8}  {'ADDED':<10}  TITLE")
    for d in documents:
        library = "shared" if d.guild_id is None else str(d.guild_id)
        print(f"{d.id:>4}  {library:<20}  {d.excerpt_count:>8}  {d.added_on:<10}  {d.title}  [{d.name}]")
    return 0


def sources_remove(settings: Settings, args: argparse.Namespace) -> int:
    """Remove one document and its excerpts."""
    document = _library(settings, create=False).remove(args.id, operator=True)
    print(f"Removed source #{document.id} {document.title} ({document.excerpt_count} excerpts).")
    return 0


def search(settings: Settings, args: argparse.Namespace) -> int:
    """Search the library for each query and print the hits, as text or one JSON object per line."""
    queries = (
        [line for line in sys.stdin.read().splitlines() if line.strip()] if args.queries == ["-"] else args.queries
    )
    if not queries:
        raise CruxError("Give at least one query, or '-' to read one query per line from standard input.")
    library = _library(settings, create=False)
    library.load_index()
    highlight = sys.stdout.isatty()
    for query in queries:
        hits = library.search(query, k=args.k, guild_id=args.guild)
        if args.json:
            print(json.dumps({"query": query, "results": [_hit_json(h) for h in hits]}, ensure_ascii=False))
        else:
            print(_hit_listing(query, hits, highlight))
    return 0


def debates_list(settings: Settings, args: argparse.Namespace) -> int:
    """Print every debate in every server."""
    debates = DebateStore(open_database(settings.db_path, create=False)).all_debates()
    if not debates:
        print("No debates yet. Open one in Discord with /debate start.")
        return 0
    # ID is what `crux export` takes; NO. is the number members see in their server.
    print(f"{'ID':>4}  {'SERVER':<20}  {'NO.':>4}  {'STATUS':<6}  {'KIND':<5}  {'OPENED':<10}  MOTION")
    for d in debates:
        print(f"{d.id:>4}  {d.guild_id:<20}  {d.number:>4}  {d.status:<6}  {d.kind:<5}  {d.opened_on:<10}  {d.motion}")
    return 0


def export(settings: Settings, args: argparse.Namespace) -> int:
    """Write one debate's whole map in a format, with where it hinges, to a file or standard output."""
    from bot.db.hinges import HingeStore
    from bot.debates.hinges import Hinges
    from bot.debates.marks import debate_hinges
    from bot.maps.exports import export_map

    db = open_database(settings.db_path, create=False)
    store = DebateStore(db)
    try:
        debate = store.debate(args.debate)
    except LookupError:
        raise CruxError(f"There is no debate {args.debate}. `crux debates list` shows them.") from None
    # The marks are computed from the map they were read with, so the file's scores and arguments agree.
    hinges = debate_hinges(Hinges(store, HingeStore(db)).hinge_inputs(debate))
    name, text = export_map(hinges.inputs.debate_map, args.format, hinges)
    if args.output == "-":
        sys.stdout.write(text)
    else:
        path = Path(args.output or name)
        path.write_text(text, encoding="utf-8")
        print(f"Wrote debate {debate.id} as {args.format} to {path}", file=sys.stderr)
    return 0


@contextlib.contextmanager
def _discord_errors(settings: Settings) -> Iterator[None]:
    """Turn Discord refusing the token or an intent, or not answering at all, into a SettingsError saying what to do."""
    import aiohttp
    import discord

    try:
        yield
    except aiohttp.ClientConnectorError as error:
        reason = error.os_error.strerror or str(error.os_error) or type(error.os_error).__name__
        if settings.api_base:
            raise SettingsError(
                f"cannot reach DISCORD_API_BASE {settings.api_base} ({reason}). Check the setting or unset it."
            ) from None
        raise SettingsError(
            f"cannot reach Discord at {discord.http.Route.BASE} ({reason}). Check this machine's network connection."
        ) from None
    except discord.LoginFailure:
        raise SettingsError(
            "Discord rejected DISCORD_TOKEN (it may have been reset). Copy a fresh one from the Bot page of your "
            "application at https://discord.com/developers/applications into .env."
        ) from None
    except discord.PrivilegedIntentsRequired:
        raise SettingsError(
            "Discord refused an intent Crux needs. On the Bot page of your application, enable the "
            "Message Content intent, then start Crux again."
        ) from None


def _library(settings: Settings, create: bool) -> Library:
    from bot.sources.embedding import MiniLMEmbedder

    return Library(SourceStore(open_database(settings.db_path, create=create)), MiniLMEmbedder())


def _warm_up(library: Library, sources_dir: Path | None) -> None:
    """Load the model and the library for `crux run`, logging (not raising) what fails: the bot keeps running."""
    try:
        library.warm_up(sources_dir, added_by="CRUX_SOURCES_DIR", progress=_log_outcome)
    except Exception:
        log.exception("Could not load the source library; /source finds nothing until Crux is restarted")


def _log_outcome(outcome: PathOutcome) -> None:
    log.info("%s", _outcome_line(outcome))


def _outcome_line(outcome: PathOutcome) -> str:
    if outcome.result is None:
        return f"rejected   {_shown(outcome.path)}: {outcome.rejected}"
    d = outcome.result.document
    return f"{outcome.result.status:<10} {_shown(outcome.path)} -> #{d.id} {d.title} ({d.excerpt_count} excerpts)"


def _shown(path: Path) -> str:
    """Return a path as it can be printed, any bytes of its name that are not UTF-8 escaped (as `ls -b` shows them)."""
    return str(path).encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _hit_json(hit: Hit) -> dict:
    return {
        "rank": hit.rank,
        "score": round(hit.score, 6),
        "similarity": None if hit.similarity is None else round(hit.similarity, 4),
        "source_id": hit.excerpt.document_id,
        "source_title": hit.excerpt.document_title,
        "excerpt_id": hit.excerpt.id,
        "paragraph": hit.excerpt.paragraph,
        "text": hit.excerpt.text,
        "start": hit.excerpt.start,
        "end": hit.excerpt.end,
        "sentence": hit.sentence,
    }


def _hit_listing(query: str, hits: list[Hit], ansi: bool) -> str:
    lines = [f"== {query}"]
    if not hits:
        lines.append("   (no excerpts: the library is empty)")
    bold, plain = ("\033[1m", "\033[0m") if ansi else (">>", "<<")
    for hit in hits:
        e = hit.excerpt
        lines.append(
            f"{hit.rank}. {e.document_title} — paragraph {e.paragraph} (source #{e.document_id}, "
            f"excerpt {e.id}, score {hit.score:.4f})"
        )
        lines.append("   " + e.text.replace(hit.sentence, f"{bold}{hit.sentence}{plain}", 1))
    return "\n".join(lines) + "\n"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="crux", description="Crux: structured debates on Discord.")
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="COMMAND")

    verbs.add_parser("run", help="start the bot (needs DISCORD_TOKEN)").set_defaults(handler=run)
    verbs.add_parser(
        "sync", help="register the slash commands with Discord now, even if unchanged (needs DISCORD_TOKEN)"
    ).set_defaults(handler=sync)

    sources = verbs.add_parser("sources", help="manage the source library").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    add = sources.add_parser("add", help="add .txt, .md and .pdf files, or folders of them")
    add.add_argument("paths", nargs="+", metavar="PATH")
    where = add.add_mutually_exclusive_group()
    where.add_argument(
        "--shared", dest="guild", action="store_const", const=None, help="to the shared library (the default)"
    )
    where.add_argument("--guild", type=int, metavar="SERVER_ID", help="to one server's own library instead")
    add.set_defaults(handler=sources_add, guild=None)
    sources.add_parser("list", help="list the documents").set_defaults(handler=sources_list)
    remove = sources.add_parser("remove", help="remove a document and its excerpts")
    remove.add_argument("id", type=int, metavar="ID")
    remove.set_defaults(handler=sources_remove)

    debates = verbs.add_parser("debates", help="see the debates").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    debates.add_parser("list", help="list every debate").set_defaults(handler=debates_list)

    dump = verbs.add_parser("export", help="write a debate's argument map to a file")
    dump.add_argument("debate", type=int, metavar="DEBATE", help="the debate's id (see `crux debates list`)")
    dump.add_argument("--format", required=True, choices=("json", "markdown", "argdown", "aif"))
    dump.add_argument(
        "-o", "--output", metavar="FILE", help="where to write it (default: debate-N.EXT; '-' for stdout)"
    )
    dump.set_defaults(handler=export)

    find = verbs.add_parser("search", help="search the library from the command line")
    find.add_argument("-k", type=int, default=3, choices=range(1, 51), metavar="N", help="results per query (1-50)")
    find.add_argument("--json", action="store_true", help="print one JSON object per query per line")
    find.add_argument(
        "--guild", type=int, metavar="SERVER_ID", help="search as this server does (its own and the shared library)"
    )
    find.add_argument("queries", nargs="+", metavar="QUERY", help="one or more queries; '-' reads them from stdin")
    find.set_defaults(handler=search)
    return parser


if __name__ == "__main__":
    sys.exit(main())
