"""Texts about delivery: what staff and operators are told when a message cannot get through."""

STAFF_ANSWER_QUEUED = (
    "Ответ на обращение № {number} принят и отправляется гражданину. Если доставить его не "
    "получится, бот сообщит об этом здесь и на карточке."
)
CARD_UNDELIVERED = "\n\n⚠️ Ответ не доставлен: {reason} ({since})."
QUEUE_UNDELIVERED_MARK = " ⚠️ не доставлено"
STAFF_ANSWER_UNDELIVERED = (
    "⚠️ Ответ на обращение № {number} не доставлен: {reason}. Свяжитесь с гражданином "
    "другим способом (телефон или почта из обращения) и отметьте это в карточке."
)
UNDELIVERED_REASONS = {
    "chat_gone": "гражданин заблокировал бота или удалил чат",
    "rejected": "мессенджер отклонил сообщение",
    "expired": "мессенджер недоступен дольше двух суток",
}
INBOX_UNREACHABLE = (
    "⚠️ Чат обращений учреждения «{institution}» ({platform}) недоступен с {since}: {reason}. "
    "Новые обращения этого учреждения приходят вам, пока администратор не подключит чат "
    "заново (/start inv_<код> в новом чате или возвращение бота в группу)."
)
INBOX_REASONS = {
    "chat_gone": "бота удалили из группы или заблокировали",
    "bot_removed": "бота удалили из группы",
    "rejected": "мессенджер отклоняет сообщения",
}
CARD_REROUTED = "⚠️ Переслано вам: чат обращений «{institution}» недоступен.\n\n"
INBOX_RESTORED = "Бот снова в этом чате: обращения «{institutions}» снова приходят сюда."
PLATFORM_PAUSED = (
    "🚨 {platform}: мессенджер отклоняет ключ доступа бота ({error}). Отправка в {platform} "
    "приостановлена, сообщения ждут в очереди и уйдут, когда ключ исправят "
    "(TELEGRAM_BOT_TOKEN / VK_GROUP_TOKEN)."
)
DELIVERY_TITLE = "\n\nДоставка:"
DELIVERY_BACKLOG = "• {platform}: в очереди {count}, самое старое с {oldest}"
DELIVERY_NO_BACKLOG = "• очередь пуста"
DELIVERY_FAILED = "• не доставлено ({platform}, {reason}): {count}"
DELIVERY_DISABLED_INBOX = "• недоступен чат «{institution}» ({platform}) с {since}"
FAILURE_NAMES = {
    "chat_gone": "чат недоступен",
    "migrated": "чат переехал",
    "rejected": "отклонено",
    "expired": "истёк срок",
    "rerouted": "переслано операторам",
}
