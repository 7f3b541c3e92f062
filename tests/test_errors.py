"""One error hierarchy: Graph's and UCWA's errors share a base; each API renders its own."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from callboard.api import errors as graph_errors
from callboard.api.ucwa import errors as ucwa_errors
from callboard.errors import (
    BadRequest,
    CallboardError,
    Conflict,
    GraphError,
    ItemNotFound,
    UcwaError,
    invalid_parameter,
)


def test_every_error_is_a_callboard_error() -> None:
    for error in (GraphError(), BadRequest("no"), UcwaError(404, "ResourceNotFound", "gone")):
        assert isinstance(error, CallboardError)
        assert isinstance(error.status_code, int)
        assert error.code
        assert error.message
    assert not issubclass(UcwaError, GraphError)


def test_graph_error_message_and_detail() -> None:
    default = ItemNotFound()
    assert (default.status_code, default.code) == (404, "itemNotFound")
    assert default.message == default.detail == "The requested resource was not found."
    given = BadRequest("subject is too long")
    assert given.message == given.detail == str(given) == "subject is too long"
    assert BadRequest.message == "The request is invalid."  # the class keeps its default


def test_ucwa_error_code_follows_the_status() -> None:
    assert UcwaError(412, "PreconditionFailed", "stale").code == "PreConditionFailed"
    assert UcwaError(428, None, "x").code == "PreConditionRequired"
    assert UcwaError(418, None, "x").code == "ServiceFailure"  # no UCWA code: a failure
    error = invalid_parameter("bad", "subject", "leaders")
    assert (error.status_code, error.subcode, error.parameters) == (
        400,
        "ParameterValidationFailure",
        ["subject", "leaders"],
    )


def test_ucwa_error_from_a_graph_error() -> None:
    conflict = UcwaError.from_graph(Conflict())
    assert (conflict.status_code, conflict.code, conflict.subcode) == (409, "Conflict", None)
    assert conflict.message == Conflict.message
    missing = UcwaError.from_graph(ItemNotFound("no meeting"))
    assert (missing.code, missing.subcode, missing.message) == (
        "NotFound",
        "ResourceNotFound",
        "no meeting",
    )


def _app() -> FastAPI:
    app = FastAPI()
    graph_errors.install(app)
    ucwa_errors.install(app)

    @app.get("/graph")
    async def graph() -> None:
        raise ItemNotFound("no such call")

    @app.get("/elsewhere")
    async def elsewhere() -> None:
        raise UcwaError(409, "AlreadyExists", "The extension 1 already exists.")

    return app


def test_each_api_renders_its_own_branch() -> None:
    with TestClient(_app()) as client:
        graph = client.get("/graph")
        assert graph.status_code == 404
        assert graph.json()["error"]["code"] == "itemNotFound"
        assert graph.json()["error"]["message"] == "no such call"
        # A UcwaError outside /ucwa still gets UCWA's envelope (never Graph's, never a 500).
        ucwa = client.get("/elsewhere", headers={"Accept": "application/xml"})
        assert ucwa.status_code == 409
        assert ucwa.headers["content-type"].startswith("application/xml")
        assert "<code>Conflict</code>" in ucwa.text
        assert "<subcode>AlreadyExists</subcode>" in ucwa.text
        as_json = client.get("/elsewhere")
        assert as_json.json() == {
            "code": "Conflict",
            "message": "The extension 1 already exists.",
            "subcode": "AlreadyExists",
        }
