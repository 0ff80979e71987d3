"""Russian text of the line dashboard's shift figures and of the downtime report (English is the key)."""

RUSSIAN: dict[str, str] = {
    # The dashboard's shift
    "Shift": "Смена",
    "Shift 1": "Смена 1",
    "Shift 2": "Смена 2",
    "Shift 3": "Смена 3",
    "Morning shift": "Утренняя смена",
    "Afternoon shift": "Дневная смена",
    "Night shift": "Ночная смена",
    "Good, bad and OEE count this shift's results recorded by the MES; OEE = availability × performance × quality.":
        "Годные, брак и OEE — по результатам этой смены, записанным в MES; "
        "OEE = доступность × производительность × качество.",
    # The downtime report
    "Downtime": "Простои",
    "Report window": "Период отчёта",
    "the shift running now": "текущая смена",
    "Day": "День",
    "or dates": "или даты",
    "Window": "Период",
    "Total downtime": "Всего простоя",
    "min": "мин",
    "Download CSV": "Скачать CSV",
    "By reason": "По причинам",
    "By station and reason": "По станциям и причинам",
    "Stops": "Простои",
    "Minutes": "Минуты",
    "Share": "Доля",
    "Cumulative": "Накопленная доля",
    "No stops in this window.": "За этот период простоев нет.",
    "Comment": "Комментарий",
    "Started": "Начало",
    "Ended": "Конец",
    "Reported by": "Записал",
    "Closed by": "Закрыл",
    "Correct": "Исправить",
    "the machine (back in Execute)": "оборудование (снова в работе)",
    "Why": "Причина изменения",
    "Close the stop": "Закрыть простой",
    "Change the reason": "Изменить причину",
    "The reason of the stop is changed.": "Причина простоя изменена.",
    # The terminal's stop panel
    "The stop closes by itself when the machine runs again.":
        "Простой закроется сам, когда оборудование снова заработает.",
    "The stop closes by itself when the machine runs again; without a machine, press 'Running again'.":
        "Простой закроется сам, когда оборудование снова заработает; без оборудования нажмите «Снова работает».",
}
