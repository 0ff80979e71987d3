"""Typed refusals of the master-data services, each with a stable code and a Russian and English message."""

from __future__ import annotations

from mes.domain.errors import DomainError


class AlreadyApproved(DomainError):
    code = "already_approved"
    message_en = "{what} is already approved: make a new version to change it"
    message_ru = "{what} уже утверждена: чтобы изменить, создайте новую версию"


class NotADraft(DomainError):
    code = "not_a_draft"
    message_en = "{what} is {status}: only a draft can change"
    message_ru = "{what} в статусе «{status}»: изменять можно только черновик"


class NotApproved(DomainError):
    code = "recipe_not_approved"
    message_en = "Recipe {recipe} has no approved version: only an approved version can be downloaded"
    message_ru = "У рецепта {recipe} нет утверждённой версии: загрузить можно только утверждённую"


class DraftExists(DomainError):
    code = "draft_exists"
    message_en = "{what} already has a draft (version {version}): edit or approve it first"
    message_ru = "У {what} уже есть черновик (версия {version}): сначала отредактируйте или утвердите его"


class AlreadyExists(DomainError):
    code = "already_exists"
    message_en = "{what} {key} already exists"
    message_ru = "{what} {key} уже существует"


class InvalidMasterData(DomainError):
    code = "invalid_master_data"
    kind = "invalid"
    message_en = "{problem}"
    message_ru = "{problem_ru}"

    def __init__(self, problem: str, problem_ru: str) -> None:
        super().__init__(problem=problem, problem_ru=problem_ru)


class ParameterOutOfRange(DomainError):
    code = "parameter_out_of_range"
    kind = "invalid"
    message_en = "Parameter {name}: value {value} is outside {low}..{high}"
    message_ru = "Параметр {name}: значение {value} вне диапазона {low}..{high}"


class ConnectionTestFailed(DomainError):
    code = "connection_test_failed"
    message_en = "Equipment {equipment}: {error}"
    message_ru = "Оборудование {equipment}: {error}"
