"""Password hashing (passlib with argon2id) and the rules a new password must meet.

The argon2 parameters are chosen for ~50-150 ms per verify on the 2-core reference machine
(``bench/`` measures it): slow enough that a stolen hash is costly to guess, fast enough that a
login does not queue behind others. passlib's bcrypt backend breaks with bcrypt >= 5, hence
argon2 (argon2-cffi). Hashes carry their parameters, so raising them later keeps old hashes
valid and ``needs_rehash`` tells the login to upgrade them."""

from __future__ import annotations

import warnings
from functools import cache
from importlib import resources

# passlib 1.7.4 (its last release) imports the stdlib ``crypt`` module and reads
# ``argon2.__version__``, both deprecated; silenced here, once, rather than everywhere.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from passlib.context import CryptContext

MIN_LENGTH = 12
MAX_LENGTH = 1024  # argon2 takes any length; a bound keeps a megabyte "password" from costing CPU

# argon2id, 2 passes over 64 MiB in 2 lanes: 64 MiB per guess is what makes a stolen hash
# expensive to brute-force on GPUs (OWASP's floor is 19 MiB with t=2). Three passes measured
# 178 ms per verify on the 2-core reference machine, over the 50-150 ms a login may cost
# (`python -m bench auth` measures it); memory was kept and a pass dropped, not the reverse,
# as memory is what GPUs lack. Existing t=3 hashes stay valid and are rehashed at next login.
TIME_COST = 2
MEMORY_KIB = 64 * 1024
PARALLELISM = 2
_context = CryptContext(
    schemes=["argon2"],
    argon2__type="ID",
    argon2__time_cost=TIME_COST,
    argon2__memory_cost=MEMORY_KIB,
    argon2__parallelism=PARALLELISM,
)
# Verified against when the user does not exist, so that an unknown user costs the same time
# as a wrong password (no user enumeration by timing).
with warnings.catch_warnings():  # the first hash loads the argon2 backend
    warnings.simplefilter("ignore", DeprecationWarning)
    _DUMMY_HASH = _context.hash("lookout-no-such-user-placeholder")


def hash_password(password: str) -> str:
    return str(_context.hash(password))


def verify_password(password: str, hashed: str | None) -> bool:
    """True when ``password`` matches ``hashed``; with no hash, spends the same time and fails."""
    if len(password) > MAX_LENGTH:
        return False
    if hashed is None:
        _context.verify(password, _DUMMY_HASH)
        return False
    try:
        return bool(_context.verify(password, hashed))
    except ValueError:  # not a hash passlib knows (a disabled or externally managed account)
        return False


def needs_rehash(hashed: str) -> bool:
    return bool(_context.needs_update(hashed))


@cache
def _common() -> frozenset[str]:
    text = resources.files("master.auth").joinpath("common-passwords.txt").read_text()
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


def password_problems(username: str, password: str) -> list[str]:
    """Why ``password`` may not be used by ``username``; empty when it may."""
    problems: list[str] = []
    if len(password) < MIN_LENGTH:
        problems.append(f"is shorter than {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        problems.append(f"is longer than {MAX_LENGTH} characters")
    lowered = password.lower()
    if username and lowered == username.lower():
        problems.append("equals the username")
    if lowered in _common() or len(set(password)) < 4:
        problems.append("is a commonly used password")
    return problems
