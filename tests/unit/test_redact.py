"""Secrets of live credentials are masked in every message (core.redact), and forgotten with them."""

from __future__ import annotations

import gc
import logging

import pytest

import smexplore as sm
from smexplore.core.auth import BasicCredential, Credential
from smexplore.core.log import get_logger
from smexplore.core.redact import redact, watch


def test_every_form_a_server_may_echo_is_masked() -> None:
    login = BasicCredential("ann", "pa ss/word+1")
    watch(login)
    basic = login.headers()["Authorization"].split()[1]
    text = redact(f"bad password pa ss/word+1, pa%20ss%2Fword%2B1, pa+ss%2Fword%2B1, header {basic}")
    assert text == "bad password ***, ***, ***, header ***"


def test_two_equal_credentials_are_two_holders() -> None:
    """The first one's collection must not forget the second (a WeakSet compares by value)."""
    first, second = Credential("sm8-equal-key-0001"), Credential("sm8-equal-key-0001")
    watch(first)
    watch(second)
    del first
    gc.collect()
    assert redact("key sm8-equal-key-0001") == "key ***"
    del second
    gc.collect()
    assert redact("key sm8-equal-key-0001") == "key sm8-equal-key-0001"  # forgotten with its holder


def test_errors_and_log_records_are_masked(caplog: pytest.LogCaptureFixture) -> None:
    credential = Credential("ruddr-logged-token-77")
    watch(credential)
    with caplog.at_level(logging.INFO, logger="smexplore"):
        get_logger("test").info("the server said %s", "ruddr-logged-token-77 is wrong")
    assert [record.getMessage() for record in caplog.records] == ["the server said *** is wrong"]
    assert str(sm.APIError("echoed ruddr-logged-token-77", 500)) == "echoed ***"
    assert "ab" == redact("ab")  # secrets shorter than four characters are not looked for
