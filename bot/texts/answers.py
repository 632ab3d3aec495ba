"""Texts of the staff answer: the draft shown back before it leaves, the answer mode."""

STAFF_CONFIRM_ANSWER = (
    "Ответ на обращение № {number} — так его увидит гражданин:\n\n{text}\n\n"
    "Отправить гражданину?"
)
BTN_SEND_ANSWER = "📨 Отправить гражданину"
BTN_EDIT_ANSWER = "✏️ Изменить"
ANSWER_NOT_TEXT = (
    "Ответ гражданину должен быть текстом (фото или файл можно приложить с подписью). "
    "Ответ не отправлен."
)
ANSWER_MODE_ENDED = (
    "Режим ответа на обращение № {number} завершён: пришло не текстовое сообщение. "
    "Чтобы ответить, нажмите «Ответить» на карточке снова."
)
ANSWER_MODE_EXPIRED = (
    "Режим ответа на обращение № {number} истёк (прошло больше {minutes} минут), это "
    "сообщение гражданину не отправлено. Чтобы ответить, нажмите «Ответить» на карточке снова."
)
ANSWER_ALREADY_SENT = "Ответ на обращение № {number} уже отправлен."
ANSWER_DRAFT_NOT_YOURS = "Этот черновик ответа — не ваш: отправить его может только автор."

# Follow-ups: a citizen's reply to a message of their appeal reaches the institution.
FOLLOW_UP_STAFF = (
    "➕ Дополнение гражданина к обращению № {number} ({institution}, статус: {status}):\n\n"
    "{text}\n\nЧтобы ответить, ответьте (reply) на это сообщение или нажмите «Ответить»."
)
FOLLOW_UP_SENT = (
    "Дополнение к обращению № {number} передано в «{institution}». Ответ придёт в этот чат."
)
# {days}: the follow-up window (bot/appeals/service.py FOLLOW_UP_WINDOW), "30 дней"
FOLLOW_UP_TOO_LATE = (
    "Обращение № {number} закрыто больше {days} назад, дополнить его уже нельзя. "
    "Напишите, пожалуйста, новое обращение: /appeal."
)

# Closing: a reason in one tap; the citizen is told it and may say it is not solved.
STAFF_ASK_CLOSE_REASON = "Почему закрыть обращение № {number}? Гражданин увидит причину."
CLOSE_REASONS = {
    "phone": "ответили по телефону",
    "dup": "повторное обращение (дубликат)",
    "notours": "вопрос не относится к учреждению",
    "withdrawn": "гражданин отозвал обращение",
    "other": "другая причина",
    # offered only for an appeal marked under 59-FZ art. 11 (obscene words, threats)
    "abuse": "без ответа по существу (ст. 11 59-ФЗ)",
}
CITIZEN_CLOSED_BECAUSE = (
    "Обращение № {number} закрыто учреждением «{institution}». Причина: {reason}.\n"
    "Если вопрос не решён, нажмите «Вопрос не решён» — обращение вернётся в работу."
)
STAFF_CLOSED_BECAUSE = "Обращение № {number} закрыто. Причина: {reason}. Гражданин уведомлён."

# Filing where the institution has no working inbox chat: say honestly where it went.
APPEAL_FILED_VIA_OPERATORS = (
    "Обращение № {number} зарегистрировано. У «{institution}» пока нет подключённого чата "
    "для обращений, поэтому его получили операторы министерства: они передадут его в "
    "учреждение.\nПервый ответ — до {first_due}, окончательный — до {due}.\n"
    "Ответ придёт в этот чат. Статус — в разделе «Мои обращения» (/my)."
)
APPEAL_FILED_UNSEEN = (
    "Обращение № {number} зарегистрировано, но «{institution}» пока не подключило чат для "
    "обращений, и бот не может его им передать. Мы сообщим, когда его примут; срочные "
    "вопросы лучше задать по телефону учреждения.\nОкончательный срок ответа — до {due}."
)

APPEAL_ALREADY_SENT = "Обращение № {number} уже отправлено — повторно нажимать не нужно."
# /queue shows the nearer deadline, labelled.
QUEUE_FIRST_DUE = "первый ответ до {due}"
QUEUE_FINAL_DUE = "ответ до {due}"
STAFF_GROUP_HELP = (
    "Это чат сотрудников. Обращения приходят сюда карточками: «Взять в работу», «Ответить» "
    "(или ответьте reply на карточку — бот покажет ответ перед отправкой), «Перенаправить», "
    "«Закрыть». Команды: /queue — очередь, /stats — статистика, /duty — дежурные. Обычную "
    "переписку в этом чате бот не читает: только команды, кнопки и ответы на его сообщения."
)

# Appeals of institutions no working inbox chat receives: operators see them.
QUEUE_NO_INBOX_MARK = " · 📭 нет чата учреждения"
DIGEST_NO_INBOX = (
    "📭 Обращения учреждений без подключённого чата: {count}. Передайте их в учреждения "
    "или подключите их чаты (python -m bot invite)."
)

# Files, voice messages, locations and contacts: attached to an appeal, explained elsewhere.
APPEAL_ATTACHMENT_ADDED = (
    "Вложение добавлено к обращению (всего: {count}). Теперь опишите, пожалуйста, суть "
    "словами — не короче {min} символов."
)
ATTACHMENT_OUTSIDE_FORM = (
    "Фото, файлы, голосовые сообщения, геопозицию и контакты я передам в учреждение вместе "
    "с обращением: нажмите «Написать обращение» и приложите их, когда дойдёте до текста. "
    "Вопрос для справки напишите, пожалуйста, словами."
)
