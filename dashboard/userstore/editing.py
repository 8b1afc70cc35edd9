"""Edit rights in the dashboard (Streamlit side of access.py): who is editing, and the gate before a change.

`actor()` names whoever changes something, for the audit log: "redacteur:<e-mail>" after an OpenID Connect
login, "redacteur-code:<session>" after a correct edit code, "sessie:<session>" on an open (laptop) instance.
`can_edit()` is True on an open instance and for an editor on a shared one; `render_gate(key)` shows how to
become an editor. Every write path checks can_edit() again on the server (in the callback), not only by
hiding a button.
"""
from __future__ import annotations

import secrets as _secrets

import streamlit as st

from .access import MAX_CODE_CHARS, AttemptLimiter, EditPolicy, policy_from, verify_edit_code

LIMITER = AttemptLimiter()
_SESSION_KEY = "userstore_session_id"
_CODE_OK_KEY = "userstore_edit_code_ok"


def policy() -> EditPolicy:
    try:
        configured = st.secrets.to_dict()
    except Exception:  # noqa: BLE001 - no secrets.toml: the laptop default
        configured = {}
    return policy_from(configured)


def session_id() -> str:
    return st.session_state.setdefault(_SESSION_KEY, _secrets.token_hex(4))


def _oidc_user() -> str | None:
    try:
        if st.user.is_logged_in:
            return str(st.user.get("email") or st.user.get("name") or "onbekend")
    except Exception:  # noqa: BLE001 - no [auth] configured
        return None
    return None


def editor() -> str | None:
    """The editor's name for the audit log, or None when this session may not change anything."""
    rules = policy()
    if not rules.shared:
        return f"sessie:{session_id()}"
    user = _oidc_user() if rules.oidc else None
    if user:
        return f"redacteur:{user}"
    if rules.code_hash and st.session_state.get(_CODE_OK_KEY):
        return f"redacteur-code:{session_id()}"
    return None


def can_edit() -> bool:
    return editor() is not None


def actor() -> str:
    return editor() or f"sessie:{session_id()}"


def done_by_me(history: list, action: str) -> bool:
    """Is the newest entry of a row's audit log (`history`, newest first) `action` by this session's actor? A
    change refused because it is already in effect is then a double click's second submit, not someone else's."""
    return bool(history) and history[0].action == action and history[0].actor == actor()


def actor_text(who: str) -> str:
    """The audit log's actor as a history says it (B1, no 'sessie:574c3867'): 'een bezoeker (nr. 574c3867)',
    'een redacteur met de code (nr. …)', 'redacteur jan@…'; anything else as stored."""
    kind, _, rest = str(who).partition(":")
    if kind == "sessie" and rest:
        return f"een bezoeker (nr. {rest})"
    if kind == "redacteur-code" and rest:
        return f"een redacteur met de code (nr. {rest})"
    if kind == "redacteur" and rest:
        return f"redacteur {rest}"
    return str(who)


def _check_code(key: str) -> None:
    rules = policy()
    code = str(st.session_state.get(f"{key}_code") or "")[:MAX_CODE_CHARS + 1]
    st.session_state[f"{key}_code"] = ""
    wait = LIMITER.wait_seconds(session_id())
    if wait > 0:
        st.session_state[f"{key}_msg"] = ("error", f"Te veel pogingen. Probeer het over {int(wait // 60) + 1} "
                                                   "minuten opnieuw.")
        return
    if verify_edit_code(code, rules.code_hash):
        LIMITER.succeeded(session_id())
        st.session_state[_CODE_OK_KEY] = True
        st.session_state[f"{key}_msg"] = ("success", "U kunt nu wijzigen.")
    else:
        LIMITER.failed(session_id())
        st.session_state[f"{key}_msg"] = ("error", "Deze code klopt niet.")


def render_gate(key: str) -> bool:
    """On a shared instance without an editor: say so and offer the login and/or code. True if editing."""
    message = st.session_state.pop(f"{key}_msg", None)
    if can_edit():
        if message:
            getattr(st, message[0])(message[1])
        return True
    rules = policy()
    st.info("Iedereen kan de Bewonerskaart lezen. Wijzigen kan alleen een redacteur van deze buurt of "
            "organisatie.", icon=":material/lock:")
    if rules.oidc:
        st.button("Inloggen als redacteur", key=f"{key}_login", on_click=st.login, icon=":material/login:")
    if rules.code_hash:
        with st.form(f"{key}_form"):
            st.text_input("Redacteurscode", type="password", key=f"{key}_code", max_chars=MAX_CODE_CHARS)
            st.form_submit_button("Code gebruiken", on_click=_check_code, args=(key,))
    if not rules.oidc and not rules.code_hash:
        st.caption("Op deze installatie is nog geen redacteur ingesteld; vraag de beheerder.")
    if message:
        getattr(st, message[0])(message[1])
    return False
