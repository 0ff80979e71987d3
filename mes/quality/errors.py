"""Typed errors of the quality use cases."""

from __future__ import annotations

from mes.domain.errors import DomainError


class UnknownDisposition(DomainError):
    code = "unknown_disposition"
    kind = "invalid"
    message_en = "Disposition must be one of: {allowed}"
    message_ru = "Решение должно быть одним из: {allowed}"


class JustificationRequired(DomainError):
    code = "justification_required"
    kind = "invalid"
    message_en = "A concession needs a written justification"
    message_ru = "Для разрешения на отклонение нужно письменное обоснование"


class NonconformanceClosed(DomainError):
    code = "nonconformance_closed"
    message_en = "Nonconformance {number} is already closed"
    message_ru = "Несоответствие {number} уже закрыто"


class AlreadyHeld(DomainError):
    code = "already_held"
    message_en = "{entity} {key} already has an active hold for this reason"
    message_ru = "{entity} {key} уже заблокирован(а) по этой причине"


class HoldNotActive(DomainError):
    code = "hold_not_active"
    message_en = "Hold {hold_id} is not active"
    message_ru = "Блокировка {hold_id} не действует"


class HoldBlocked(DomainError):
    code = "hold_blocked_by_nonconformance"
    message_en = "The hold stays until nonconformance {number} is dispositioned"
    message_ru = "Блокировка сохраняется, пока по несоответствию {number} не принято решение"


class UnknownException(DomainError):
    code = "unknown_exception"
    kind = "not_found"
    message_en = "The batch record of {number} has no exception {key}"
    message_ru = "В записи о партии {number} нет исключения {key}"


class ExceptionsOpen(DomainError):
    code = "exceptions_open"
    message_en = "Release refused: {count} exception(s) not reviewed: {keys}"
    message_ru = "Выпуск отклонён: не рассмотрено исключений: {count}: {keys}"

    def __init__(self, keys: list[str]) -> None:
        shown = ", ".join(keys[:20]) + (" …" if len(keys) > 20 else "")
        super().__init__(count=len(keys), keys=shown)
        self.keys = keys


class NotReleasable(DomainError):
    code = "not_releasable"
    message_en = "Work order {number} is {status}: only a completed work order can be released"
    message_ru = "Заказ {number} в статусе «{status}»: выпускать можно только завершённый заказ"


class ReleaseQuantityInvalid(DomainError):
    code = "release_quantity_invalid"
    kind = "invalid"
    message_en = "Quantity released must be from 0 to {good} (good units not on hold)"
    message_ru = "Выпускаемое количество должно быть от 0 до {good} (годные изделия без блокировки)"


class SignerUnknown(DomainError):
    code = "signer_unknown"
    kind = "invalid"
    message_en = "An electronic signature needs a signed-in user"
    message_ru = "Для электронной подписи нужен вошедший пользователь"
