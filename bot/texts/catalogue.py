"""Every user-facing text in one catalogue: plain, polite Russian.

Texts are constants and templates only (what fills them: bot/formatting.py and the
flows). They are plain (no markup): transports escape them before sending.
"""

# Buttons

BTN_FAQ = "❓ Задать вопрос"
BTN_FIND = "🏥 Найти страницу учреждения"
BTN_APPEAL = "✉️ Написать обращение"
BTN_MY = "📋 Мои обращения"
BTN_HELP = "ℹ️ Помощь"
BTN_MENU = "🏠 В меню"
BTN_CANCEL = "✖️ Отменить"
BTN_YES_HELPED = "👍 Да"
BTN_NO_HELPED = "👎 Нет"
BTN_CONSENT_YES = "✅ Согласен(на)"
BTN_CONSENT_NO = "Не согласен(на)"
BTN_SEND = "📨 Отправить"
BTN_EDIT_TEXT = "✏️ Изменить текст"
BTN_APPEAL_HERE = "✉️ Написать обращение сюда"
BTN_TAKE = "🙋 Взять в работу"
BTN_ANSWER = "💬 Ответить"
BTN_REDIRECT = "↪️ Перенаправить"
BTN_CLOSE = "✔️ Закрыть"
BTN_EXTEND = "⏳ Продлить срок"
BTN_OPEN_CARD = "№ {number} · {institution}"
BTN_UNSOLVED = "❗ Вопрос не решён"

# Categories of appeals: key -> title. Keys are stored; titles can change.
CATEGORIES: dict[str, str] = {
    "appointment": "Запись к врачу, очереди",
    "quality": "Качество медицинской помощи",
    "staff": "Поведение персонала",
    "medicines": "Лекарства и льготы",
    "registry": "Регистратура, телефон, сайт",
    "gratitude": "Благодарность",
    "other": "Другое",
}

STATUSES: dict[str, str] = {
    "new": "новое, ждёт ответа",
    "in_progress": "в работе",
    "answered": "дан ответ",
    "closed": "закрыто",
}

# Citizen: menu and help

WELCOME = (
    "Здравствуйте! Я помощник регионального здравоохранения.\n"
    "Я отвечу на частые вопросы, помогу найти официальную страницу больницы или "
    "поликлиники и передам ваше обращение в нужное учреждение.\n\n"
    "Если нужна срочная помощь — звоните 103 или 112."
)
MENU = "Чем могу помочь? Выберите действие или просто напишите вопрос."
HELP = (
    "Что я умею:\n"
    "• отвечать на частые вопросы — просто напишите вопрос (/faq);\n"
    "• находить официальную страницу учреждения — /find;\n"
    "• принимать обращения и передавать их в учреждение — /appeal;\n"
    "• показывать ваши обращения, их статус и сроки — /my.\n"
    "Отменить текущее действие: /cancel. Вернуться в меню: /start. Удалить свои данные: "
    "/forget.\n\n"
    "При угрозе жизни звоните 103 или 112 — обращения здесь не заменяют скорую помощь."
)
CANCELLED = "Действие отменено. Ничего не отправлено."
NOTHING_TO_CANCEL = "Отменять нечего."
UNKNOWN_COMMAND = "Такой команды я не знаю. Список команд: /help."
STALE_BUTTON = "Эта кнопка уже неактуальна. Начните, пожалуйста, заново из меню."
ONLY_TEXT = "Я понимаю только текст. Напишите, пожалуйста, словами."
TOO_LONG = "Сообщение слишком длинное: не больше {limit} символов. Сократите, пожалуйста."
INTERNAL_ERROR = (
    "Извините, что-то пошло не так. Ваши данные сохранены — попробуйте, пожалуйста, ещё раз "
    "или вернитесь в меню: /start."
)

# Citizen: FAQ

