"""Edit rights (dashboard/userstore/access.py): the policy from secrets, hashed edit codes, attempt limits."""
from __future__ import annotations

import time

from dashboard.userstore.access import (MAX_CODE_CHARS, AttemptLimiter, hash_edit_code, policy_from,
                                        verify_edit_code)


def test_the_laptop_default_is_open_and_unknown_modes_are_shared():
    assert policy_from({}, {}).mode == "open" and not policy_from({}, {}).shared
    assert policy_from({"buurtbalans": {"edit_mode": "shared"}}, {}).shared
    assert policy_from({}, {"BUURTBALANS_EDIT_MODE": "Shared"}).shared
    assert policy_from({"buurtbalans": {"edit_mode": "gedeeld"}}, {}).shared        # a typo is not "open"
    assert policy_from({"buurtbalans": {"edit_mode": "shared"}}, {"BUURTBALANS_EDIT_MODE": "open"}).mode == "open"
    oidc = {"auth": {"redirect_uri": "https://x.nl/oauth2callback", "cookie_secret": "s", "client_id": "c"}}
    assert policy_from(oidc, {}).oidc and not policy_from({"auth": {"client_id": "c"}}, {}).oidc


def test_edit_codes_are_checked_against_their_hash_only():
    stored = hash_edit_code("buurt-2024-geheim", iterations=1_000)
    assert "buurt-2024-geheim" not in stored and stored.startswith("pbkdf2_sha256$1000$")
    assert verify_edit_code("buurt-2024-geheim", stored)
    assert hash_edit_code("buurt-2024-geheim", iterations=1_000) != stored              # salted
    for wrong in ("buurt-2024-Geheim", "", "buurt-2024-geheim ", "x" * (MAX_CODE_CHARS + 1)):
        assert not verify_edit_code(wrong, stored)
    for broken in (None, "", "plain", "md5$1$aa$bb", "pbkdf2_sha256$10$aa$bb", "pbkdf2_sha256$1000$zz$bb",
                   "pbkdf2_sha256$99999999$aa$bb"):
        assert not verify_edit_code("buurt-2024-geheim", broken)


def test_a_very_long_code_costs_no_hashing():
    stored = hash_edit_code("code", iterations=1_000_000)
    started = time.process_time()
    assert not verify_edit_code("x" * 10_000_000, stored)
    assert time.process_time() - started < 0.5


def test_failed_attempts_are_limited_per_session_and_overall():
    limiter = AttemptLimiter(per_key=3, overall=5, window=300)
    for _ in range(3):
        assert limiter.wait_seconds("a", now=100.0) == 0
        limiter.failed("a", now=100.0)
    assert limiter.wait_seconds("a", now=101.0) == 299.0
    assert limiter.wait_seconds("b", now=101.0) == 0
    limiter.failed("b", now=101.0)
    limiter.failed("c", now=101.0)
    assert limiter.wait_seconds("d", now=102.0) > 0                                       # 5 in all: everyone waits
    assert limiter.wait_seconds("a", now=401.0) == 0                                      # the window passed
    limiter.succeeded("b")
    assert "b" not in limiter._failures
