"""OpenID configuration and keys, for the tokens Callboard issues and the ones it puts on
notifications; a client-credentials token endpoint shaped like Microsoft identity's."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response

from callboard.api.deps import RuntimeDep, base_url
from callboard.api.responses import json_response
from callboard.errors import BadRequest
from callboard.services import tokens as token_service

router = APIRouter(tags=["identity"])


@router.get("/v1/.well-known/OpenIdConfiguration", summary="notification signing metadata")
async def notification_openid(request: Request, rt: RuntimeDep) -> Response:
    """Mirrors api.aps.skype.com: where bots find the keys that sign notifications."""
    root = base_url(request)
    return json_response(
        {
            "issuer": rt.settings.notification_issuer,
            "jwks_uri": f"{root}/v1/keys",
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        }
    )


@router.get("/v1/keys", summary="notification signing keys (JWKS)")
async def notification_keys(rt: RuntimeDep) -> Response:
    return json_response(rt.keyring.jwks())


@router.get("/{tenant_id}/v2.0/.well-known/openid-configuration", summary="token metadata")
async def token_openid(request: Request, tenant_id: str) -> Response:
    root = base_url(request)
    return json_response(
        {
            "issuer": f"https://sts.windows.net/{tenant_id}/",
            "token_endpoint": f"{root}/{tenant_id}/oauth2/v2.0/token",
            "jwks_uri": f"{root}/common/discovery/v2.0/keys",
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["token"],
            "grant_types_supported": ["client_credentials"],
        }
    )


@router.get("/common/discovery/v2.0/keys", summary="access-token signing keys (JWKS)")
async def token_keys(rt: RuntimeDep) -> Response:
    return json_response(rt.keyring.jwks())


@router.post("/{tenant_id}/oauth2/v2.0/token", summary="client-credentials token")
async def issue_token(
    tenant_id: str,
    rt: RuntimeDep,
    grant_type: Annotated[str, Form()],
    client_id: Annotated[str, Form()],
    client_secret: Annotated[str, Form()] = "",
    scope: Annotated[str, Form()] = "https://graph.microsoft.com/.default",
) -> Response:
    if grant_type != "client_credentials":
        raise BadRequest("Only grant_type=client_credentials is supported.")
    try:
        token = token_service.client_credentials(rt, tenant_id, client_id, client_secret)
    except token_service.InvalidClient as exc:
        return json_response({"error": "invalid_client", "error_description": str(exc)}, 401)
    return json_response(
        {
            "token_type": "Bearer",
            "expires_in": rt.settings.token_lifetime_seconds,
            "ext_expires_in": rt.settings.token_lifetime_seconds,
            "access_token": token,
        }
    )
