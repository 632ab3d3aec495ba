"""Texts the messengers' own features need: command menus, edits, group greetings."""

# Telegram transport

TELEGRAM_EDIT_IGNORED = (
    "Исправления уже отправленных сообщений я не вижу. Напишите, пожалуйста, новое сообщение."
)
TELEGRAM_GROUP_HELLO = (
    "Здравствуйте! Чтобы обращения учреждения приходили в эту группу, администратор "
    "отправляет сюда /start inv_<код приглашения>. Команды сотрудников: /queue, /stats."
)
# Command menu (setMyCommands): command -> description.
TELEGRAM_CITIZEN_COMMANDS = {
    "start": "Главное меню",
    "faq": "Задать вопрос",
    "find": "Найти страницу учреждения",
    "appeal": "Написать обращение",
    "my": "Мои обращения",
    "cancel": "Отменить действие",
    "help": "Помощь",
    "forget": "Удалить мои данные",
}
TELEGRAM_STAFF_COMMANDS = {
    "queue": "Очередь открытых обращений",
    "stats": "Статистика по обращениям",
    "duty": "Кто дежурит сейчас и следующим",
    "staff": "Сотрудники и чаты для обращений",
}
TELEGRAM_OPERATOR_COMMANDS = {
    "gaps": "Частые вопросы без ответа",
    "faqstats": "Наименее полезные ответы FAQ",
    "routing": "Переадресации и подсказки учреждения",
    "reload_faq": "Перечитать FAQ",
    "ban": "Заблокировать пользователя",
    "unban": "Снять блокировку",
}

# VK: an inline keyboard holds at most 10 buttons; the rest follow under this line.
VK_MORE_BUTTONS = "Ещё варианты:"

# In a group chat the bot hears only commands, buttons and replies to its own messages
# (in a VK conversation: messages that mention the community, or reply to it).
IN_GROUP_REPLY_HERE = "\n\nВ общем чате ответьте (reply) на это сообщение — иначе бот его не увидит."
IN_VK_CHAT_REPLY_HERE = (
    "\n\nВ беседе ответьте на это сообщение или упомяните сообщество — иначе бот его не увидит."
)
GROUP_HEARS = (
    "\nВ этом чате бот видит только команды, кнопки и ответы (reply) на свои сообщения."
)
VK_CHAT_HEARS = (
    "\nВ беседе бот видит только сообщения, где упомянуто сообщество, и ответы на его "
    "сообщения (или все сообщения, если в настройках беседы у сообщества есть доступ к ним)."
)
VK_CHAT_HELLO = (
    "Здравствуйте! Чтобы обращения учреждения приходили в эту беседу, администратор "
    "отправляет сюда, упомянув сообщество, /start inv_<код приглашения>. Команды "
    "сотрудников: /queue, /stats."
)

# MAX: the same core texts, said as MAX needs (handlers/max_sender.py puts these in place of
# the group greeting and the invite's "what the bot sees" line in MAX group chats): a bot
# sees ordinary messages of a group chat only as an admin with the read-all-messages right.
MAX_CHAT_HELLO = (
    "Здравствуйте! Чтобы бот видел сообщения этого чата, назначьте его администратором с "
    "правом читать все сообщения. Чтобы обращения учреждения приходили сюда, администратор "
    "отправляет в чат /start inv_<код приглашения>. Команды сотрудников: /queue, /stats."
)
MAX_CHAT_HEARS = (
    "\nВ чате MAX бот видит обычные сообщения, только если он администратор с правом читать "
    "все сообщения; иначе — команды, кнопки и ответы (reply) на его сообщения."
)
# A MAX button press is answered with a short notification (POST /answers needs one).
MAX_PRESS_NOTED = "✓"
# An inline keyboard holds at most 210 buttons in 30 rows: the rest follow under this line.
MAX_MORE_BUTTONS = "Ещё варианты:"
# MAX's command menu (PATCH /me/commands, handlers/max_commands.py): one list for every chat
# (MAX has no per-chat or per-role menus), so the citizens' menu, the same as Telegram's.
MAX_CITIZEN_COMMANDS = TELEGRAM_CITIZEN_COMMANDS

# To the operators when a transport notices trouble of its own (the OperatorAlerts port,
# bot/appeals/operator_alerts.py): the transport's problem -> the alert.
TRANSPORT_ALERTS = {
    "webhook_dropped": (
        "🚨 {platform}: мессенджер отписал бота от вебхука (так бывает после 8 часов "
        "неудачных доставок). Бот подписывается снова; сообщения граждан за это время могли "
        "не дойти. Проверьте, что адрес вебхука доступен из интернета."
    ),
}
