"""The staff and ministry web console (issue 17): the `/web` command's answers and every
text of its pages (the templates take them from here as `t`)."""

# /web in chat
WEB_LINK = (
    "Вход в веб-консоль: {url}\n\n"
    "Ссылка одноразовая и действует {minutes} минут; не пересылайте её никому: по ней "
    "входят от вашего имени. Вы войдёте как: {who}."
)
WEB_STAFF_ONLY = (
    "Веб-консоль — для сотрудников учреждений и операторов министерства. Чтобы задать "
    "вопрос или написать обращение, пользуйтесь кнопками здесь, в чате: /help."
)
WEB_GROUP_PRIVATE = (
    "Ссылку для входа в веб-консоль бот отправляет только в личном чате: напишите ему /web "
    "в личные сообщения."
)
WEB_ROLES = {
    "operator": "оператор министерства",
    "admin": "администратор: {institutions}",
    "duty": "дежурный: {institutions}",
    "member": "сотрудник чата учреждения: {institutions}",
}
WEB_ALL_INSTITUTIONS = "все учреждения"

# pages
WEB_TITLE = "medfront · консоль"
WEB_NAV_QUEUE = "Очередь"
WEB_SIGN_OUT = "Выйти"
WEB_SIGNIN_TITLE = "Вход в консоль"
WEB_SIGNIN_BUTTON = "Войти"
WEB_SIGNIN_HINT = "Нажмите «Войти», чтобы открыть консоль. Ссылка сработает один раз."
WEB_SIGNIN_NEEDED = (
    "Войдите по ссылке: отправьте боту команду /web, и он пришлёт одноразовую ссылку для "
    "входа. С командной строки: python -m bot web-link --role operator."
)
WEB_LINK_INVALID = (
    "Ссылка для входа недействительна: она одноразовая и действует 10 минут. Отправьте "
    "боту /web, чтобы получить новую."
)
WEB_SIGNED_OUT = "Вы вышли из консоли. Чтобы войти снова, отправьте боту /web."
WEB_NO_ACCESS = "Нет доступа: это обращение или раздел вам не доступны."
WEB_NO_ROLE = (
    "У вас больше нет прав сотрудника, с которыми вы входили. Если это ошибка, обратитесь "
    "к администратору учреждения или оператору министерства."
)
WEB_CSRF_REFUSED = (
    "Форма устарела или отправлена не со страницы консоли. Обновите страницу и повторите."
)
WEB_NOT_FOUND = "Страница не найдена."
WEB_BAD_FILTER = "Неверный фильтр: {field}."

# the queue
WEB_QUEUE_TITLE = "Обращения"
WEB_QUEUE_FOUND = "Найдено: {count}"
WEB_QUEUE_FOUND_MORE = "Найдено: более {count}"
WEB_SEARCH_NEWEST = ("Эти слова встречаются очень часто: показаны совпадения среди последних "
                     "{count} обращений и ответов с ними. Уточните поиск или фильтры.")
WEB_QUEUE_EMPTY = "Ничего не найдено."
WEB_QUEUE_PERIOD_DEFAULT = (
    "Без периода закрытые, отвеченные и все обращения показываются за последние {days} дней."
)
WEB_FILTER_APPLY = "Показать"
WEB_FILTER_RESET = "Сбросить"
WEB_FILTER_SEARCH = "Поиск: номер, текст или ответ"
WEB_FILTER_INSTITUTION = "Учреждение"
WEB_FILTER_INSTITUTION_ID = "Учреждение (id)"
WEB_FILTER_STATUS = "Статус"
WEB_FILTER_CATEGORY = "Тема"
WEB_FILTER_PLATFORM = "Мессенджер"
WEB_FILTER_FROM = "Подано с"
WEB_FILTER_TO = "по"
WEB_FILTER_OVERDUE = "просрочено"
WEB_FILTER_DUE_SOON = "срок в ближайшие 24 ч"
WEB_FILTER_ANY = "все"
WEB_STATUS_FILTERS = {
    "queue": "очередь (открытые)",
    "new": "новые",
    "in_progress": "в работе",
    "answered": "дан ответ",
    "closed": "закрыты",
    "all": "все",
}
WEB_COL_NUMBER = "Номер"
WEB_COL_INSTITUTION = "Учреждение"
WEB_COL_CATEGORY = "Тема"
WEB_COL_STATUS = "Статус"
WEB_COL_FIRST_DUE = "Первый ответ до"
WEB_COL_DUE = "Ответ до"
WEB_COL_SLA = "Срок"
WEB_PAGE_PREV = "← Назад"
WEB_PAGE_NEXT = "Дальше →"
WEB_PAGE = "Страница {page}"

# SLA states
WEB_SLA = {
    "green": "в срок",
    "amber": "срок подходит",
    "red": "просрочено",
    "done": "выполнено в срок",
    "late": "выполнено с опозданием",
}
WEB_SLA_TARGET = {"first_response": "первый ответ", "final": "ответ"}

