"""Password hashing with argon2id; one-time passwords (imports, resets) with a salted SHA-256."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# Verified against when the user name is unknown, so both paths cost the same time.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if password_hash is not None and password_hash.startswith(OTP_PREFIX):
        return _verify_one_time(password_hash, password)
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


# ---- one-time passwords -------------------------------------------------------------------------
# A one-time password is random (60 bits) and must be replaced at the first sign-in, so it needs no slow
# hash: a salted SHA-256 is enough against guessing, and it lets a bulk import of 2,000 teachers hash
# their first passwords in milliseconds instead of the minutes argon2 would take.
OTP_PREFIX = "otp$"
OTP_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud or copied from paper
OTP_LENGTH = 12


def new_one_time_password() -> str:
    return "".join(secrets.choice(OTP_ALPHABET) for _ in range(OTP_LENGTH))


def hash_one_time(password: str) -> str:
    salt = secrets.token_hex(8)
    return f"{OTP_PREFIX}{salt}${hashlib.sha256((salt + password).encode()).hexdigest()}"


def _verify_one_time(password_hash: str, password: str) -> bool:
    try:
        salt, digest = password_hash.removeprefix(OTP_PREFIX).split("$", 1)
    except ValueError:
        return False
    return hmac.compare_digest(digest, hashlib.sha256((salt + password).encode()).hexdigest())
