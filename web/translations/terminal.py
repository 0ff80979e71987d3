"""Russian text of the terminal screens (English is the key)."""

RUSSIAN: dict[str, str] = {
    # The station screen
    "Operator": "Оператор",
    "Change operator": "Сменить оператора",
    "Scan": "Скан",
    "Enter": "Ввод",
    "Scan a unit or a component…": "Отсканируйте изделие или компонент…",
    "The scanner works wherever the focus is. You can also type the code and press Enter.":
        "Сканер работает, где бы ни был курсор. Код можно и ввести вручную, затем нажать Enter.",
    "Scan a unit to begin": "Отсканируйте изделие, чтобы начать",
    "Scan the serial label of the unit in front of you. Its operation at this station starts and its instruction "
    "appears here.": "Отсканируйте этикетку с серийным номером изделия. Операция на этой станции начнётся, "
                     "и здесь появится её инструкция.",
    "Model": "Модель",
    "Last result": "Последний результат",
    "Cycle time": "Время цикла",
    "Work order": "Заказ",
    "lot": "партия",
    "Step": "Шаг",
    "routing complete": "маршрут пройден",
    "in progress since": "выполняется с",
    "on hold": "заблокировано",
    "Result of operation": "Результат операции",
    "PASS": "ГОДЕН",
    "FAIL": "НЕ ГОДЕН",
    "Measurement": "Измерение",
    "Value": "Значение",
    "Limits": "Допуски",
    "limits": "допуск",
    "Result": "Результат",
    "pass": "годен",
    "fail": "не годен",
    "Work instruction": "Рабочая инструкция",
    "Revision": "Редакция",
    "revision": "редакция",
    "No instruction is written for this operation.": "Для этой операции инструкция не написана.",
    "Components to scan": "Компоненты для сканирования",
    "done": "готово",
    "still to scan": "ещё не отсканирован",
    "Measurements": "Измерения",
    "the machine sends it; type it when you measured by hand": "передаёт оборудование; введите, если измеряли вручную",
    "Record the result": "Записать результат",
    "Report a failure": "Сообщить о браке",
    "Put unit aside": "Отложить изделие",
    "Next unit": "Следующее изделие",
    "What to do": "Что делать",
    "operation": "операция",
    "Reason": "Причина",
    # Override
    "Override by a line lead": "Разрешение мастера",
    "The line lead signs with badge or user name and password. The start is recorded as an exception for review.":
        "Мастер подписывает пропуском или именем пользователя и паролем. Запуск записывается как исключение "
        "для проверки.",
    "Line lead: badge or user name": "Мастер: пропуск или имя пользователя",
    "Line lead's password": "Пароль мастера",
    "Sign and start": "Подписать и начать",
    # Machine panel and downtime
    "Machine": "Оборудование",
    "This station has no machine: every value is typed in.": "На этой станции нет оборудования: все значения "
                                                             "вводятся вручную.",
    "Last unit": "Последнее изделие",
    "Stop recorded": "Простой записан",
    "since": "с",
    "Running again": "Снова работает",
    "The station stopped. Why?": "Станция остановилась. Почему?",
    "Comment (required for 'Other')": "Комментарий (обязателен для «Другое»)",
    "Machine breakdown": "Поломка оборудования",
    "No material or components": "Нет материалов или компонентов",
    "Changeover or setup": "Переналадка",
    "Quality problem": "Проблема качества",
    "Waiting for maintenance": "Ожидание ремонта",
    "Planned break": "Плановый перерыв",
    "No operator": "Нет оператора",
    "Other": "Другое",
    # Outcomes
    "Nothing was scanned.": "Ничего не отсканировано.",
    "Unknown barcode: %s": "Неизвестный штрихкод: %s",
    "This is another unit: %s.": "Это другое изделие: %s.",
    "Unit %(serial)s: operation %(seq)s continues.": "Изделие %(serial)s: операция %(seq)s продолжается.",
    "Unit %(serial)s: operation %(seq)s started.": "Изделие %(serial)s: операция %(seq)s начата.",
    "Component %(part)s recorded (quantity %(qty)s).": "Компонент %(part)s записан (количество %(qty)s).",
    "%s is not a number.": "%s — не число.",
    "No unit is open at this station.": "На этой станции нет открытого изделия.",
    "No operation of unit %s is open at this station.": "У изделия %s нет открытой операции на этой станции.",
    "PASS: unit %(serial)s, operation %(seq)s.": "ГОДЕН: изделие %(serial)s, операция %(seq)s.",
    "FAIL: unit %(serial)s, operation %(seq)s. A nonconformance was opened and the unit is on hold.":
        "НЕ ГОДЕН: изделие %(serial)s, операция %(seq)s. Открыто несоответствие, изделие заблокировано.",
    "Take the unit to operation %s.": "Передайте изделие на операцию %s.",
    "The unit is finished.": "Изделие полностью изготовлено.",
    "Put the unit on the hold shelf and call quality.": "Положите изделие на полку блокировки и вызовите ОТК.",
    "Unit %s put aside.": "Изделие %s отложено.",
    "Scan the next unit.": "Отсканируйте следующее изделие.",
    "Scan the unit's serial label.": "Отсканируйте этикетку с серийным номером изделия.",
    "Follow the work instruction, scan the components, then record the result.":
        "Выполняйте рабочую инструкцию, отсканируйте компоненты, затем запишите результат.",
    "Stop recorded: %s.": "Простой записан: %s.",
    "Press 'Running again' when the station works again.": "Когда станция снова заработает, нажмите «Снова работает».",
    "Say what happened.": "Опишите, что случилось.",
    "Write a few words in the comment, then press the reason again.":
        "Напишите пару слов в комментарии и снова нажмите причину.",
    "The stop is closed.": "Простой закрыт.",
    "Go on with the next unit.": "Продолжайте со следующим изделием.",
    "There is no refused start to override.": "Нет отклонённого запуска, который можно разрешить.",
    "Finish the unit on the screen first, or press 'Put unit aside'.":
        "Сначала закончите изделие на экране или нажмите «Отложить изделие».",
    "Type a number (a point or a comma before the decimals), then record the result again.":
        "Введите число (дробную часть — через точку или запятую) и снова запишите результат.",
    # What to do next, per refusal
    "Check that you scanned the unit's serial label or the component's label, then scan again. "
    "If the label is damaged, call the line lead.":
        "Проверьте, что сканируете этикетку изделия или компонента, и отсканируйте ещё раз. "
        "Если этикетка повреждена, вызовите мастера.",
    "Put this part back. Take the part shown in the component list and scan it.":
        "Верните эту деталь. Возьмите деталь из списка компонентов и отсканируйте её.",
    "Do not work on this unit. Put it on the hold shelf and call quality.":
        "Не работайте с этим изделием. Положите его на полку блокировки и вызовите ОТК.",
    "Take the unit to the station of its next operation, shown above.":
        "Передайте изделие на станцию его следующей операции (указана выше).",
    "This unit's next operation is done at another station. Take it there.":
        "Следующая операция этого изделия выполняется на другой станции. Передайте его туда.",
    "The operation is already open at another station: finish it there, or ask the line lead.":
        "Операция уже открыта на другой станции: завершите её там или обратитесь к мастеру.",
    "Scan the unit's serial first to start its operation here.":
        "Сначала отсканируйте серийный номер изделия, чтобы начать операцию здесь.",
    "This unit needs no more work here. Put it aside and call the line lead.":
        "С этим изделием здесь больше ничего делать не нужно. Отложите его и вызовите мастера.",
    "Ask the line lead: they can let this start through by signing an override below.":
        "Обратитесь к мастеру: он может разрешить запуск, подписав разрешение ниже.",
    "Do not use this machine. Call the line lead or maintenance; the line lead may sign an override below.":
        "Не используйте это оборудование. Вызовите мастера или ремонтную службу; мастер может подписать "
        "разрешение ниже.",
    "Call maintenance. The line lead may sign an override below.":
        "Вызовите ремонтную службу. Мастер может подписать разрешение ниже.",
    "The work order is not open for production. Ask the line lead.":
        "Заказ не открыт для производства. Обратитесь к мастеру.",
    "Do not use this lot. Take a released lot and scan it.":
        "Не используйте эту партию. Возьмите разрешённую партию и отсканируйте её.",
    "Do not use this lot: it is expired. Take a lot within its date and scan it.":
        "Не используйте эту партию: срок годности истёк. Возьмите годную партию и отсканируйте её.",
    "The system shows this lot as used up. Take a new lot and tell the stores.":
        "По системе эта партия израсходована. Возьмите новую партию и сообщите на склад.",
    "This serial is already built into another unit. Take another part and scan it.":
        "Этот серийный номер уже установлен в другое изделие. Возьмите другую деталь и отсканируйте её.",
    "This subassembly is not finished or is on hold. Take a finished one.":
        "Этот узел не закончен или заблокирован. Возьмите готовый.",
    "Scan the label with the component's serial number (the 2D code).":
        "Отсканируйте этикетку с серийным номером компонента (2D-код).",
    "Enough of this part is already recorded for the unit. Go on with the next part.":
        "Этой детали для изделия уже записано достаточно. Переходите к следующей.",
    "Scan the missing components, then record the result again.":
        "Отсканируйте недостающие компоненты и снова запишите результат.",
    "Type in every required value, then record the result again.":
        "Введите все обязательные значения и снова запишите результат.",
    "Use only the fields shown for this operation.": "Используйте только поля этой операции.",
    "Check what you typed and try again.": "Проверьте введённое и повторите.",
    "The label could not be read. Scan it again; if it keeps failing, call the line lead.":
        "Этикетка не читается. Отсканируйте ещё раз; если не получается, вызовите мастера.",
    "Someone changed this unit at the same moment. Scan it again.":
        "Кто-то изменил это изделие в тот же момент. Отсканируйте его ещё раз.",
    "Check the line lead's user name or badge and password, then sign again.":
        "Проверьте имя пользователя или пропуск и пароль мастера и подпишите снова.",
    "Only a line lead may sign this override.": "Это разрешение может подписать только мастер.",
    "Write why the start is allowed, then sign again.": "Напишите, почему запуск разрешён, и подпишите снова.",
    "The stop is recorded. Press 'Running again' when the station works.":
        "Простой записан. Когда станция заработает, нажмите «Снова работает».",
    "There is no open stop at this station.": "На этой станции нет открытого простоя.",
    "Ask the line lead.": "Обратитесь к мастеру.",
    "The machine already has a unit. Wait for its result, or cancel that job.":
        "В оборудовании уже есть изделие. Дождитесь его результата или отмените задание.",
    "The unit is already in the machine. Wait for its result.": "Изделие уже в оборудовании. Дождитесь результата.",
    "This station has no machine: record the result by hand.":
        "На этой станции нет оборудования: запишите результат вручную.",
    "Call the line lead.": "Вызовите мастера.",
    # Binding, sign-in, instructions
    "This screen is not bound to a station": "Этот экран не привязан к станции",
    "This screen is not bound to a station yet.": "Этот экран ещё не привязан к станции.",
    "A terminal works for one station. A line lead or an administrator registers this screen once; it then "
    "remembers its station.": "Терминал работает для одной станции. Мастер или администратор один раз "
                              "регистрирует этот экран, и он запоминает свою станцию.",
    "Register this screen": "Зарегистрировать этот экран",
    "Terminals": "Терминалы",
    "This screen is terminal": "Этот экран — терминал",
    "at station": "на станции",
    "Open the terminal": "Открыть терминал",
    "Terminal name": "Имя терминала",
    "Language before sign-in": "Язык до входа",
    "Register": "Зарегистрировать",
    "Registered terminals": "Зарегистрированные терминалы",
    "Registered": "Зарегистрирован",
    "Revoke": "Отозвать",
    "No terminals yet.": "Терминалов пока нет.",
    "This screen is now terminal %s.": "Этот экран теперь терминал %s.",
    "Sign in with user name and password": "Войти по имени пользователя и паролю",
    "Work instructions": "Рабочие инструкции",
    "Routing": "Маршрут",
    "Operation": "Операция",
    "Station type": "Тип станции",
    "Instruction text": "Текст инструкции",
    "Document title": "Название документа",
    "Attach an image or PDF (PNG, JPEG, PDF, up to 10 MB)": "Приложить изображение или PDF (PNG, JPEG, PDF, до 10 МБ)",
    "Save": "Сохранить",
    "Saved.": "Сохранено.",
    "Documents": "Документы",
    "No documents.": "Документов нет.",
    "Remove": "Убрать",
    # Machine cycle (station jobs)
    "Machine cycle": "Цикл оборудования",
    "Machine job": "Задание оборудованию",
    "Put the unit in the machine, then hand it over: the machine's values become the result.":
        "Установите изделие в оборудование и передайте его: результатом станут значения оборудования.",
    "Hand the unit to the machine": "Передать изделие оборудованию",
    "Take the unit out (cancel)": "Извлечь изделие (отменить)",
    "waiting for the machine to take the serial": "ждёт, пока оборудование примет серийный номер",
    "in the machine, waiting for its result": "в оборудовании, ждёт результата",
    "waiting for the machine": "ждёт оборудование",
    "in the machine": "в оборудовании",
    "result recorded": "результат записан",
    "not finished": "не завершено",
    "Unit %s is handed to the machine.": "Изделие %s передано оборудованию.",
    "Close the fixture and let the machine run. The result appears here by itself.":
        "Закройте оснастку и дайте оборудованию отработать. Результат появится здесь сам.",
    "The machine has no unit waiting.": "В оборудовании нет ожидающего изделия.",
    "The machine job of unit %s is cancelled.": "Задание оборудованию для изделия %s отменено.",
    "Record the result by hand, or hand the unit to the machine again.":
        "Запишите результат вручную или снова передайте изделие оборудованию.",
    "The machine did not finish unit %(serial)s: %(reason)s":
        "Оборудование не завершило изделие %(serial)s: %(reason)s",
    "Check the machine, then hand the unit to it again or record the result by hand.":
        "Проверьте оборудование, затем снова передайте ему изделие или запишите результат вручную.",
}
