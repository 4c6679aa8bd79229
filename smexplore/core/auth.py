"""Credentials: the headers that carry a secret, a secret read from an argument or the environment, never shown."""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass, field
from typing import Protocol

from .errors import AuthenticationError

__all__ = ["BasicCredential", "Credential", "Credentials", "check_type", "resolve_basic", "resolve_secret"]


class Credentials(Protocol):
    """What a Session authenticates with: a fixed ``Credential``, or one that gets (and renews) tokens.

    ``headers()`` is asked for every request (a token may have changed since); ``renew()`` is
    called when the API refuses the credential (HTTP 401) and says whether a fresh one was got.
    Nothing of it may show a secret: not ``hint``, ``label``, ``repr`` nor any error.
    """

    @property
    def hint(self) -> str:
        """At most the last four characters of something that identifies it (never a whole secret)."""
        ...

    @property
    def label(self) -> str:
        """What it is, in words (``"API key"``, ``"OAuth token"`` …)."""
        ...

    def headers(self) -> dict[str, str]:
        """The request headers that carry it."""
        ...

    def identity(self, base_url: str) -> str:
        """A stable one-way digest of the credential at this URL (keeps accounts' caches apart).

        It is never written anywhere as it is: file names, the cache's account header and the
        store's partitions hold only its keyed hash (``core.keys``), which tells nothing without
        the folder's key.
        """
        ...

    def renew(self) -> bool:
        """Get a fresh credential after the API refused this one; whether one was got."""
        ...

    def secrets(self) -> tuple[str, ...]:
        """Every secret it holds now, as sent (kept out of every message: ``core.redact``)."""
        ...


@dataclass(frozen=True)
class Credential:
    """An API key (``X-Api-Key``), or a token sent as ``Authorization: Bearer`` (``oauth``, ``token``).

    The secret is excluded from ``repr`` and comparisons print nothing; ``hint`` shows at most
    its last four characters.
    """

    secret: str = field(repr=False)
    kind: str = "api_key"  # or "oauth" (an OAuth access token), or "token" (an API token sent as a bearer token)

    def headers(self) -> dict[str, str]:
        """The request headers that carry the credential."""
        if self.kind in ("oauth", "token"):
            return {"Authorization": f"Bearer {self.secret}"}
        return {"X-Api-Key": self.secret}

    @property
    def hint(self) -> str:
        """``…`` and the last four characters (nothing more of the secret, ever)."""
        return "…" + self.secret[-4:] if len(self.secret) > 8 else "…"

    @property
    def label(self) -> str:
        """What the credential is, in words."""
        return {"oauth": "OAuth token", "token": "API token"}.get(self.kind, "API key")

    def renew(self) -> bool:
        """A fixed credential cannot be renewed: a 401 means it is wrong (or revoked)."""
        return False

    def secrets(self) -> tuple[str, ...]:
        """The key or token."""
        return (self.secret,)

    def identity(self, base_url: str) -> str:
        """A one-way digest of the key at this URL (see ``Credentials.identity``)."""
        digest = hashlib.sha256(f"{base_url.rstrip('/')}\n{self.kind}\n{self.secret}".encode()).hexdigest()
        return digest[:16]


def check_type(name: str, value: object) -> None:
    """``TypeError`` unless ``value`` is a ``str`` or ``None``; says what it was, never what it holds."""
    if value is None or isinstance(value, str):
        return
    hint = f" (decode it first: {name}=value.decode())" if isinstance(value, (bytes, bytearray)) else ""
    raise TypeError(f"{name} must be a str, not {type(value).__name__}{hint}")


def resolve_secret(value: str | None, *, argument: str, env: str, system: str) -> str:
    """A secret from ``value``, else from the environment variable ``env``; checked, never echoed.

    Raises:
        AuthenticationError: Neither gives one, or it holds characters a header cannot carry.
        TypeError: ``value`` is not a ``str`` (the message never shows it).
    """
    check_type(argument, value)
    secret = (value if value is not None else os.environ.get(env, "")).strip()
    if not secret:
        raise AuthenticationError(f"no {system} credentials: pass {argument}=, or set {env}")
    if not (secret.isascii() and secret.isprintable()):  # said without echoing it
        raise AuthenticationError("the credential holds characters an HTTP header cannot carry (a line break, a "
                                  "space-like or non-ASCII character?); copy it again")
    return secret


@dataclass(frozen=True)
class BasicCredential:
    """A user name and password sent as HTTP Basic (``Authorization: Basic …``, UTF-8).

    The password is excluded from ``repr``; ``hint`` is the user name (a login, not a secret), so a
    Session's repr says whose access it uses without showing anything of the password.
    """

    user: str
    password: str = field(repr=False)

    def _basic(self) -> str:
        return base64.b64encode(f"{self.user}:{self.password}".encode()).decode("ascii")

    def headers(self) -> dict[str, str]:
        """The ``Authorization`` header that carries the user name and password."""
        return {"Authorization": f"Basic {self._basic()}"}

    def secrets(self) -> tuple[str, ...]:
        """The password, and the Basic header's value that holds it."""
        return (self.password, self._basic())

    @property
    def hint(self) -> str:
        """The user name."""
        return self.user

    @property
    def label(self) -> str:
        return "HTTP Basic user"

    def renew(self) -> bool:
        """A password cannot be renewed: a 401 means it (or the user name) is wrong."""
        return False

    def identity(self, base_url: str) -> str:
        """A one-way digest of this login at this URL (each login's answers are cached apart: users
        see different records; see ``Credentials.identity``)."""
        text = f"{base_url.rstrip('/')}\nbasic\n{self.user}\n{self.password}"
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def _control(text: str) -> bool:
    return any(not character.isprintable() for character in text)


def resolve_basic(user: str | None, password: str | None, *, env_user: str, env_password: str,
                  system: str) -> BasicCredential:
    """An HTTP Basic login from the arguments, else from the environment; checked, the password never echoed.

    Raises:
        AuthenticationError: A user name or password is given nowhere, the user name holds a
            colon (Basic cannot carry one), or either holds a line break or another control
            character (the message never shows the password).
        TypeError: An argument is not a ``str``.
    """
    check_type("user", user)
    check_type("password", password)
    name = (user if user is not None else os.environ.get(env_user, "")).strip()
    secret = password if password is not None else os.environ.get(env_password, "")
    missing = [what for what, value in (("user", name), ("password", secret)) if not value]
    if missing:
        hints = " and ".join(f"{what}= (or {env})" for what, env in (("user", env_user), ("password", env_password))
                             if what in missing)
        raise AuthenticationError(f"no {system} {' or '.join(missing)}: pass {hints}")
    if ":" in name or _control(name):
        raise AuthenticationError(f"the {system} user name cannot hold a colon or a control character")
    if _control(secret):
        raise AuthenticationError(f"the {system} password holds a line break or another control character; "
                                  "copy it again")
    return BasicCredential(name, secret)