FAQ_ASK = "Напишите ваш вопрос одним сообщением."
FAQ_ANSWER_FOOTER = "Помог ли ответ?"
FAQ_SUGGEST = "Я не уверен, что понял вопрос. Возможно, вы имели в виду:"
FAQ_NO_MATCH = (
    "К сожалению, у меня нет готового ответа на этот вопрос. "
    "Вы можете написать обращение в учреждение или найти его официальную страницу."
)
FAQ_THANKS = "Спасибо за оценку! Рад, что смог помочь."
SMALL_TALK_GREETING = "Здравствуйте! Чем могу помочь? Напишите вопрос или выберите действие."
SMALL_TALK_THANKS = "Пожалуйста! Если появятся вопросы — пишите, я на связи."
FAQ_SORRY = (
    "Жаль, что ответ не помог. Вы можете написать обращение — его рассмотрит учреждение, "
    "или найти официальную страницу нужной больницы."
)
FAQ_LINKS = "Ссылки:"

# Citizen: directory

FIND_ASK = (
    "Напишите название учреждения так, как вы его знаете: например, «котельничская црб», "
    "«онкодиспансер», «больница 7»."
)
FIND_NOTHING = (
    "Не нашёл учреждение по запросу «{query}». Попробуйте написать иначе: город или район, "
    "тип учреждения (больница, поликлиника, диспансер) и номер."
)
FIND_CHOOSE = "Нашлось несколько учреждений. Выберите нужное:"
FIND_TOO_SHORT = "Слишком короткий запрос. Напишите, пожалуйста, хотя бы часть названия."
OFFICIAL_MARK = (
    "Официальную страницу можно узнать по отметке «Госорганизация» "
    "(серая галочка у названия сообщества ВКонтакте и в Одноклассниках)."
)
NO_PAGES = "В справочнике пока нет ссылок на официальные страницы этого учреждения."
SEARCH_HINT_VK = "Поиск сообщества ВКонтакте: {url}"
SEARCH_HINT_TELEGRAM = (
    "В Telegram у больниц нет отметки официального канала: наберите название в поиске и "
    "проверьте, что ссылка на канал есть на сайте учреждения или в его госпаблике ВКонтакте."
)
SEARCH_HINT_WEB = "Поиск в интернете: {url}"
# An institution's page as the citizen sees it (bot/formatting.py institution_card).
INSTITUTION_ADDRESS = "Адрес: {place}"
INSTITUTION_PHONE = "Телефон: {phone}"
# The names it had before it was renamed or merged, joined by "; " (the CSV's former_names).
INSTITUTION_FORMER_NAMES = "Ранее: {names}"
OFFICIAL_PAGES = "Официальные страницы:"
OFFICIAL_PAGE = "• {label}: {url}"
PAGE_LABELS = {"vk": "ВКонтакте", "telegram": "Telegram", "ok": "Одноклассники",
               "website": "Сайт"}

# Citizen: filing an appeal

