"""Account policy settings (21 CFR 11.300): Part 11 fixes no numbers, so every limit is a setting."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class AccountPolicy:
    """Limits for sign-in, signing and passwords; environment variables MES_* override the defaults."""

    max_failed_attempts: int = 5  # wrong passwords/PINs in a row (sign-in and signing) before lockout
    password_max_age_days: int = 90  # 0 = passwords never expire
    min_password_length: int = 10
    session_idle_s: int = 15 * 60  # inactivity ends the session (and the continuous signing session)
    due_soon_days: int = 14  # warn this long before a qualification or calibration runs out
    min_pin_length: int = 4

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> AccountPolicy:
        """The policy from MES_MAX_FAILED_LOGINS, MES_PASSWORD_MAX_AGE_DAYS, MES_PASSWORD_MIN_LENGTH,
        MES_SESSION_IDLE_S, MES_DUE_SOON_DAYS and MES_PIN_MIN_LENGTH."""
        env = os.environ if environ is None else environ
        d = cls()
        return cls(
            max_failed_attempts=int(env.get("MES_MAX_FAILED_LOGINS", d.max_failed_attempts)),
            password_max_age_days=int(env.get("MES_PASSWORD_MAX_AGE_DAYS", d.password_max_age_days)),
            min_password_length=int(env.get("MES_PASSWORD_MIN_LENGTH", d.min_password_length)),
            session_idle_s=int(env.get("MES_SESSION_IDLE_S", d.session_idle_s)),
            due_soon_days=int(env.get("MES_DUE_SOON_DAYS", d.due_soon_days)),
            min_pin_length=int(env.get("MES_PIN_MIN_LENGTH", d.min_pin_length)),
        )
