"""OpenID configuration and keys, for the tokens Callboard issues and the ones it puts on
notifications; a client-credentials token endpoint and instance discovery shaped like
Microsoft identity platform's, so that MSAL and azure-identity work with only their
authority changed (docs/auth.md)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Query, Request, Response

from callboard.api.deps import RuntimeDep, base_url
from callboard.api.responses import json_response
from callboard.errors import InvalidClient
from callboard.json_types import JsonObject
from callboard.services import token_issuing

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


def _tenant_metadata(root: str, tenant_id: str) -> JsonObject:
    """The fields of login.microsoftonline.com's v2.0 document that MSAL reads (it fails with
    a KeyError without ``authorization_endpoint``), with Callboard's URLs in them."""
    oauth = f"{root}/{tenant_id}/oauth2/v2.0"
    return {
        "issuer": f"https://sts.windows.net/{tenant_id}/",
        "authorization_endpoint": f"{oauth}/authorize",
        "token_endpoint": f"{oauth}/token",
        "device_authorization_endpoint": f"{oauth}/devicecode",
        "end_session_endpoint": f"{oauth}/logout",
        "jwks_uri": f"{root}/common/discovery/v2.0/keys",
        "token_endpoint_auth_methods_supported": ["client_secret_post"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["token"],
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "grant_types_supported": ["client_credentials"],
        "tenant_region_scope": None,
        "cloud_instance_name": "microsoftonline.com",
    }


@router.get("/{tenant_id}/v2.0/.well-known/openid-configuration", summary="token metadata")
async def token_openid(request: Request, tenant_id: str) -> Response:
    return json_response(_tenant_metadata(base_url(request), tenant_id))


@router.get("/common/discovery/instance", summary="instance discovery (MSAL)")
async def instance_discovery(
    request: Request,
    authorization_endpoint: Annotated[str, Query()] = "",
) -> Response:
    """What ``login.microsoftonline.com/common/discovery/instance`` answers for a known
    authority: where its tenant's OpenID document is. MSAL asks this when its
    ``instance_discovery`` names this URL; an authority elsewhere is ``invalid_instance``."""
    root = base_url(request)
    here = urlsplit(root)
    asked = urlsplit(authorization_endpoint)
    segments = [s for s in asked.path.split("/") if s]
    # MSAL names the authority by host alone (it drops the port).
    if (asked.hostname or "") != (here.hostname or "") or not segments:
        return json_response(
            {
                "error": "invalid_instance",
                "error_description": f"The authority {authorization_endpoint!r} is not "
                f"served here ({root}).",
            },
            400,
        )
    return json_response(
        {
            "tenant_discovery_endpoint": (
                f"{root}/{segments[0]}/v2.0/.well-known/openid-configuration"
            ),
            "api-version": "1.1",
            "metadata": [
                {
                    "preferred_network": here.netloc,
                    "preferred_cache": here.netloc,
                    "aliases": [here.netloc],
                }
            ],
        }
    )


@router.get("/common/discovery/v2.0/keys", summary="access-token signing keys (JWKS)")
async def token_keys(rt: RuntimeDep) -> Response:
    return json_response(rt.keyring.jwks())


def _oauth_error(error: str, description: str, status: int) -> Response:
    """OAuth 2.0's error envelope (RFC 6749 section 5.2), as Microsoft's token endpoint
    answers: not Graph's."""
    return json_response({"error": error, "error_description": description}, status)


@router.post("/{tenant_id}/oauth2/v2.0/token", summary="client-credentials token")
async def issue_token(
    tenant_id: str,
    rt: RuntimeDep,
    grant_type: Annotated[str, Form()] = "",
    client_id: Annotated[str, Form()] = "",
    client_secret: Annotated[str, Form()] = "",
    scope: Annotated[str, Form()] = "https://graph.microsoft.com/.default",
) -> Response:
    if not grant_type or not client_id:
        missing = "grant_type" if not grant_type else "client_id"
        return _oauth_error("invalid_request", f"The request body must contain {missing}.", 400)
    if grant_type != "client_credentials":
        return _oauth_error(
            "unsupported_grant_type", "Only grant_type=client_credentials is supported.", 400
        )
    try:
        token = token_issuing.client_credentials(rt, tenant_id, client_id, client_secret)
    except InvalidClient as exc:
        return _oauth_error(exc.code, exc.detail, exc.status_code)
    return json_response(
        {
            "token_type": "Bearer",
            "expires_in": rt.settings.token_lifetime_seconds,
            "ext_expires_in": rt.settings.token_lifetime_seconds,
            "access_token": token,
        }
    )