APPEAL_ASK_INSTITUTION = (
    "В какое учреждение обращение? Напишите его название: например, «Котельничская ЦРБ».\n"
    "Если не знаете — напишите «минздрав», обращение рассмотрит министерство."
)
APPEAL_ASK_CATEGORY = "Учреждение: {institution}.\nВыберите тему обращения:"
APPEAL_ASK_TEXT = (
    "Опишите ситуацию одним сообщением: что произошло, когда, в каком отделении. "
    "Укажите, как с вами связаться, если это нужно для ответа. "
    "Можно приложить фото или документ."
)
APPEAL_TEXT_TOO_SHORT = "Опишите, пожалуйста, подробнее — хотя бы несколько слов (от {min} символов)."
APPEAL_ASK_CONSENT = (
    "Для рассмотрения обращения текст и ваше имя в профиле будут переданы в учреждение и "
    "министерство здравоохранения региона (Федеральный закон № 152-ФЗ «О персональных данных» "
    "и № 59-ФЗ «О порядке рассмотрения обращений граждан»). Вы согласны на обработку "
    "персональных данных?"
)
APPEAL_CONSENT_REFUSED = (
    "Без согласия на обработку персональных данных обращение отправить нельзя. "
    "Обращение не отправлено. Вы можете задать вопрос или найти страницу учреждения."
)
APPEAL_CONFIRM = (
    "Проверьте обращение:\n"
    "Учреждение: {institution}\n"
    "Тема: {category}\n"
    "Текст: {text}{attachments}\n\n"
    "Отправить?"
)
APPEAL_ATTACHMENTS = "\nВложений: {count}"
APPEAL_FILED = (
    "Обращение № {number} зарегистрировано и передано в «{institution}».\n"
    "Первый ответ — до {first_due}, окончательный — до {due}.\n"
    "Ответ придёт в этот чат. Статус — в разделе «Мои обращения» (/my)."
)
APPEAL_PRESS_BUTTON = "Нажмите, пожалуйста, одну из кнопок ниже."
MY_EMPTY = "У вас пока нет обращений. Написать обращение: /appeal."
MY_TITLE = "Ваши обращения (последние {count}):"
MY_ITEM = "№ {number} — {institution}\nТема: {category}\nСтатус: {status}{deadline}"
MY_DEADLINE = "\nОтвет — до {due}"

# Citizen: notifications about an appeal

CITIZEN_ANSWER = "Ответ на ваше обращение № {number} от «{institution}»:\n\n{text}"
CITIZEN_RATE = "Оцените, пожалуйста, ответ от 1 до 5 или сообщите, если вопрос не решён."
CITIZEN_REDIRECTED = (
    "Ваше обращение № {number} передано в «{institution}» — это учреждение компетентно "
    "решить ваш вопрос. Срок ответа не меняется: до {due}."
)
CITIZEN_EXTENDED = (
    "Срок рассмотрения обращения № {number} в «{institution}» продлён до {due} "
    "(часть 2 статьи 12 Федерального закона № 59-ФЗ)."
)
CITIZEN_ESCALATED = (
    "Срок ответа на обращение № {number} истёк. Обращение передано на контроль "
    "министерства здравоохранения региона."
)
CITIZEN_TAKEN = "Обращение № {number} взято в работу в «{institution}»."
RATE_THANKS = "Спасибо за оценку!"
REOPENED = (
    "Обращение № {number} снова открыто и возвращено в «{institution}». "
    "Мы сообщим, когда придёт новый ответ."
)
ALREADY_RATED = "Спасибо, оценка уже учтена."
NOT_YOUR_APPEAL = "Это обращение вам недоступно."

# Staff

