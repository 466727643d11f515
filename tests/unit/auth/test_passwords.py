"""Password rules and argon2 hashing."""

from __future__ import annotations

from master.auth.passwords import hash_password, password_problems, verify_password


def test_rules() -> None:
    assert password_problems("ana", "short") == ["is shorter than 12 characters"]
    assert "equals the username" in password_problems("ana-the-admin", "ANA-the-admin")
    assert password_problems("ana", "Password123!") == ["is a commonly used password"]
    assert password_problems("ana", "aaaaaaaaaaaaaaaa") == ["is a commonly used password"]
    assert password_problems("ana", "x" * 2000)[0] == "is longer than 1024 characters"
    assert password_problems("ana", "tidal-ferns-orbit-42") == []


def test_hash_and_verify() -> None:
    h = hash_password("tidal-ferns-orbit-42")
    assert h.startswith("$argon2id$")
    assert verify_password("tidal-ferns-orbit-42", h)
    assert not verify_password("tidal-ferns-orbit-43", h)
    assert not verify_password("anything", None)  # unknown user: same work, refused
    assert not verify_password("anything", "not-a-hash")
