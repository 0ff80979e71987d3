"""Administration of people: accounts (one-time passwords, unlock), badges, and qualifications."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import flash, redirect, url_for
from sqlalchemy import select

from mes.domain.errors import DomainError
from mes.models import Qualification, User
from mes.production.masterdata_people import change_role, grant_qualification, revoke_qualification, set_active
from mes.security.permissions import ROLES, Permission
from mes.security.policy import AccountPolicy
from mes.security.users import assign_badge, create_user, reset_password, revoke_badge, unlock
from web.admin import actor, bp, field, refused, render
from web.api.transaction import read_only, transaction
from web.auth import _signed_in_users
from web.i18n import gettext as _
from web.permissions import requires


def users_page(**extra: Any) -> str:
    """The account list with its forms (and a one-time password shown once, when one was just issued)."""
    with read_only() as s:
        users = list(s.scalars(select(User).order_by(User.username)))
    return render("admin/users.html", users=users, roles=ROLES, **extra)


@bp.get("/users")
@requires(Permission.USER_MANAGE)
def users():  # type: ignore[no-untyped-def]
    """Every account: role, state, badge."""
    return users_page()


@bp.post("/users")
@requires(Permission.USER_MANAGE)
def create_account():  # type: ignore[no-untyped-def]
    """Create an account; its one-time password is shown once, on this response only."""
    try:
        username, name = field("username", "User name", 60), field("display_name", "Printed name")
        role, language = field("role", "Role", 40), field("language", "Language", 5)
        with transaction() as s:
            user, password = create_user(s, actor(), username=username, display_name=name, role=role,
                                         language=language if language in ("ru", "en") else "ru")
            username = user.username
    except DomainError as exc:
        return refused(users_page, exc, "create")
    return users_page(issued={"username": username, "password": password})


@bp.post("/users/<username>/reset-password")
@requires(Permission.USER_MANAGE)
def reset_account_password(username: str):  # type: ignore[no-untyped-def]
    """Issue a new one-time password (which also unlocks the account)."""
    try:
        reason = field("reason", "Reason", 500)
        with transaction() as s:
            password = reset_password(s, actor(), username, reason)
    except DomainError as exc:
        return refused(users_page, exc, username)
    return users_page(issued={"username": username, "password": password})


@bp.post("/users/<username>/unlock")
@requires(Permission.USER_MANAGE)
def unlock_account(username: str):  # type: ignore[no-untyped-def]
    """Lift a lockout, with the reason the administrator checked."""
    try:
        reason = field("reason", "Reason", 500)
        with transaction() as s:
            unlock(s, actor(), username, reason)
    except DomainError as exc:
        return refused(users_page, exc, username)
    flash(_("Account {username} unlocked.").format(username=username), "success")
    return redirect(url_for("admin.users"), 303)


@bp.post("/users/<username>/badge")
@requires(Permission.USER_MANAGE)
def assign_account_badge(username: str):  # type: ignore[no-untyped-def]
    """Bind a badge and the PIN the user types to the account."""
    try:
        badge, pin = field("badge", "Badge number", 100), field("pin", "PIN", 20)
        with transaction() as s:
            assign_badge(s, actor(), username, badge, pin, AccountPolicy.from_env())
    except DomainError as exc:
        return refused(users_page, exc, username)
    flash(_("Badge assigned to {username}.").format(username=username), "success")
    return redirect(url_for("admin.users"), 303)


@bp.post("/users/<username>/badge/revoke")
@requires(Permission.USER_MANAGE)
def revoke_account_badge(username: str):  # type: ignore[no-untyped-def]
    """Deauthorise a lost or stolen badge at once."""
    try:
        reason = field("reason", "Reason", 500)
        with transaction() as s:
            revoke_badge(s, actor(), username, reason)
    except DomainError as exc:
        return refused(users_page, exc, username)
    flash(_("Badge of {username} revoked.").format(username=username), "success")
    return redirect(url_for("admin.users"), 303)


@bp.post("/users/<username>/role")
@requires(Permission.USER_MANAGE)
def change_account_role(username: str):  # type: ignore[no-untyped-def]
    """Give the account another role, with a reason."""
    try:
        role, reason = field("role", "Role", 40), field("reason", "Reason", 500)
        with transaction() as s:
            user_id = change_role(s, actor(), username, role, reason).id
        _signed_in_users().forget(user_id)  # this process applies it at the next request, others within the TTL
    except DomainError as exc:
        return refused(users_page, exc, username)
    flash(_("Role of {username} changed.").format(username=username), "success")
    return redirect(url_for("admin.users"), 303)


@bp.post("/users/<username>/active")
@requires(Permission.USER_MANAGE)
def set_account_active(username: str):  # type: ignore[no-untyped-def]
    """Deactivate or reactivate the account, with a reason."""
    try:
        active, reason = field("active", "State", 5) == "yes", field("reason", "Reason", 500)
        with transaction() as s:
            user_id = set_active(s, actor(), username, active, reason).id
        _signed_in_users().forget(user_id)  # this process applies it at the next request, others within the TTL
    except DomainError as exc:
        return refused(users_page, exc, username)
    message = "Account {username} reactivated." if active else "Account {username} deactivated."
    flash(_(message).format(username=username), "success")
    return redirect(url_for("admin.users"), 303)


def qualifications_page(**extra: Any) -> str:
    """Every qualification with its holder and expiry, and the grant form."""
    with read_only() as s:
        rows = [(s.get_one(User, q.user_id), q) for q in s.scalars(select(Qualification).order_by(
            Qualification.code, Qualification.user_id))]
        users = list(s.scalars(select(User).where(User.active).order_by(User.username)))
    return render("admin/qualifications.html", rows=rows, users=users, today=date.today(), **extra)


@bp.get("/qualifications")
@requires(Permission.QUALIFICATION_MANAGE)
def qualifications():  # type: ignore[no-untyped-def]
    """Qualifications by code and person."""
    return qualifications_page()


@bp.post("/qualifications")
@requires(Permission.QUALIFICATION_MANAGE)
def grant():  # type: ignore[no-untyped-def]
    """Grant a qualification or move its expiry date."""
    try:
        username, code = field("username", "User name", 60), field("code", "Qualification", 60)
        valid_until = parse_date(field("valid_until", "Valid until", 10), "Valid until")
        with transaction() as s:
            grant_qualification(s, actor(), username, code, valid_until, field("reason", "Reason", 500, False) or None)
    except DomainError as exc:
        return refused(qualifications_page, exc, "grant")
    flash(_("Qualification {code} of {username} valid until {date}.").format(
        code=code, username=username, date=valid_until.isoformat()), "success")
    return redirect(url_for("admin.qualifications"), 303)


@bp.post("/qualifications/<username>/<code>/revoke")
@requires(Permission.QUALIFICATION_MANAGE)
def revoke(username: str, code: str):  # type: ignore[no-untyped-def]
    """Withdraw a qualification, with a reason."""
    try:
        reason = field("reason", "Reason", 500)
        with transaction() as s:
            revoke_qualification(s, actor(), username, code, reason)
    except DomainError as exc:
        return refused(qualifications_page, exc, f"{username}/{code}")
    flash(_("Qualification {code} of {username} withdrawn.").format(code=code, username=username), "success")
    return redirect(url_for("admin.qualifications"), 303)


class DateInvalid(DomainError):
    code = "date_invalid"
    kind = "invalid"
    message_en = "{field}: enter a date as YYYY-MM-DD"
    message_ru = "{field}: введите дату в виде ГГГГ-ММ-ДД"


def parse_date(text: str, label: str) -> date:
    """A YYYY-MM-DD date from a form field, or DateInvalid naming the field."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise DateInvalid(field=_(label)) from exc


def optional_date(text: str, label: str) -> date | None:
    """An optional date: empty means none."""
    return parse_date(text, label) if text.strip() else None