# One answer whether the appeal exists or not: a forged button cannot enumerate appeals.
STAFF_NOT_ALLOWED = "Обращение не найдено, или у вас нет прав на это действие для него."
STAFF_ONLY = "Эта команда доступна только сотрудникам."
CARD = (
    "Обращение № {number}\n"
    "Учреждение: {institution}\n"
    "Тема: {category}\n"
    "Статус: {status}\n"
    "От: {citizen} ({platform})\n"
    "Поступило: {created}\n"
    "Первый ответ до: {first_due}\n"
    "Ответ до: {due}\n\n"
    "{text}"
)
CARD_CITIZEN = "гражданин"  # the card's "От:" when the citizen has no name
CARD_HINT = "\n\nЧтобы ответить, ответьте (reply) на это сообщение или нажмите «Ответить»."
CARD_REDIRECTED = "\n\n↪️ Перенаправлено в «{institution}»."
CARD_REOPENED = "Гражданин сообщил, что вопрос не решён. Обращение № {number} снова открыто."
STAFF_ASK_ANSWER = (
    "Напишите ответ на обращение № {number} одним сообщением — он будет отправлен гражданину. "
    "Отменить: /cancel."
)
STAFF_TAKEN = "Обращение № {number} взято в работу."
# What an appeal's status means, as a sentence of its own (a status word does not fit
# every phrase: "уже дан ответ").
APPEAL_STATE = {
    "new": "Обращение № {number} ещё не взято в работу.",
    "in_progress": "Обращение № {number} уже в работе.",
    "answered": "На обращение № {number} уже дан ответ.",
    "closed": "Обращение № {number} уже закрыто.",
}
STAFF_EXTENDED = "Срок по обращению № {number} продлён до {due}. Гражданин уведомлён."
ALREADY_EXTENDED = "Срок по обращению № {number} уже продлевали: по закону это можно сделать один раз."
# {days}: the policy's redirect window (redirect.within), "7 дней"
STAFF_REDIRECT_LATE = (
    "⚠️ Обращение перенаправлено позже {days} с регистрации (часть 3 статьи 8 № 59-ФЗ)."
)
STAFF_ASK_REDIRECT = "В какое учреждение перенаправить обращение № {number}? Напишите название."
STAFF_REDIRECT_SAME = "Обращение уже в этом учреждении. Выберите другое."
STAFF_REDIRECTED = "Обращение № {number} перенаправлено в «{institution}». Гражданин уведомлён."
STAFF_QUEUE_EMPTY = "Открытых обращений нет."
STAFF_QUEUE_TITLE = "Открытые обращения по сроку ответа ({count}):"
STAFF_QUEUE_ITEM = "№ {number} · {institution} · {status} · {deadline}{overdue}"
OVERDUE_MARK = " ⚠️ просрочено"
STAFF_NEW_NO_INBOX = "⚠️ У учреждения «{institution}» нет подключённого чата для обращений.\n\n"
APPEAL_NOT_FOUND = "Обращение не найдено."
ACTION_UNAVAILABLE = " Это действие недоступно."

STATS = (
    "Статистика ({scope}):\n"
    "Открыто: {open} (новых {new}, в работе {in_progress}), просрочено: {overdue}\n"
    "За {days} дней: поступило {received}, отвечено {answered}\n"
    "Первый ответ в срок: {on_time}\n"
    "Средняя оценка ответов: {rating}"
)
STATS_SCOPE_ALL = "все учреждения"
STATS_SCOPE_REGIONS = "учреждения региона: {regions}"
STATS_ON_TIME = "{share}% ({count})"
STATS_RATING = "{rating:.1f} из 5"
NO_DATA = "нет данных"

# Deadlines, reminders, escalation, duty

DEADLINE_NAMES = {"first_response": "первый ответ", "final": "ответ по существу"}
REMINDER = (
    "⏰ Напоминание: обращение № {number} («{institution}») — {what} до {deadline} "
    "(осталось {left})."
)
OVERDUE_STAFF = (
    "⚠️ Просрочено: обращение № {number} («{institution}») — {what} нужно было дать до "
    "{deadline}. Обращение передано на контроль министерства."
)
ESCALATION = (
    "🚨 Эскалация: «{institution}» не дало {what} по обращению № {number} в срок "
    "(до {deadline})."
)
DIGEST_MORNING = (
    "☀️ Доброе утро! Обращения «{institution}» на сегодня:\n"
    "новых: {new}, срок сегодня: {due_today}, просрочено: {overdue}."
)
DIGEST_HANDOFF = (
    "🗓 Передача дежурства на выходные ({first} – {last}).\n"
    "Открытых обращений: {open}. Срок истекает во время дежурства: {due}."
)
DIGEST_LINE = "№ {number} · {institution} · {what} до {deadline}"
DUTY_NOW = "Сейчас дежурит: {people}"
DUTY_NOW_NOBODY = "На сегодня дежурный не назначен."
DUTY_NEXT = "Следующее дежурство ({day}): {people}"
DUTY_NEXT_NOBODY = "Следующие дежурства не назначены."
DUTY_USAGE = (
    "Дежурства:\n/duty — кто дежурит сейчас и следующим\n"
    "/duty staff — список дежурных с номерами\n"
    "/duty set 2026-12-31 2027-01-11 5 — назначить сотрудника № 5 на даты (включительно)\n"
    "/duty rotate 2026-12-31 2027-01-11 5,7,9 — по очереди, по одному дню\n"
    "/duty clear 2026-12-31 2027-01-11 — снять назначения"
)
DUTY_STAFF_TITLE = "Дежурные (номер · имя · платформа):"
DUTY_STAFF_EMPTY = "Дежурных пока нет: пригласите их командой python -m bot invite --role duty."
DUTY_SAVED = "Дежурства назначены: {count} дн."
DUTY_CLEARED = "Назначения с {first} по {last} сняты."
DUTY_BAD_DATES = "Неверные даты. Пример: /duty set 2026-12-31 2027-01-11 5"
DUTY_UNKNOWN_STAFF = "Сотрудник № {ref} не найден среди дежурных: /duty staff."

