"""Routing (issue 18): the appeal form's suggestion and category guess, repeats of an open
appeal, and the ministry's routing report."""

from bot.texts.catalogue import APPEAL_ASK_TEXT

APPEAL_ASK_TEXT_FOR = "Учреждение: {institution}.\n" + APPEAL_ASK_TEXT
APPEAL_ROUTE_SUGGEST = (
    "Судя по тексту, ваш вопрос решает «{suggested}». Если направить обращение туда сразу, "
    "ответ придёт быстрее: не понадобится переадресация (она может занять до 7 дней).\n"
    "Вы выбрали: «{chosen}». Куда направить обращение?"
)
BTN_ROUTE_ACCEPT = "Направить: {institution}"
BTN_ROUTE_KEEP = "Оставить: {institution}"
APPEAL_ROUTE_ACCEPTED = "Хорошо, обращение будет направлено в «{institution}»."
APPEAL_ASK_CATEGORY_ONLY = "Выберите тему обращения:"
APPEAL_CATEGORY_GUESS = (
    "Похоже, тема обращения — «{category}». Если так, нажмите её; если нет, выберите другую:"
)
CATEGORY_GUESS_MARK = "✅ "

# A near-identical appeal of the same citizen to the same institution within 7 days.
APPEAL_REPEAT_LINKED = (
    "Похоже, вы уже писали об этом: обращение № {number} в «{institution}» от {date} "
    "ещё рассматривается. Новое обращение мы не заводили, а добавили ваш текст к нему, "
    "чтобы ответ не задержался. Срок ответа: до {due}.\n"
    "Если это другой вопрос, напишите новое обращение и опишите его подробнее: /appeal."
)
REPEAT_STAFF = (
    "🔁 Гражданин повторил обращение № {number} ({institution}, статус: {status}); "
    "повтор присоединён к нему, новое обращение не заведено:\n\n"
    "{text}\n\nЧтобы ответить, ответьте (reply) на это сообщение или нажмите «Ответить»."
)
CARD_REPEATS = "\n\n🔁 Повторов этого обращения от гражданина: {count}."

ROUTING_TITLE = "Маршрутизация обращений за {days} дней ({scope}):"
ROUTING_REDIRECTS = (
    "Переадресовано: {appeals} из {filed} поступивших ({share}), переадресаций всего {redirects}."
)
ROUTING_LOST = (
    "Время до переадресации: медиана {median}, в среднем {mean}; позже срока (7 дней): {late}."
)
ROUTING_PAIRS_TITLE = "Чаще всего (откуда → куда):"
ROUTING_PAIR = "• {source} → {target}: {count}"
ROUTING_SUGGESTIONS = (
    "Подсказка учреждения по тексту: показана {shown}, принята {accepted} ({share}), "
    "оставлен свой выбор {kept}."
)
ROUTING_SUGGESTION_QUALITY = (
    "Из оставивших свой выбор потом переадресованы туда, куда подсказывал бот: {kept_there}; "
    "из принявших подсказку переадресованы в другое учреждение: {accepted_moved}."
)
ROUTING_NO_SUGGESTIONS = "Подсказка учреждения по тексту: за период не показывалась."
ROUTING_REPEATS = "Повторы, присоединённые к открытым обращениям: {count}."
ROUTING_USAGE = "Использование: /routing [дней], например /routing 30 (от 1 до 366)."
ROUTING_NONE = "нет"
