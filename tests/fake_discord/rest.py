"""HTTP plumbing of the fake's REST API: the reply type, Discord-style errors, and the middleware.

The middleware parses bodies (JSON or multipart), checks the bot token, forces 429s, logs every request and answers
unknown routes with Discord's 404 JSON (never a 500: discord.py retries those for seconds).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from .constants import API_PREFIX
from .world import RequestRecord, UploadedFile


@dataclass
class _Reply:
    status: int
    data: Any = None
    headers: dict[str, str] = field(default_factory=dict)


def _error(status: int, code: int, message: str, errors: dict[str, Any] | None = None) -> _Reply:
    body: dict[str, Any] = {"message": message, "code": code}
    if errors:
        body["errors"] = errors
    return _Reply(status, body)


BODY = web.RequestKey("body", Any)
FILES = web.RequestKey("files", list)
NOT_FOUND = {"message": "404: Not Found", "code": 0}
NO_AUTH_ROUTES = {"/gateway", "/interactions/{id}/{token}/callback", "/attachments/{id}/{filename}"}


class RestMixin:
    """Serve and log REST requests for `FakeDiscord` (whose state and route table it uses)."""

    # -- HTTP plumbing -------------------------------------------------------------------------------------------------

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Callable[..., Any]) -> web.StreamResponse:
        if request.path == "/gateway":
            return await handler(request)
        body, files = await self._parse_body(request)
        resource = request.match_info.route.resource
        template = resource.canonical if resource is not None else request.path
        is_unknown = request.match_info.route is self._catch_all
        template = request.path if is_unknown else template.removeprefix(API_PREFIX)
        rec = RequestRecord(
            method=request.method,
            path=request.path.removeprefix(API_PREFIX),
            route_template=template,
            json=body,
            files=files,
            status=0,
            response=None,
            headers=dict(request.headers),
            query=dict(request.query),
        )
        request[BODY] = body
        request[FILES] = files
        forced = self._take_forced_429(rec)
        if forced is not None:
            reply = forced
        elif not is_unknown and not self._authorised(request, template):
            reply = _error(401, 0, "401: Unauthorized")
        else:
            result = await handler(request)
            if isinstance(result, web.StreamResponse):
                rec.status = result.status
                self.requests.append(rec)
                self._notify()
                return result
            reply = result
        rec.status, rec.response = reply.status, reply.data
        self.requests.append(rec)
        if is_unknown:
            self.unhandled.append(rec)
        self._notify()
        if reply.status == 204:
            return web.Response(status=204, headers=reply.headers)
        return web.Response(
            status=reply.status,
            body=json.dumps(reply.data).encode(),
            content_type="application/json",
            headers=reply.headers,
        )

    def _authorised(self, request: web.Request, template: str) -> bool:
        if template in NO_AUTH_ROUTES or template.startswith("/webhooks/{app}/{token}"):
            return True
        return request.headers.get("Authorization") == f"Bot {self.token}"

    def _take_forced_429(self, rec: RequestRecord) -> _Reply | None:
        for forced in self._forced_429:
            if forced["route"] not in (rec.route_template, rec.path):
                continue
            if forced["method"] and forced["method"].upper() != rec.method:
                continue
            forced["count"] -= 1
            if forced["count"] <= 0:
                self._forced_429.remove(forced)
            retry_after = forced["retry_after"]
            # Topics > Rate Limits > Exceeding A Rate Limit
            body = {"message": "You are being rate limited.", "retry_after": retry_after, "global": False}
            headers = {"Via": "1.1 google", "Retry-After": str(max(1, round(retry_after))), "X-RateLimit-Scope": "user"}
            return _Reply(429, body, headers)
        return None

    async def _parse_body(self, request: web.Request) -> tuple[Any, list[UploadedFile]]:
        if request.method in ("GET", "HEAD") or not request.can_read_body:
            return None, []
        if request.content_type == "multipart/form-data":
            body: Any = None
            files: list[UploadedFile] = []
            form = await request.post()
            for name, value in form.items():
                if isinstance(value, web.FileField):
                    files.append(UploadedFile(name, value.filename, value.content_type, value.file.read()))
                elif name == "payload_json":
                    body = json.loads(value)
            return body, files
        raw = await request.read()
        return (json.loads(raw) if raw else None), []

    async def _unknown_route(self, request: web.Request) -> _Reply:
        return _Reply(404, dict(NOT_FOUND))

    # -- request log ---------------------------------------------------------------------------------------------------

    def requests_to(self, method: str, route: str) -> list[RequestRecord]:
        """Return the requests with `method` whose route template (e.g. /channels/{channel}/messages) or path match."""
        method = method.upper()
        return [r for r in self.requests if r.method == method and route in (r.route_template, r.path)]

    def force_429(self, route: str, retry_after: float = 0.05, *, method: str | None = None, count: int = 1) -> None:
        """Answer the next `count` requests to `route` (template or path) with a 429 like Discord's."""
        self._forced_429.append({"route": route, "method": method, "count": count, "retry_after": retry_after})
