"""The review page's web app (Starlette): the page, its own static files, and the JSON API.

Every request needs the session's token, as ``?token=...`` or ``Authorization: Bearer ...``;
anything else gets 403, the page and its static files included. Answers carry no-store and a
content security policy that lets the page load nothing but its own files.
"""

from __future__ import annotations

import json
import logging
import secrets
from pathlib import Path

from ..exceptions import GroupMatchError
from .files import export_file
from .view import change_view, full_view, jsonable

__all__ = ["make_app", "STATIC"]

STATIC = Path(__file__).parent / "static"
STATIC_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                ".css": "text/css; charset=utf-8"}
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; "
                               "connect-src 'self'; img-src 'self' data:; frame-ancestors "
                               "'self' http://localhost:* http://127.0.0.1:* vscode-webview:",
}
log = logging.getLogger("groupmatch.review")


def _authorised(scope, token: str) -> bool:
    """The token from the query string or the Authorization header, compared in constant
    time."""
    from urllib.parse import parse_qs

    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    given = query.get("token", [""])[-1]
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            scheme, _, rest = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer":
                given = given or rest.strip()
    return bool(given) and secrets.compare_digest(given.encode(), token.encode())


class TokenGuard:
    """ASGI middleware: 403 for every HTTP request without the token."""

    def __init__(self, app, token: str):
        self.app, self.token = app, token

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and not _authorised(scope, self.token):
            from starlette.responses import PlainTextResponse

            response = PlainTextResponse(
                "403 Forbidden: open the address groupmatch review printed, token included.",
                status_code=403, headers=HEADERS)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def make_app(session, token: str):
    """The Starlette app serving ``session`` behind ``token``."""
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    def reply(payload, status: int = 200):
        return JSONResponse(jsonable(payload), status_code=status, headers=HEADERS)

    async def call(fn, *args, **kwargs):
        """Run session work in a thread (a re-solve may take seconds); errors as JSON."""
        try:
            return reply(await run_in_threadpool(fn, *args, **kwargs))
        except GroupMatchError as err:
            return reply({"error": " ".join(str(err).split())}, 400)
        except Exception as err:  # a bug: say so on the page, keep serving
            log.exception("review request failed")
            return reply({"error": f"internal error: {type(err).__name__}: {err}"}, 500)

    async def body(request) -> dict:
        raw = await request.body()
        if not raw:
            return {}
        try:
            data = json.loads(raw)
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise GroupMatchError("The request body must be a JSON object.")
        return data

    def changed(outcome):
        return change_view(session, outcome)

    async def page(request):
        text = (STATIC / "index.html").read_text(encoding="utf-8")
        text = text.replace("{{token}}", token).replace("{{title}}", _escape(session.name))
        return Response(text, media_type="text/html; charset=utf-8", headers=HEADERS)

    async def static(request):
        name = request.path_params["name"]
        path = STATIC / name
        if path.suffix not in STATIC_TYPES or path.parent != STATIC or not path.is_file():
            return Response("not found", status_code=404, headers=HEADERS)
        return Response(path.read_bytes(), media_type=STATIC_TYPES[path.suffix],
                        headers=HEADERS)

    async def groups(request):
        return await call(full_view, session)

    def post(action):
        async def endpoint(request):
            try:
                data = await body(request)
            except GroupMatchError as err:
                return reply({"error": str(err)}, 400)
            return await call(action, data)
        return endpoint

    def move(data):
        return changed(session.move(_need(data, "id"), _need(data, "to", allow_null=True),
                                    from_group=data.get("from"), role=data.get("role")))

    def swap(data):
        a, b = data.get("ids") or [_need(data, "a"), _need(data, "b")]
        return changed(session.swap(a, b, a_group=data.get("a_group"),
                                    b_group=data.get("b_group")))

    def add(data):
        return changed(session.add(_need(data, "id"), _need(data, "to"), role=data.get("role")))

    def pin(data, pinned=True):
        return session.pin(data.get("ids") or (), groups=data.get("groups") or (),
                           pinned=pinned)

    def resolve(data):
        out = session.resolve(max_moves=data.get("max_moves"),
                              time_limit=data.get("time_limit"))
        return {**changed(out), "state": full_view(session)}

    def explain(request):
        params = request.query_params
        if "group" in params:
            g = session.group_number(params["group"])
            table = session.grouping().explain(g, include_sensitive=session.include_sensitive)
            return {"group": g, "summary": table.attrs.get("summary", ""),
                    "terms": _records(table.reset_index())}
        person = _need(dict(params), "id")
        table = session.grouping().explain_person(person,
                                                  include_sensitive=session.include_sensitive)
        return {"id": person, "summary": table.attrs.get("summary", ""),
                "alternatives": _records(table)}

    async def explain_endpoint(request):
        return await call(explain, request)

    async def send_file(kind: str):
        try:
            content, name, media = await run_in_threadpool(export_file, session, kind)
        except GroupMatchError as err:
            return reply({"error": " ".join(str(err).split())}, 400)
        return Response(content, media_type=media, headers={
            **HEADERS, "Content-Disposition": f'attachment; filename="{name}"'})

    async def download(request):
        return await send_file(request.path_params["kind"])

    async def download_programme(request):
        return await send_file("toml")

    routes = [
        Route("/", page),
        Route("/static/{name}", static),
        Route("/api/groups", groups),
        Route("/api/move", post(move), methods=["POST"]),
        Route("/api/swap", post(swap), methods=["POST"]),
        Route("/api/add", post(add), methods=["POST"]),
        Route("/api/undo", post(lambda d: changed(session.undo())), methods=["POST"]),
        Route("/api/redo", post(lambda d: changed(session.redo())), methods=["POST"]),
        Route("/api/pin", post(pin), methods=["POST"]),
        Route("/api/unpin", post(lambda d: pin(d, pinned=False)), methods=["POST"]),
        Route("/api/resolve", post(resolve), methods=["POST"]),
        Route("/api/explain", explain_endpoint),
        Route("/api/export.{kind}", download),
        Route("/api/programme.toml", download_programme),
    ]
    return TokenGuard(Starlette(routes=routes), token)


def _need(data: dict, key: str, *, allow_null: bool = False):
    if key not in data or (data[key] is None and not allow_null):
        raise GroupMatchError(f"The request needs {key!r}.")
    return data[key]


def _records(frame) -> list[dict]:
    return [jsonable(r) for r in frame.astype(object).to_dict("records")]


def _escape(text: str) -> str:
    return (str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))
