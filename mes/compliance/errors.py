"""Typed refusals of the compliance controls: signatures, the two-person rule, qualifications, overrides."""

from __future__ import annotations

from mes.domain.errors import DomainError


class SignatureRefused(DomainError):
    """The signature was not executed; subclasses say why (each has its own stable code)."""

    code = "signature_refused"
    kind = "conflict"
    message_en = "The electronic signature was refused"
    message_ru = "Электронная подпись отклонена"


class WrongCredentials(SignatureRefused):
    code = "signature_wrong_credentials"
    message_en = "Wrong user name or password: the record was not signed"
    message_ru = "Неверное имя пользователя или пароль: запись не подписана"


class UsernameRequired(SignatureRefused):
    code = "signature_username_required"
    kind = "invalid"
    message_en = "Enter your user name and password: this is the first signing of the session"
    message_ru = "Введите имя пользователя и пароль: это первая подпись в сеансе"


class AccountLocked(SignatureRefused):
    code = "account_locked"
    message_en = "The account is locked after too many failed attempts; ask an administrator to unlock it"
    message_ru = "Учётная запись заблокирована после нескольких неудачных попыток; обратитесь к администратору"


class AccountInactive(SignatureRefused):
    code = "account_inactive"
    message_en = "The account is deactivated"
    message_ru = "Учётная запись отключена"


class PasswordChangeRequired(SignatureRefused):
    code = "password_change_required"
    message_en = "The password is expired or one-time: change it before signing"
    message_ru = "Пароль устарел или одноразовый: смените его перед подписанием"


class SignerNotAuthorized(SignatureRefused):
    code = "signer_not_authorized"
    message_en = "Your role does not permit this signature ({permission})"
    message_ru = "Ваша роль не даёт права на эту подпись ({permission})"


class ReasonRequired(SignatureRefused):
    code = "signature_reason_required"
    kind = "invalid"
    message_en = "A reason is required for this signature"
    message_ru = "Для этой подписи требуется указать причину"


class TwoPersonRule(DomainError):
    code = "two_person_rule"
    message_en = "The same person cannot both author and approve a record: a second person must sign"
    message_ru = "Один и тот же человек не может быть автором и утверждающим: нужна подпись второго лица"


class PermissionDenied(DomainError):
    code = "permission_denied"
    kind = "forbidden"
    message_en = "Your role does not permit this action ({permission})"
    message_ru = "Ваша роль не позволяет выполнить это действие ({permission})"


class NotQualified(DomainError):
    code = "not_qualified"
    message_en = "{user} holds no valid qualification {qualification} for this operation"
    message_ru = "У пользователя {user} нет действующей квалификации {qualification} для этой операции"


class MaintenanceDue(DomainError):
    code = "maintenance_due"
    message_en = "Equipment {equipment} was due for maintenance on {due}"
    message_ru = "Срок обслуживания оборудования {equipment} истёк {due}"


class NotOverridable(DomainError):
    code = "not_overridable"
    kind = "invalid"
    message_en = "Only these refusals can be overridden: {allowed}"
    message_ru = "Переопределить можно только эти запреты: {allowed}"


class OverrideSubjectUnknown(DomainError):
    code = "override_subject_unknown"
    kind = "invalid"
    message_en = "{check} is overridden for {expected}; {subject} is not one"
    message_ru = "{check} переопределяется для {expected_ru}; {subject} таковым не является"


class OverrideAlreadyOpen(DomainError):
    code = "override_already_open"
    message_en = "An unused override (#{override_id}) already lets this start through"
    message_ru = "Неиспользованное переопределение (№{override_id}) уже разрешает этот запуск"
