"""Russian and English for the UI: the language is the user's, or the terminal's choice before login."""

from __future__ import annotations

from flask import g, request, session

from web.translations import CATALOGUES

LANGUAGES = ("ru", "en")

# English text is the key; a missing Russian entry falls back to English rather than failing.
RUSSIAN = {
    "Technopolis MES": "Технополис MES",
    "Sign in": "Войти",
    "Sign out": "Выйти",
    "User name": "Имя пользователя",
    "Password": "Пароль",
    "Wrong user name or password.": "Неверное имя пользователя или пароль.",
    "This account is locked after too many failed sign-ins. Ask an administrator to unlock it.":
        "Учётная запись заблокирована после слишком многих неудачных попыток входа. "
        "Обратитесь к администратору.",
    "Your session has expired. Please sign in again.": "Сеанс истёк. Войдите снова.",
    "Please sign in.": "Пожалуйста, войдите в систему.",
    "Lines": "Линии",
    "Line": "Линия",
    "Station": "Станция",
    "Equipment": "Оборудование",
    "State": "Состояние",
    "Connection": "Связь",
    "Good": "Годные",
    "Bad": "Брак",
    "Alarm": "Авария",
    "Last update": "Последнее обновление",
    "online": "на связи",
    "offline": "нет связи",
    "stale": "нет данных",
    "no data yet": "данных ещё нет",
    "Live": "Онлайн",
    "Reconnecting to the server…": "Переподключение к серверу…",
    "Stations": "Станции",
    "Unit": "Изделие",
    "Availability": "Доступность",
    "Performance": "Производительность",
    "Quality": "Качество",
    "OEE": "OEE",
    "Shift since": "Смена с",
    "OEE for the current shift: availability × performance × quality.":
        "OEE за текущую смену: доступность × производительность × качество.",
    "failures in a row": "ошибок подряд",
    "Last error": "Последняя ошибка",
    "Updated": "Обновлено",
    "Active alarms": "Активные аварии",
    "No active alarms": "Активных аварий нет",
    "no ideal cycle time set": "идеальное время цикла не задано",
    "Page not found.": "Страница не найдена.",
    "Alerts": "Оповещения",
    "No alerts.": "Оповещений нет.",
    "Time": "Время",
    "Kind": "Вид",
    "Message": "Сообщение",
    "Acknowledge": "Подтвердить",
    "Acknowledged": "Подтверждено",
    "Sign in with a badge": "Вход по пропуску",
    "Badge": "Пропуск",
    "PIN": "PIN-код",
    "Scan your badge, then type your PIN.": "Отсканируйте пропуск, затем введите PIN-код.",
    "Unknown badge or wrong PIN.": "Неизвестный пропуск или неверный PIN-код.",
    "Change password": "Смена пароля",
    "Current password": "Текущий пароль",
    "New password": "Новый пароль",
    "Repeat the new password": "Повторите новый пароль",
    "Your password must be changed before you continue.": "Перед продолжением работы смените пароль.",
    "Your password was changed.": "Пароль изменён.",
    "The current password is wrong.": "Текущий пароль неверен.",
    "The new passwords do not match.": "Новые пароли не совпадают.",
    "The new password is too short.": "Новый пароль слишком короткий.",
    "Choose a password different from the old one and from the user name.":
        "Выберите пароль, отличный от старого и от имени пользователя.",
    "You are not allowed to do that.": "У вас нет прав на это действие.",
    "Language": "Язык",
    "Areas": "Разделы",
    "Terminal": "Терминал",
    "Administration": "Администрирование",
    "Times in": "Время:",
    "The form expired or was sent twice. Please try again.":
        "Форма устарела или отправлена повторно. Попробуйте ещё раз.",
}

for _catalogue in CATALOGUES:
    RUSSIAN.update(_catalogue)

STATE_NAMES_RU = {
    "UNDEFINED": "не определено", "CLEARING": "сброс аварии", "STOPPED": "остановлено",
    "STARTING": "запуск", "IDLE": "ожидание", "SUSPENDED": "приостановлено", "EXECUTE": "работа",
    "STOPPING": "остановка", "ABORTING": "аварийная остановка", "ABORTED": "авария",
    "HOLDING": "удержание", "HELD": "удержано", "UNHOLDING": "снятие удержания",
    "SUSPENDING": "приостановка", "UNSUSPENDING": "возобновление", "RESETTING": "подготовка",
    "COMPLETING": "завершение", "COMPLETE": "завершено", "UNKNOWN": "неизвестно",
}


def current_language() -> str:
    """The language of this request: ?lang=, then the session's choice, then the browser's, then ru."""
    chosen = request.args.get("lang")
    if chosen in LANGUAGES:
        session["lang"] = chosen
    if session.get("lang") in LANGUAGES:
        return session["lang"]
    return request.accept_languages.best_match(LANGUAGES) or "ru"


def gettext(text: str) -> str:
    """The text in the request's language."""
    if getattr(g, "lang", "ru") == "ru":
        return RUSSIAN.get(text, text)
    return text


def state_label(name: str) -> str:
    """A PackML state name as an operator reads it."""
    if getattr(g, "lang", "ru") == "ru":
        return STATE_NAMES_RU.get(name.split("(")[0], name)
    return name.replace("_", " ").capitalize()
