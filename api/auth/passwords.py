"""Password hashing with argon2id, the strength rule for passwords people choose, and one-time passwords
(imports, resets) with a salted SHA-256."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# Verified against when the user name is unknown, so both paths cost the same time.
_DUMMY_HASH = _hasher.hash("not-a-real-password")

MIN_LENGTH = 8
MAX_LENGTH = 256
# Passwords people pick first; a district's leaked lists are full of these.
COMMON = frozenset({"12345678", "123456789", "1234567890", "password", "password1", "qwertyuiop", "11111111",
                    "88888888", "abc12345", "a1234567", "1qaz2wsx", "qwer1234", "abcd1234", "woaini520",
                    "iloveyou", "tingke123", "tingke-demo", "admin123", "00000000", "aa123456"})


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if password_hash is not None and password_hash.startswith(OTP_PREFIX):
        return _verify_one_time(password_hash, password)
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def strength_problem(password: str, username: str) -> str | None:
    """Why the password is too weak, or None: at least MIN_LENGTH characters (MAX_LENGTH at most), two kinds
    of letters / digits / other signs, not the user name, not a well-known password."""
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        return f"A password has {MIN_LENGTH} to {MAX_LENGTH} characters."
    kinds = sum((any(c.isalpha() for c in password), any(c.isdigit() for c in password),
                 any(not c.isalnum() for c in password)))
    if kinds < 2:
        return "Mix at least two kinds of characters: letters, digits, other signs."
    if username and len(username) >= 3 and username.lower() in password.lower():
        return "A password must not contain the user name."
    if password.lower() in COMMON:
        return "This password is too well known; choose another."
    return None


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