# Invites

INVITE_ACCEPTED_ADMIN = (
    "Готово! Этот чат подключён как чат обращений учреждения «{institution}». "
    "Новые обращения будут приходить сюда. Команды: /queue — очередь."
)
INVITE_ACCEPTED_DUTY = "Готово! Вы добавлены в дежурные. Команды: /queue — очередь, /duty."
INVITE_REGION = "\n\nВаш регион: {region}. Сюда приходит то, что касается его учреждений."
INVITE_ACCEPTED_OPERATOR = (
    "Готово! Вы оператор министерства. Сюда будут приходить эскалации. Команды: /queue, "
    "/gaps — вопросы без ответа, /faqstats — неудачные ответы FAQ, /routing — переадресации, "
    "/reload_faq."
)
INVITE_INVALID = "Приглашение недействительно или уже использовано. Попросите новое."
INVITE_EXPIRED = "Срок действия приглашения истёк. Попросите новое."
INSTITUTION_LINK_UNKNOWN = "Учреждение по ссылке не найдено. Найдите его по названию: /find."

# Operators

GAPS_EMPTY = "Вопросов без ответа пока нет."
GAPS_TITLE = "Частые вопросы без ответа (пробелы в FAQ):"
FAQSTATS_EMPTY = "Отрицательных оценок ответов пока нет."
FAQSTATS_TITLE = "Ответы FAQ, которые чаще всего не помогают (id: да / нет):"
FAQ_RELOADED = "FAQ перечитан: {count} записей."
FAQ_RELOAD_FAILED = "FAQ не перечитан, оставлена прежняя версия. Ошибки:\n{errors}"

PLATFORM_NAMES = {"telegram": "Telegram", "vk": "ВКонтакте", "max": "MAX", "console": "консоль"}
# "sent in ...": the prepositional case
PLATFORM_NAMES_IN = {"telegram": "Telegram", "vk": "ВКонтакте", "max": "MAX",
                     "console": "консоли"}
ANOTHER_MESSENGER = "другом мессенджере"
ATTACHMENT_KINDS = {"photo": "фото", "document": "документ", "other": "вложение"}
# Times and durations (bot/formatting.py)
TIME = "{local:%d.%m.%Y %H:%M} ({zone})"
ZONE_MOSCOW = "МСК"
ZONE_UTC = "UTC{hours:+d}"
LEFT_DAYS = "{days} дн {hours} ч"
LEFT_HOURS = "{hours} ч {minutes} мин"
LEFT_MINUTES = "{minutes} мин"
# "позже 7 дней", "позже 1 дня": the genitive after a number of days
DAYS_GENITIVE = "{count} дней"
DAY_GENITIVE = "{count} дня"

ATTACHMENT_ELSEWHERE = "📎 {count} влож. ({kinds}) — отправлены в {platform}, здесь их показать нельзя."
