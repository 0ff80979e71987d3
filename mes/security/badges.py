"""Badge numbers stored keyed (HMAC-SHA-256 with a site secret), so a copied user table cannot be
brute-forced offline: badge numbers are short (often 8–10 digits), and an unkeyed hash of every
possible number is minutes of work. Without the key, the stored value says nothing.

The key: MES_BADGE_KEY (at least 16 characters), or the file named by MES_BADGE_KEY_FILE, or a random
key kept in a `badge_key` file created on first use (mode 0600): beside the embedded SQLite database
file, or for PostgreSQL in the MES's local state folder (MES_VAR_DIR, default var/) — never in the
database, where it would be stolen with the table. Every process of a site (web, CLI) must see the same
key: processes on several hosts need MES_BADGE_KEY or MES_BADGE_KEY_FILE.

Each account records how its badge was stored (`badge_scheme`): `hmac-sha256:<key id>` now,
`sha256` for badges assigned before keys existed (migration 0010 marks them). A hash is one-way, so
old badges cannot be converted: they are refused with a message asking for re-assignment.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session

from mes.domain.errors import DomainError
from mes.models import User
from mes.settings import PROJECT_ROOT

log = logging.getLogger(__name__)

LEGACY_SCHEME = "sha256"
KEYED_PREFIX = "hmac-sha256:"
MIN_KEY_LENGTH = 16


class BadgeKeyMissing(DomainError):
    code = "badge_key_missing"
    kind = "conflict"
    message_en = "The badge key file cannot be created or read: set MES_BADGE_KEY or MES_BADGE_KEY_FILE"
    message_ru = "Файл ключа пропусков нельзя создать или прочитать: задайте MES_BADGE_KEY или MES_BADGE_KEY_FILE"


class BadgeKeyInvalid(DomainError):
    code = "badge_key_invalid"
    kind = "conflict"
    message_en = "The badge key must be at least 16 characters ({source})"
    message_ru = "Ключ пропусков должен содержать не менее 16 символов ({source})"


class BadgeNeedsReassignment(DomainError):
    code = "badge_needs_reassignment"
    kind = "conflict"
    message_en = ("This badge was registered before badge numbers were stored keyed. "
                  "Ask an administrator to assign it again (mes user assign-badge).")
    message_ru = ("Этот пропуск зарегистрирован до перехода на хранение номеров с ключом. "
                  "Попросите администратора назначить его заново (mes user assign-badge).")


def badge_key(session: Session, environ: Mapping[str, str] | None = None) -> bytes:
    """The site's badge key for the database this session talks to (see the module docstring)."""
    env = os.environ if environ is None else environ
    if env.get("MES_BADGE_KEY"):
        return _checked(env["MES_BADGE_KEY"], "MES_BADGE_KEY")
    if env.get("MES_BADGE_KEY_FILE"):
        try:
            return _checked(Path(env["MES_BADGE_KEY_FILE"]).read_text().strip(), "MES_BADGE_KEY_FILE")
        except OSError as exc:
            raise BadgeKeyMissing(str(exc)) from exc
    path = _key_file(make_url(str(session.get_bind().url)), env)
    try:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            _create_key_file(path)
        return _checked(path.read_text().strip(), str(path))
    except OSError as exc:
        raise BadgeKeyMissing(str(exc)) from exc


def _key_file(url: URL, env: Mapping[str, str]) -> Path:
    """Beside an SQLite database file; otherwise in the MES's local state folder (MES_VAR_DIR, default var/)."""
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).resolve().parent / "badge_key"
    return Path(env.get("MES_VAR_DIR", PROJECT_ROOT / "var")) / "badge_key"


def _create_key_file(path: Path) -> None:
    """A random key readable by the MES account only; never overwrite one (badges depend on it)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it a moment ago: use theirs
        return
    with os.fdopen(fd, "w") as out:
        out.write(secrets.token_hex(32))


def _checked(key: str, source: str) -> bytes:
    if len(key) < MIN_KEY_LENGTH:
        raise BadgeKeyInvalid(source=source)
    return key.encode()


def key_id(key: bytes) -> str:
    """A short fingerprint of the key, stored with each badge: shows which key a badge was assigned under."""
    return hashlib.sha256(b"mes-badge-key-id:" + key).hexdigest()[:12]


def keyed_scheme(key: bytes) -> str:
    """The `badge_scheme` value of badges stored with this key."""
    return KEYED_PREFIX + key_id(key)


def keyed_badge_hash(badge: str, key: bytes) -> str:
    """The stored form of a badge number: HMAC-SHA-256 with the site key, hex."""
    return hmac.new(key, badge.strip().encode(), hashlib.sha256).hexdigest()


def legacy_badge_hash(badge: str) -> str:
    """The unkeyed SHA-256 used before migration 0010: only to recognise a badge that must be re-assigned."""
    return hashlib.sha256(f"mes-badge:{badge.strip()}".encode()).hexdigest()


@dataclass(frozen=True)
class BadgeMatch:
    """Who holds a scanned badge: the account, or None; `needs_reassignment` for an old-scheme badge."""

    user: User | None
    needs_reassignment: bool = False


def find_badge_holder(session: Session, badge: str) -> BadgeMatch:
    """The account a scanned badge belongs to under the site key, or an old-scheme holder to refuse."""
    if not badge.strip():
        return BadgeMatch(None)
    try:
        key = badge_key(session)
    except BadgeKeyMissing:
        if session.scalars(select(User.id).where(User.badge_hash.is_not(None))).first() is None:
            return BadgeMatch(None)  # no badge anywhere: nothing to match, no key needed (e.g. a typed user name)
        raise
    user = session.scalars(select(User).where(User.badge_hash == keyed_badge_hash(badge, key))).one_or_none()
    if user is not None:
        return BadgeMatch(user)
    legacy = session.scalars(select(User).where(User.badge_hash == legacy_badge_hash(badge),
                                                User.badge_scheme == LEGACY_SCHEME)).one_or_none()
    if legacy is not None:
        return BadgeMatch(legacy, needs_reassignment=True)
    _warn_if_other_keys(session, key)
    return BadgeMatch(None)


def badges_to_reassign(session: Session, key: bytes) -> list[User]:
    """Accounts whose badge was stored unkeyed or under another key: they cannot sign in until re-assigned."""
    stale = or_(User.badge_scheme.is_(None), User.badge_scheme != keyed_scheme(key))
    return list(session.scalars(select(User).where(User.badge_hash.is_not(None), stale).order_by(User.username)))


def _warn_if_other_keys(session: Session, key: bytes) -> None:
    """An unknown badge while badges of another key exist: most likely the key changed; say so in the log."""
    other = session.scalars(select(User.username).where(
        User.badge_hash.is_not(None), User.badge_scheme.like(KEYED_PREFIX + "%"),
        User.badge_scheme != keyed_scheme(key))).first()
    if other is not None:
        log.warning("badges were assigned under another badge key (e.g. %s): MES_BADGE_KEY or the badge_key file "
                    "changed? Those badges must be re-assigned (mes user badges)", other)
