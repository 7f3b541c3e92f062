"""The edge every HTTP request passes before routing, so that hostile input never reaches a
route as a 500: control characters in the path or query, a body over the size limit, and JSON
that is not UTF-8, holds an unpaired surrogate or nests too deeply (``api/limits.py``).

Authentication comes first, as in Graph: before refusing a body on a Graph or UCWA path the
guard checks the token, so a request without a valid one gets 401 whatever its body. UCWA
paths answer in UCWA's envelope. The body is read once, here, and handed on unchanged.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from callboard.api import deps, limits
from callboard.api.errors import render
from callboard.api.ucwa.errors import render_error as render_ucwa
from callboard.errors import BadRequest, GraphError, PayloadTooLarge, UcwaError, Unauthenticated

UCWA_PREFIX = "/ucwa/"


class _Refused(Exception):
    def __init__(self, error: GraphError, ucwa_subcode: str, *, body: bool = True) -> None:
        super().__init__(error.detail)
        self.error = error
        self.ucwa_subcode = ucwa_subcode
        self.body = body  # a refused body yields to a missing token; a refused URL does not


class RequestGuardMiddleware:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int = limits.MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        ucwa = path.startswith(UCWA_PREFIX)
        try:
            if limits.has_control_character(path) or limits.query_has_control_character(
                scope.get("query_string", b"")
            ):
                # Graph's front end (http.sys) refuses such URLs with 400 before any
                # authentication; PostgreSQL would refuse a NUL with an error of its own.
                raise _Refused(
                    BadRequest("The request URL contains a control character."),
                    "InvalidRequest",
                    body=False,
                )
            headers = _headers(scope)
            if "content-length" not in headers and "transfer-encoding" not in headers:
                await self.app(scope, receive, send)
                return
            raw = await self._read(headers, receive)
            if raw is None:  # the client went away mid-body: there is no one to answer
                return
            if raw and limits.is_json(headers.get("content-type")):
                problem = limits.json_problem(raw)
                if problem is not None:
                    raise _Refused(BadRequest(problem), "DeserializationFailure")
        except _Refused as refused:
            await self._refuse(scope, receive, send, refused, ucwa=ucwa)
            return
        await self.app(scope, _replay(raw, receive), send)

    async def _read(self, headers: dict[str, str], receive: Receive) -> bytes | None:
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            raise self._too_large()
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return None
            chunk: bytes = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                raise self._too_large()
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    def _too_large(self) -> _Refused:
        limit = self.max_body_bytes
        text = f"The request body is larger than the limit of {limit} bytes."
        return _Refused(PayloadTooLarge(text), "EntityTooLarge")

    async def _refuse(
        self, scope: Scope, receive: Receive, send: Send, refused: _Refused, *, ucwa: bool
    ) -> None:
        request = Request(scope)
        graph_error = refused.error
        if refused.body:  # a body is looked at only once the token is known to be good
            if ucwa:
                try:
                    deps.authenticate(request)
                except Unauthenticated as unauthenticated:
                    graph_error = unauthenticated
            else:
                graph_error = deps.unauthenticated(request) or graph_error
        if not ucwa:
            await render(request, graph_error)(scope, receive, send)
            return
        error = (
            UcwaError(graph_error.status_code, refused.ucwa_subcode, graph_error.detail)
            if graph_error is refused.error
            else UcwaError.from_graph(graph_error)
        )
        await render_ucwa(request, error)(scope, receive, send)


def _headers(scope: Scope) -> dict[str, str]:
    wanted = (b"content-length", b"transfer-encoding", b"content-type")
    return {
        name.decode("latin-1"): value.decode("latin-1")
        for name, value in scope["headers"]
        if name in wanted
    }


def _replay(raw: bytes, receive: Receive) -> Receive:
    """The body already read, then the client's own messages (a disconnect)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": raw, "more_body": False}
        return await receive()

    return replay
