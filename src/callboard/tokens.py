"""RS256 tokens: Graph-style access tokens that Callboard issues and checks, and the
tokens it puts on the notifications it POSTs to bots. Keys are published as a JWKS."""

from __future__ import annotations

import functools
import json
import threading
import uuid
from dataclasses import dataclass

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from jwt.algorithms import RSAAlgorithm

from callboard.json_types import JsonObject

# The server's clock minus the wall clock when a token was issued (whole seconds). Times in a
# token are wall-clock times, which any client accepts; Callboard judges expiry on its own
# (possibly advanced) clock by adding this back.
CLOCK_SKEW_CLAIM = "xms_cb_skew"

GRAPH_AUDIENCES = ("https://graph.microsoft.com", "00000003-0000-0000-c000-000000000000")
GRAPH_AUDIENCE = GRAPH_AUDIENCES[0]


def generate_private_pem() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return uuid.uuid4().hex, pem


@functools.lru_cache(maxsize=16)
def _load_private_key(pem: str) -> PrivateKeyTypes:
    """Parsing checks the RSA key's consistency, which costs tens of milliseconds: do it once
    per key and process (a pure function of the PEM, so the cache cannot go stale)."""
    return serialization.load_pem_private_key(pem.encode(), password=None)


def token_issuer(tenant_id: str) -> str:
    return f"https://sts.windows.net/{tenant_id}/"


@dataclass(frozen=True)
class Principal:
    """Who is calling: an application (``roles``) or a user through an app (``scp``)."""

    tenant_id: str
    app_id: str
    user_id: str | None
    permissions: frozenset[str]
    claims: JsonObject

    @property
    def is_app_only(self) -> bool:
        return self.user_id is None


class InvalidToken(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class KeyRing:
    """Signs with the newest key, verifies with any (so keys can rotate)."""

    def __init__(self, keys: list[tuple[str, str]]) -> None:
        if not keys:
            raise ValueError("a key ring needs at least one key")
        self._private = {kid: _load_private_key(pem) for kid, pem in keys}
        self._public: dict[str, rsa.RSAPublicKey] = {}
        for kid, key in self._private.items():
            if not isinstance(key, rsa.RSAPrivateKey):
                raise ValueError(f"signing key {kid} is not an RSA key")
            self._public[kid] = key.public_key()
        self.signing_kid = keys[-1][0]
        self._verified: dict[str, Principal] = {}
        self._lock = threading.Lock()

    def jwks(self) -> JsonObject:
        keys = []
        for kid, public in self._public.items():
            jwk = json.loads(RSAAlgorithm.to_jwk(public))
            jwk.update(kid=kid, use="sig", alg="RS256")
            keys.append(jwk)
        return {"keys": keys}

    def sign(self, claims: JsonObject) -> str:
        return jwt.encode(
            claims,
            self._private[self.signing_kid],  # type: ignore[arg-type]
            algorithm="RS256",
            headers={"kid": self.signing_kid, "typ": "JWT"},
        )

    def issue_access_token(
        self,
        *,
        tenant_id: str,
        app_id: str,
        app_name: str,
        now: float,
        lifetime: int,
        roles: list[str] | None = None,
        user_id: str | None = None,
        upn: str | None = None,
        scopes: list[str] | None = None,
        wall_now: float | None = None,
    ) -> str:
        """``now`` is the server's clock, ``wall_now`` the real time (default: the same): the
        token's times are real, its lifetime runs on the server's clock."""
        wall = int(now if wall_now is None else wall_now)
        claims: JsonObject = {
            "aud": GRAPH_AUDIENCE,
            "iss": token_issuer(tenant_id),
            "iat": wall,
            "nbf": wall,
            "exp": wall + lifetime,
            CLOCK_SKEW_CLAIM: int(now) - wall,
            "tid": tenant_id,
            "appid": app_id,
            "app_displayname": app_name,
            "ver": "1.0",
            "uti": uuid.uuid4().hex[:22],
        }
        if user_id is None:
            claims.update(oid=app_id, sub=app_id, idtyp="app", roles=sorted(roles or []))
        else:
            claims.update(oid=user_id, sub=user_id, idtyp="user", scp=" ".join(scopes or []))
            if upn:
                claims["upn"] = upn
        return self.sign(claims)

    def verify_access_token(self, token: str, now: float) -> Principal:
        cached = self._verified.get(token)
        if cached is not None:
            if _on_server_clock(cached.claims, "exp") <= now:
                raise InvalidToken("Access token has expired or is not yet valid.")
            return cached
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.PyJWTError:
            raise InvalidToken("Access token validation failure. Invalid audience.") from None
        public = self._public.get(kid) if isinstance(kid, str) else None
        if public is None:
            raise InvalidToken("Access token validation failure: unknown signing key.")
        try:
            claims = jwt.decode(
                token,
                public,
                algorithms=["RS256"],
                audience=list(GRAPH_AUDIENCES),
                options={
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                    "require": ["exp", "tid", "appid"],
                },
            )
        except jwt.InvalidAudienceError:
            raise InvalidToken("Access token validation failure. Invalid audience.") from None
        except jwt.PyJWTError as exc:
            raise InvalidToken(f"Access token validation failure: {exc}.") from None
        # Graph rejects a token from another issuer like a forged one: only Callboard's issuer
        # for the token's own tenant is accepted (a token signed for one tenant cannot claim to
        # come from another's authority).
        if claims.get("iss") != token_issuer(str(claims["tid"])):
            raise InvalidToken("Access token validation failure. Invalid issuer.")
        # Expiry is checked against the injected clock, so the virtual clock applies too.
        if _on_server_clock(claims, "exp") <= now or _on_server_clock(claims, "nbf") > now + 300:
            raise InvalidToken("Access token has expired or is not yet valid.")
        principal = _principal(claims)
        with self._lock:
            if len(self._verified) > 10_000:
                self._verified.clear()
            self._verified[token] = principal
        return principal


def _on_server_clock(claims: JsonObject, name: str) -> float:
    skew = claims.get(CLOCK_SKEW_CLAIM, 0)
    value = claims.get(name, 0)
    if not isinstance(skew, int | float) or not isinstance(value, int | float):
        return 0.0
    return float(value + skew)


def _principal(claims: JsonObject) -> Principal:
    user_id = claims.get("oid") if claims.get("scp") is not None else None
    if user_id is not None:
        permissions = frozenset(str(claims.get("scp", "")).split())
    else:
        permissions = frozenset(claims.get("roles") or [])
    return Principal(
        tenant_id=str(claims["tid"]),
        app_id=str(claims["appid"]),
        user_id=user_id,
        permissions=permissions,
        claims=claims,
    )
