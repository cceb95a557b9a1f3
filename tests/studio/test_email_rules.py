"""Email addresses are normalised before they name an account (issue 16)."""

from __future__ import annotations

import pytest

from studio.accounts import normalise_email
from studio.errors import ValidationFailed


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("  Ada@Example.COM ", "ada@example.com"),
        ("ａｄａ@ｅｘａｍｐｌｅ.ｃｏｍ", "ada@example.com"),  # fullwidth look-alikes: NFKC
        ("x" * 64 + "@example.com", "x" * 64 + "@example.com"),
    ],
)
def test_addresses_are_normalised(given, stored):
    assert normalise_email(given) == stored


@pytest.mark.parametrize(
    "given",
    [
        "ada\u200b@example.com",  # zero-width space
        "ada\u202e@example.com",  # right-to-left override
        "ada\x00@example.com",
        "ada@@example.com",
        "a@b@example.com",
        "x" * 65 + "@example.com",
        "a@" + "b" * 250 + ".com",
        "no-at-sign.example.com",
    ],
)
def test_hidden_characters_and_bad_shapes_are_refused(given):
    with pytest.raises(ValidationFailed) as refused:
        normalise_email(given)
    assert refused.value.field == "email"
