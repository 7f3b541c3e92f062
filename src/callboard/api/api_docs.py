"""``/docs``: Swagger UI served by Callboard itself, so it works without internet; and the
OpenAPI document's bearer security scheme on the Graph routes.

The Swagger UI files come from the ``swagger-ui-bundle`` package (a dependency); FastAPI's
own ``/docs`` would load them from a CDN.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable

from fastapi import APIRouter, FastAPI, Response
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.openapi.utils import get_openapi

from callboard.api.deps import GRAPH_PREFIXES
from callboard.errors import ItemNotFound
from callboard.json_types import JsonObject

ASSETS = "/docs/assets"
# The files /docs needs, and their media types: nothing else of the package is served.
_ASSET_TYPES = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "favicon-32x32.png": "image/png",
}
BEARER = "bearerAuth"

router = APIRouter(include_in_schema=False)


@cache
def _swagger_dir() -> Traversable:
    vendor = resources.files("swagger_ui_bundle") / "vendor"
    # One versioned directory, e.g. vendor/swagger-ui-4.15.5.
    [directory] = [d for d in vendor.iterdir() if d.name.startswith("swagger-ui-")]
    return directory


@router.get("/docs")
async def swagger_ui() -> Response:
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="Callboard - Swagger UI",
        swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS}/favicon-32x32.png",
        oauth2_redirect_url="/docs/oauth2-redirect",
        # No badge fetched from validator.swagger.io.
        swagger_ui_parameters={"validatorUrl": None},
    )


@router.get("/docs/oauth2-redirect")
async def swagger_ui_redirect() -> Response:
    return get_swagger_ui_oauth2_redirect_html()


@router.get(ASSETS + "/{name}")
async def swagger_asset(name: str) -> Response:
    media_type = _ASSET_TYPES.get(name)
    if media_type is None:
        raise ItemNotFound(f"No documentation asset {name!r}.")
    body = (_swagger_dir() / name).read_bytes()
    return Response(body, media_type=media_type, headers={"Cache-Control": "max-age=86400"})


def _with_bearer(app: FastAPI) -> JsonObject:
    """The OpenAPI document, Graph operations marked as needing a bearer JWT."""
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        schemes = schema.setdefault("components", {}).setdefault("securitySchemes", {})
        schemes[BEARER] = {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "An access token from POST /{tenantId}/oauth2/v2.0/token or "
            "`callboard token`.",
        }
        for path, operations in schema.get("paths", {}).items():
            if path.startswith(GRAPH_PREFIXES):
                for operation in operations.values():
                    operation["security"] = [{BEARER: []}]
        app.openapi_schema = schema
    return app.openapi_schema


def install(app: FastAPI) -> None:
    """Local /docs (the app is built with ``docs_url=None``) and the security scheme."""
    app.include_router(router)
    app.openapi = lambda: _with_bearer(app)  # type: ignore[method-assign]