# the appeal page
WEB_APPEAL_TITLE = "Обращение № {number}"
WEB_APPEAL_FILED = "Подано: {time}, {platform}"
WEB_APPEAL_INSTITUTION = "Учреждение"
WEB_APPEAL_CATEGORY = "Тема"
WEB_APPEAL_STATUS = "Статус"
WEB_APPEAL_ASSIGNEE = "Взял в работу"
WEB_APPEAL_DEADLINES = "Сроки"
WEB_APPEAL_FIRST_DUE = "первый ответ до {time}"
WEB_APPEAL_DUE = "ответ до {time}"
WEB_APPEAL_EXTENDED = "(продлён)"
WEB_APPEAL_TEXT = "Текст обращения"
WEB_APPEAL_ABUSE = "⚠️ Отмечено: {kinds}"
WEB_APPEAL_UNDELIVERED = "⚠️ Ответ не дошёл до гражданина: {reason}"
WEB_ATTACHMENTS = "Вложения"
WEB_ATTACHMENT_IN_MESSENGER = (
    "{kind} — файл хранится в мессенджере ({platform}): откройте карточку обращения в чате."
)
WEB_ATTACHMENT_KINDS = {"photo": "Фото", "document": "Документ", "other": "Файл"}
WEB_ATTACHMENTS_GONE = "Сведения о вложениях больше не хранятся (обращение давно закрыто)."
WEB_TIMELINE = "История"
WEB_THREAD_CITIZEN = "Гражданин"
WEB_THREAD_STAFF = "Ответ гражданину"
WEB_THREAD_CARD = "Карточка в чате «{chat}» ({platform})"
WEB_THREAD_NOTICE = "Уведомление гражданину"
WEB_NOTE = "Внутренняя заметка: {who}"
WEB_EVENTS = {
    "created": "Подано",
    "taken": "Взято в работу: {who}",
    "answered": "Дан ответ: {who}",
    "redirected": "Переадресовано: {from_institution} → {to_institution} ({who})",
    "extended": "Срок продлён до {due} ({who})",
    "closed": "Закрыто: {reason} ({who})",
    "rated": "Оценка гражданина: {stars} из 5",
    "reopened": "Гражданин: вопрос не решён, обращение открыто снова",
    "follow_up": "Гражданин дополнил обращение",
    "repeated": "Гражданин повторил обращение",
    "undelivered": "Ответ не дошёл до гражданина",
    "overdue": "Срок ответа пропущен: передано в министерство",
    "first_response_missed": "Срок первого ответа пропущен: передано в министерство",
    "note": "Добавлена внутренняя заметка ({who})",
}
WEB_EVENT_OTHER = "{kind}"
WEB_DELIVERIES = {
    "card": "Карточка отправлена в чат «{chat}» ({platform})",
    "reminder": "Напоминание в чат «{chat}» ({platform})",
    "escalation": "Эскалация оператору, чат «{chat}» ({platform})",
    "citizen": "Сообщение гражданину ({platform})",
    "follow_up": "Дополнение гражданина в чат «{chat}» ({platform})",
}
WEB_DELIVERY_STATUS = {"pending": "ждёт отправки", "sending": "отправляется",
                       "sent": "доставлено", "failed": "не доставлено"}
WEB_SOMEONE = "сотрудник"
WEB_SYSTEM = "бот"

# actions
WEB_ACTIONS = "Действия"
WEB_TAKE = "Взять в работу"
WEB_ANSWER = "Ответ гражданину"
WEB_ANSWER_HINT = "Текст уйдёт гражданину в его мессенджер как есть, от имени учреждения."
WEB_ANSWER_SEND = "📨 Отправить гражданину"
WEB_EXTEND = "Продлить срок (один раз, до 30 дней)"
WEB_CLOSE = "Закрыть"
WEB_CLOSE_REASON = "Причина"
WEB_REDIRECT = "Переадресовать"
WEB_REDIRECT_SEARCH = "Найти учреждение"
WEB_REDIRECT_TO = "Направить в «{institution}»"
WEB_REDIRECT_NONE = "Учреждение не найдено: уточните название."
WEB_NOTE_ADD = "Внутренняя заметка (видна только сотрудникам, гражданину не отправляется)"
WEB_NOTE_SAVE = "Сохранить заметку"
WEB_NOTES = "Внутренние заметки"
WEB_TEXT_EMPTY = "Напишите текст."
WEB_TEXT_TOO_LONG = "Слишком длинный текст: не больше {limit} символов."
WEB_ANSWER_STALE = "Обращение изменилось, пока вы писали (например, ответ уже отправлен). Проверьте и повторите."
WEB_DONE = {
    "taken": "Обращение взято в работу.",
    "answered": "Ответ отправлен гражданину.",
    "extended": "Срок продлён, гражданин уведомлён.",
    "closed": "Обращение закрыто, гражданин уведомлён.",
    "redirected": "Обращение переадресовано, гражданин уведомлён.",
    "noted": "Заметка сохранена.",
}
WEB_NOT_SERVED = (
    "Веб-консоль пока не запущена: администратор системы включает её настройкой WEB_PORT "
    "(или командой python -m bot web). Пока пользуйтесь /queue здесь, в чате."
)
