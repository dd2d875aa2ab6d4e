"""The fake's gateway: sessions, websocket connections, and dispatching events to the sessions they concern.

Connections speak zlib-stream, zstd-stream or plain text; covered are HELLO, heartbeats, IDENTIFY and READY, RESUME
with replay, INVALID_SESSION, dropped connections, member chunks, and dispatching events to every session whose
intents cover them.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import zlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import aiohttp
from aiohttp import web

from .constants import GATEWAY_VERSION, NON_RESUMABLE_CLOSE_CODES, Intent
from .payloads import guild_create_payload, member_payload
from .world import FakeGuild

if TYPE_CHECKING:
    from .server import FakeDiscord


class _Session:
    """One gateway session: its intents, IDENTIFY payload, sequence number and the frames kept for a RESUME."""

    def __init__(self, session_id: str, intents: int, identify: dict[str, Any]) -> None:
        self.session_id = session_id
        self.intents = intents
        self.identify = identify
        self.seq = 0
        self.frames: list[dict[str, Any]] = []  # everything dispatched, for RESUME replay
        self.connection: _Connection | None = None

    def next_frame(self, event: str, data: Any) -> dict[str, Any]:
        """Build the next numbered DISPATCH frame for `event`, keep it for a RESUME replay and return it."""
        self.seq += 1
        frame = {"op": 0, "t": event, "s": self.seq, "d": data}
        self.frames.append(frame)
        return frame


class _Connection:
    """One gateway websocket: a single writer task serialises frames through one compression context."""

    def __init__(self, fake: FakeDiscord, ws: web.WebSocketResponse, compression: str | None) -> None:
        self.fake = fake
        self.ws = ws
        self.session: _Session | None = None
        self.closed_by_server = False
        self.queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        self.lock = asyncio.Lock()
        # When (loop clock) each heartbeat (op 1) arrived: the client's loop lag shows as a late beat.
        self.heartbeats: list[float] = []
        self._compress = self._make_compressor(compression)
        self.writer = asyncio.create_task(self._write_loop())

    @staticmethod
    def _make_compressor(compression: str | None) -> Callable[[bytes], bytes] | None:
        if compression == "zlib-stream":
            zobj = zlib.compressobj()
            return lambda raw: zobj.compress(raw) + zobj.flush(zlib.Z_SYNC_FLUSH)
        if compression == "zstd-stream":
            try:
                import zstandard  # type: ignore[import-not-found]
            except ImportError:  # Python 3.14's stdlib module
                from compression import zstd  # type: ignore[import-not-found]

                zs = zstd.ZstdCompressor()
                return lambda raw: zs.compress(raw, mode=zstd.ZstdCompressor.FLUSH_BLOCK)
            zsobj = zstandard.ZstdCompressor().compressobj()
            return lambda raw: zsobj.compress(raw) + zsobj.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)
        return None

    def send(self, frame: dict[str, Any]) -> None:
        """Queue `frame` for the writer task."""
        self.queue.put_nowait(("frame", frame))

    def close(self, code: int, reason: str = "") -> None:
        """Queue a close of the websocket with `code` after the frames already queued."""
        self.queue.put_nowait(("close", (code, reason)))

    async def _write_loop(self) -> None:
        while True:
            kind, item = await self.queue.get()
            async with self.lock:
                if self.ws.closed:
                    continue
                if kind == "close":
                    code, reason = item
                    self.closed_by_server = True
                    await self.ws.close(code=code, message=reason.encode())
                    continue
                raw = json.dumps(item, separators=(",", ":")).encode()
                try:
                    if self._compress is None:
                        await self.ws.send_str(raw.decode())
                    else:
                        await self.ws.send_bytes(self._compress(raw))
                except (ConnectionResetError, RuntimeError):
                    continue  # the frame stays in the session for a RESUME replay
                self.fake.gateway_sent.append(item)
            self.fake._notify()


class GatewayMixin:
    """Run the gateway side of `FakeDiscord` (whose state it uses)."""

    # -- gateway dispatch ----------------------------------------------------------------------------------------------

    def dispatch(
        self,
        event: str,
        data: Any,
        *,
        intent: int | None = None,
        transform: Callable[[Any, _Session], Any] | None = None,
    ) -> None:
        """Send a DISPATCH to every session whose intents cover `intent`; buffered for RESUME if disconnected."""
        for session in list(self._sessions.values()):
            if intent is not None and not session.intents & intent:
                continue
            self._send(session, event, transform(data, session) if transform else data)

    def _send(self, session: _Session, event: str, data: Any) -> None:
        frame = session.next_frame(event, data)
        if session.connection is not None:
            session.connection.send(frame)

    async def gateway_barrier(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Ask every connected client for a heartbeat; when it answers, it has processed every earlier frame."""
        live = [c for c in self._connections if c.session is not None and not c.ws.closed]
        start = len(self.gateway_received)
        for conn in live:
            conn.send({"op": 1, "d": None})
        await self.wait_for(
            lambda: sum(1 for f in self.gateway_received[start:] if f.get("op") == 1) >= len(live),
            timeout,
            what="heartbeats answering the barrier",
        )

    def drop_connections(self, code: int = 4000, *, resumable: bool | None = None) -> asyncio.Task[None]:
        """Close every gateway socket with `code` at once; await the returned task or not.

        By default 4007, 4009, 1000 and 1001 end the session (Topics > Opcodes and Status Codes > Gateway Close Event
        Codes): the client's RESUME gets INVALID_SESSION, it IDENTIFIEs afresh (READY, GUILD_CREATE) and nothing that
        happened in between is replayed. Other codes keep the session: events dispatched meanwhile are buffered and
        replayed on RESUME. `resumable` overrides the choice. discord.py waits 5 s before a non-initial IDENTIFY
        (`Client.before_identify_hook`); test clients can override that hook.
        """
        if resumable is None:
            resumable = code not in NON_RESUMABLE_CLOSE_CODES
        for conn in list(self._connections):
            self._detach(conn, end_session=not resumable)
            conn.close(code, "dropped by the test")
        if not resumable:
            self._sessions.clear()
        return self._spawn(asyncio.sleep(0))

    def invalidate_sessions(self, *, resumable: bool = False) -> None:
        """Send INVALID_SESSION (op 9) to every connected client (Topics > Gateway Events > Invalid Session).

        With `resumable=False` the sessions end at once: the client IDENTIFIEs again and gets no replay.
        """
        for conn in list(self._connections):
            if conn.session is None:
                continue
            conn.send({"op": 9, "d": resumable})
            self._detach(conn, end_session=not resumable)
        if not resumable:
            self._sessions.clear()

    def _detach(self, conn: _Connection, *, end_session: bool) -> None:
        """Stop routing dispatches to `conn`: they are buffered for a RESUME, or dropped with the session."""
        session = conn.session
        if session is None:
            return
        conn.session = None
        if session.connection is conn:
            session.connection = None
        if end_session:
            self._sessions.pop(session.session_id, None)

    def heartbeat_times(self) -> list[list[float]]:
        """Return, for each live gateway connection, when (loop clock) each heartbeat it sent arrived."""
        return [list(c.heartbeats) for c in self._connections if not c.ws.closed]

    @property
    def connected(self) -> bool:
        """Whether any client currently has a live gateway session (False while the bot process is down)."""
        return any(s.connection is not None and not s.connection.ws.closed for s in self._sessions.values())

    # -- gateway websocket ---------------------------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True, max_msg_size=0)
        await ws.prepare(request)
        self.gateway_connections.append(dict(request.query))
        compression = request.query.get("compress") if self.transport_compression else None
        conn = _Connection(self, ws, compression)
        self._connections.add(conn)
        # Topics > Gateway > Hello Event
        conn.send({"op": 10, "d": {"heartbeat_interval": self.heartbeat_interval_ms}})
        try:
            async for msg in ws:
                if msg.type is aiohttp.WSMsgType.TEXT:
                    frame = json.loads(msg.data)
                    self.gateway_received.append(frame)
                    self._on_frame(conn, frame)
                    self._notify()
        finally:
            self._connections.discard(conn)
            session = conn.session
            if session is not None and session.connection is conn:
                session.connection = None
                if not conn.closed_by_server and ws.close_code in (1000, 1001):  # the client ended the session
                    self._sessions.pop(session.session_id, None)
            conn.writer.cancel()
            self._notify()
        return ws

    def _on_frame(self, conn: _Connection, frame: dict[str, Any]) -> None:
        op, data = frame.get("op"), frame.get("d")
        if op == 1:  # Heartbeat -> Heartbeat ACK
            conn.heartbeats.append(asyncio.get_running_loop().time())
            conn.send({"op": 11})
        elif op == 2:
            self._identify(conn, data)
        elif op == 6:
            self._resume(conn, data)
        elif op == 8:
            self._request_members(conn, data)

    def _identify(self, conn: _Connection, data: dict[str, Any]) -> None:
        self.identify = data
        self.identifies.append(data)
        if data.get("token") != self.token:
            conn.close(4004, "Authentication failed.")
            return
        intents = int(data.get("intents", 0))
        if intents & Intent.PRIVILEGED & ~self.enabled_intents:
            conn.close(4014, "Disallowed intent(s).")
            return
        session = _Session(secrets.token_hex(16), intents, data)
        self._sessions[session.session_id] = session
        session.connection = conn
        conn.session = session
        ready = {
            # Events > Gateway Events > Ready
            "v": GATEWAY_VERSION,
            "user": self.bot_user,
            "guilds": [{"id": str(g), "unavailable": True} for g in self.guilds],
            "session_id": session.session_id,
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(self.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "user_settings": {},
            "_trace": ["fake-discord"],
        }
        if "shard" in data:
            ready["shard"] = data["shard"]
        self._send(session, "READY", ready)
        for guild in self.guilds.values():
            self._send(session, "GUILD_CREATE", self._guild_create_for(guild, session))

    def _guild_create_for(self, guild: FakeGuild, session: _Session) -> dict[str, Any]:
        # Without GUILD_PRESENCES, Discord lists only the bot (and voice members) in GUILD_CREATE.
        if session.intents & Intent.GUILD_PRESENCES:
            members = list(guild.members.values())
        else:
            members = [self._bot_member(guild)]
        # Active threads the bot can see, so a freshly connected client knows them (Topics > Threads).
        threads = [t for t in self.active_threads(guild) if self._bot_can_view(t)]
        return guild_create_payload(guild, members, application_id=self.application_id, threads=threads)

    def _resume(self, conn: _Connection, data: dict[str, Any]) -> None:
        self.resumes.append(data)
        session = self._sessions.get(data.get("session_id", ""))
        if session is None or data.get("token") != self.token:
            conn.send({"op": 9, "d": False})  # Invalid Session, not resumable
            return
        if session.connection is not None and session.connection is not conn:
            session.connection.close(4000, "superseded by a RESUME")
        session.connection = conn
        conn.session = session
        last = data.get("seq") or 0
        for frame in session.frames:
            if frame["s"] > last:
                conn.send(frame)
        self._send(session, "RESUMED", {})

    def _request_members(self, conn: _Connection, data: dict[str, Any]) -> None:
        session = conn.session
        guild = self.guilds.get(int(data.get("guild_id", 0)))
        if session is None or guild is None:
            return
        members = list(guild.members.values())
        if data.get("user_ids"):
            wanted = {int(u) for u in data["user_ids"]}
            members = [m for m in members if m.id in wanted]
        elif data.get("query"):
            members = [m for m in members if m.username.lower().startswith(data["query"].lower())]
        if data.get("limit"):
            members = members[: int(data["limit"])]
        chunk = {
            # Events > Gateway Events > Guild Members Chunk
            "guild_id": str(guild.id),
            "members": [member_payload(m) for m in members],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if data.get("nonce"):
            chunk["nonce"] = data["nonce"]
        self._send(session, "GUILD_MEMBERS_CHUNK", chunk)
