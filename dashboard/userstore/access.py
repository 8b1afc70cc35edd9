"""Who may change what users give. Pure: configuration in, decisions out (editing.py is the Streamlit side).

Reading is always open. Changing needs an editor only when the instance is configured as shared; on a laptop
the default is single-user and open. Configuration (`.streamlit/secrets.toml`, or the environment):

    [buurtbalans]
    edit_mode = "shared"                       # or "open" (default); env BUURTBALANS_EDIT_MODE wins
    edit_code_hash = "pbkdf2_sha256$600000$…"  # python -m dashboard.userstore.access 'the code'

and/or Streamlit's OpenID Connect login (an `[auth]` section, see the README): a logged-in user is an editor.
An edit code is checked against its PBKDF2 hash (never stored in clear), and failed attempts are limited per
session and per server process.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import sys
import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass

EDIT_MODE_ENV = "BUURTBALANS_EDIT_MODE"
MODES = ("open", "shared")
MAX_CODE_CHARS = 200
ITERATIONS = 600_000


@dataclass(frozen=True)
class EditPolicy:
    mode: str = "open"
    code_hash: str | None = None
    oidc: bool = False

    @property
    def shared(self) -> bool:
        return self.mode == "shared"


def policy_from(secrets_: Mapping, env: Mapping[str, str] | None = None) -> EditPolicy:
    """The policy from secrets (a mapping like st.secrets) and the environment. An unknown mode is treated as
    shared (the safe side), and so is a broken configuration."""
    env = os.environ if env is None else env
    section = secrets_.get("buurtbalans", {}) if hasattr(secrets_, "get") else {}
    mode = str(env.get(EDIT_MODE_ENV) or section.get("edit_mode") or "open").strip().lower()
    code_hash = section.get("edit_code_hash") or None
    auth = secrets_.get("auth", {}) if hasattr(secrets_, "get") else {}
    oidc = bool(auth) and bool(auth.get("redirect_uri")) and bool(auth.get("cookie_secret"))
    return EditPolicy(mode if mode in MODES else "shared", str(code_hash) if code_hash else None, oidc)


def hash_edit_code(code: str, *, iterations: int = ITERATIONS, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", code.encode("utf-8"), salt, iterations)
    return f"pbkdf2_sha256${iterations}${salt.hex()}${digest.hex()}"


def verify_edit_code(code: str, stored: str | None) -> bool:
    """Constant-time check of a code against its hash; False for a missing or malformed hash, or a code
    longer than MAX_CODE_CHARS (never hashed: bounded work per attempt)."""
    if not stored or not isinstance(code, str) or not code or len(code) > MAX_CODE_CHARS:
        return False
    try:
        scheme, iterations, salt, digest = stored.split("$")
        if scheme != "pbkdf2_sha256" or not 1_000 <= int(iterations) <= 5_000_000:
            return False
        expected = bytes.fromhex(digest)
        actual = hashlib.pbkdf2_hmac("sha256", code.encode("utf-8"), bytes.fromhex(salt), int(iterations))
    except ValueError:
        return False
    return hmac.compare_digest(actual, expected)


class AttemptLimiter:
    """At most `per_key` failed attempts per key (a session) and `overall` in all, within `window` seconds."""

    def __init__(self, per_key: int = 5, overall: int = 30, window: float = 300.0):
        self.per_key, self.overall, self.window = per_key, overall, window
        self._failures: dict[str, deque] = {}
        self._all: deque = deque()
        self._lock = threading.Lock()

    def _trim(self, queue: deque, now: float) -> None:
        while queue and queue[0] <= now - self.window:
            queue.popleft()

    def wait_seconds(self, key: str, now: float | None = None) -> float:
        """0 when an attempt is allowed now, else how long to wait."""
        now = time.monotonic() if now is None else now
        with self._lock:
            mine = self._failures.setdefault(key, deque())
            self._trim(mine, now)
            self._trim(self._all, now)
            waits = [mine[0] + self.window - now] if len(mine) >= self.per_key else []
            waits += [self._all[0] + self.window - now] if len(self._all) >= self.overall else []
            return max(waits, default=0.0)

    def failed(self, key: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            self._failures.setdefault(key, deque()).append(now)
            self._all.append(now)
            if len(self._failures) > 10_000:   # bounded memory: forget the quietest keys
                for stale in [k for k, q in self._failures.items() if not q][:5_000]:
                    del self._failures[stale]

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)


if __name__ == "__main__":  # python -m dashboard.userstore.access 'code' -> the line for secrets.toml
    if len(sys.argv) != 2 or not 8 <= len(sys.argv[1]) <= MAX_CODE_CHARS:
        sys.exit("gebruik: python -m dashboard.userstore.access 'een code van minstens 8 tekens'")
    print(f'edit_code_hash = "{hash_edit_code(sys.argv[1])}"')
