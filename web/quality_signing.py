"""The e-signature dialog of the quality workspace: what it shows, what it reads, and §11.200(a) checks.

Every signing re-enters the password; the first signing of a session (or after a break in it) also
asks for the user name (web/signing.py). Both go to the quality services (mes.quality.esign ->
mes.compliance.signatures.sign), which check them against the signer, refuse a wrong one, record the
failure and count it toward the lockout: nothing about the credentials is decided here.
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask import current_app, g, request

from mes.compliance.audit import AuditActor
from mes.compliance.signatures import MEANING_LABELS, manifestation
from mes.models import ElectronicSignature, utcnow
from mes.production.errors import InvalidInput
from web.auth import _actor
from web.signing import note_signing, signing_needs_username


@dataclass(frozen=True)
class SigningInput:
    """What the dialog sent: the password (never logged or stored) and, when asked, the user name."""

    password: str
    username: str | None


class PasswordMissing(InvalidInput):
    code = "signature_password_missing"
    message_en = "Enter your password to sign"
    message_ru = "Введите пароль, чтобы подписать"


class FieldMissing(InvalidInput):
    code = "field_missing"
    message_en = "Fill in: {field}"
    message_ru = "Заполните поле: {field}"


def actor() -> AuditActor:
    """The signed-in person at this workstation."""
    return _actor(g.user)


def meaning_label(meaning: str) -> str:
    """The meaning as the signer reads it."""
    return MEANING_LABELS.get(g.get("lang", "ru"), MEANING_LABELS["en"]).get(meaning, meaning)


def manifestation_preview(meaning: str) -> str:
    """How the signature will read if executed now (the stored one carries the real signing time)."""
    draft = ElectronicSignature(signer_name=g.user.display_name, meaning=meaning, signed_at=utcnow())
    return manifestation(draft, ZoneInfo(current_app.config["MES_TIMEZONE"]), g.get("lang", "ru"))


def dialog_context() -> dict[str, object]:
    """What every signature dialog on a page needs."""
    return {"ask_username": signing_needs_username(), "meaning_label": meaning_label,
            "manifestation_preview": manifestation_preview}


def read_signing() -> SigningInput:
    """The dialog's fields; an empty password is refused before anything is attempted.

    When the user name is asked for, it is passed even when left empty: the service then refuses it.
    """
    password = request.form.get("password", "")
    if not password:
        raise PasswordMissing()
    username = request.form.get("username", "").strip() if signing_needs_username() else None
    return SigningInput(password, username)


def required(name: str, label: str, max_len: int) -> str:
    """A required text field of the form, trimmed; refused when empty."""
    value = request.form.get(name, "").strip()
    if not value:
        raise FieldMissing(field=label)
    return value[:max_len]


def account_changed() -> None:
    """A refused signing counted a failure (or locked the account): re-read the account next request.

    web/auth.py may cache signed-in accounts for a moment; a lockout made here must end the session at once.
    """
    cache = current_app.extensions.get("mes.signed_in_users")
    if cache is not None:
        cache.forget(g.user.id)


def signed() -> None:
    """Count a completed signing in this session (the next one asks for the password only)."""
    note_signing()
