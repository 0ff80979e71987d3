"""Typed domain errors: a stable code, a message in Russian and English, and a kind for the caller."""

from __future__ import annotations

from typing import ClassVar


class DomainError(Exception):
    """A rule a person or a machine broke; `code` is stable, messages are for people."""

    code: ClassVar[str] = "domain_error"
    # invalid: the input itself is wrong; not_found: it names nothing; conflict: the state forbids it.
    kind: ClassVar[str] = "conflict"
    message_en: ClassVar[str] = "The request breaks a production rule."
    message_ru: ClassVar[str] = "Запрос нарушает правило производства."

    def __init__(self, detail: str = "", **params: object) -> None:
        self.detail = detail
        self.params = params
        super().__init__(f"{self.code}: {self.message('en')}")

    def message(self, language: str = "en") -> str:
        """The message in the language ("ru" or "en"), with the detail appended."""
        text = self.message_ru if language == "ru" else self.message_en
        text = text.format(**self.params) if self.params else text
        return f"{text} ({self.detail})" if self.detail else text

