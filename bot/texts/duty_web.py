"""The web console's duty roster page (issue 17, item 6): who is on duty when, and the
operators' form that changes it (the rules of /duty)."""

WEB_NAV_DUTY = "Дежурства"
WEB_DUTY_TITLE = "Дежурства"
WEB_DUTY_PERIOD = "С {first} по {last}"
WEB_DUTY_INTRO = (
    "В нерабочее время и в выходные напоминания о сроках получает дежурный этого дня. "
    "Если на день никто не назначен, их получают все дежурные."
)
WEB_DUTY_SHOW = "Показать"
WEB_DUTY_FROM = "С"
WEB_DUTY_WEEKS = "Недель"
WEB_DUTY_PREV = "← Раньше"
WEB_DUTY_NEXT = "Дальше →"
WEB_DUTY_TODAY = "сегодня"
WEB_DUTY_WEEKDAYS = ("пн", "вт", "ср", "чт", "пт", "сб", "вс")
WEB_DUTY_DAY = "{weekday}, {day}"

# the table
WEB_DUTY_COL_DAY = "День"
WEB_DUTY_COL_KIND = "Календарь"
WEB_DUTY_COL_PEOPLE = "Дежурные"
WEB_DUTY_COL_ACTIONS = "Изменить"
WEB_DUTY_KINDS = {
    "working": "рабочий день",
    "working_weekend": "рабочий день (перенос выходного)",
    "weekend": "выходной",
    "holiday": "нерабочий день",
}
WEB_DUTY_NOBODY = "не назначен"
WEB_DUTY_NOBODY_FALLBACK = (
    "⚠️ Не назначен: напоминания в этот день получат все дежурные ({count})."
)
WEB_DUTY_NOBODY_AT_ALL = (
    "⚠️ Не назначен, и дежурных нет: напоминания в этот день никому не придут до "
    "рабочего дня."
)
WEB_DUTY_CLEAR_DAY = "Снять"

# the operators' form
WEB_DUTY_EDIT = "Назначить дежурных"
WEB_DUTY_EDIT_FROM = "С"
WEB_DUTY_EDIT_TO = "по (включительно)"
WEB_DUTY_EDIT_PEOPLE = "Кто дежурит"
WEB_DUTY_EDIT_HINT = (
    "«Назначить» — все отмеченные на каждый день; «По очереди» — по одному на день, в "
    "порядке списка; «Снять назначения» — очистить дни (отмечать никого не нужно)."
)
WEB_DUTY_SET = "Назначить"
WEB_DUTY_ROTATE = "По очереди"
WEB_DUTY_CLEAR = "Снять назначения"
WEB_DUTY_STAFF_EMPTY = (
    "Дежурных пока нет: пригласите их командой python -m bot invite --role duty."
)
WEB_DUTY_DONE = {
    "set": "Дежурства назначены.",
    "rotate": "Дежурства назначены по очереди.",
    "clear": "Назначения сняты.",
}

# what is wrong with the form or the address
WEB_DUTY_BAD_WEEKS = "Неверное число недель: от 1 до {most}."
WEB_DUTY_BAD_FROM = "Неверная дата начала: укажите дату в пределах двух лет от сегодняшнего дня."
WEB_DUTY_BAD_DATE = "Укажите обе даты, «с» и «по»."
WEB_DUTY_PAST = "Нельзя менять прошедшие дни: выберите даты начиная с сегодняшнего ({today})."
WEB_DUTY_BACKWARDS = "Дата «по» раньше даты «с»: поменяйте их местами."
WEB_DUTY_TOO_LONG = "Слишком длинный период: не больше {days} дней за один раз."
WEB_DUTY_NO_PEOPLE = "Отметьте хотя бы одного дежурного."
WEB_DUTY_UNKNOWN = "Этого сотрудника нет среди дежурных. Обновите страницу и выберите снова."
WEB_DUTY_BAD_ACTION = "Неизвестное действие. Обновите страницу и повторите."
WEB_DUTY_OPERATORS_ONLY = "Менять дежурства могут только операторы министерства."
