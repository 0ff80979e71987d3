"""People: users with a role and a hashed password, and their qualifications."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from mes.models.base import Base, UTCDateTime


class User(Base):
    """A person who signs in; the password is stored only as an argon2 hash."""

    __tablename__ = "app_user"  # "user" is reserved in PostgreSQL
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(5), default="ru")
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Account policies (mes.security.accounts): password aging and one-time initial passwords.
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Terminal sign-in: HMAC-SHA-256 of the badge number with the site key (mes.security.badges; unique,
    # so it can be looked up), how it was stored (hmac-sha256:<key id>, or sha256 before keys), an argon2 PIN.
    badge_hash: Mapped[str | None] = mapped_column(String(64), unique=True, info={"audit": "redact"})
    badge_scheme: Mapped[str | None] = mapped_column(String(40))
    pin_hash: Mapped[str | None] = mapped_column(String(200), info={"audit": "redact"})


class Qualification(Base):
    """A person's qualification for a kind of operation, valid until a date (training records)."""

    __tablename__ = "qualification"
    __table_args__ = (UniqueConstraint("user_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    code: Mapped[str] = mapped_column(String(60))
    valid_until: Mapped[date] = mapped_column(Date)
