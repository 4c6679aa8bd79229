"""ServiceM8's credentials: an API key (``X-Api-Key``, or ``$SERVICEM8_API_KEY``) or an OAuth token."""

from __future__ import annotations

import os

from ..core.auth import Credential, check_type
from ..core.errors import AuthenticationError

__all__ = ["ENV_API_KEY", "resolve_credential"]

ENV_API_KEY = "SERVICEM8_API_KEY"


def resolve_credential(api_key: str | None, oauth_token: str | None) -> Credential:
    """The credential to use: ``oauth_token``, else ``api_key``, else ``$SERVICEM8_API_KEY``.

    Raises:
        AuthenticationError: None was given and the environment variable is unset, or the
            value is blank.
        TypeError: ``api_key`` or ``oauth_token`` is not a ``str`` (the message never shows it).
        ValueError: Both an API key and an OAuth token were given.
    """
    check_type("api_key", api_key)
    check_type("oauth_token", oauth_token)
    if api_key is not None and oauth_token is not None:
        raise ValueError("give either api_key or oauth_token, not both")
    if oauth_token is not None:
        secret, kind = oauth_token, "oauth"
    else:
        secret, kind = (api_key if api_key is not None else os.environ.get(ENV_API_KEY, "")), "api_key"
    secret = secret.strip()
    if not secret:
        raise AuthenticationError(
            f"no ServiceM8 credentials: pass api_key= (or oauth_token=), or set {ENV_API_KEY}; "
            "sm.demo() needs none"
        )
    if not (secret.isascii() and secret.isprintable()):  # said without echoing it
        raise AuthenticationError("the credential holds characters an HTTP header cannot carry (a line break, a "
                                  "space-like or non-ASCII character?); copy it again")
    return Credential(secret, kind)
