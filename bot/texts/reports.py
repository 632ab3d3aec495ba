"""The dashboard of the web console (issue 17, item 5): its page, its charts and the titles
of its tables (the exports and the weekly report write the same tables)."""

# the page
DASH_TITLE = "Показатели"
DASH_NAV = "Показатели"
DASH_SCOPE_ALL = "Все учреждения"
DASH_SCOPE = "Учреждения: {names}"
DASH_PERIOD = "Период: {first:%d.%m.%Y} — {last:%d.%m.%Y}"
DASH_FROM = "С"
DASH_TO = "По"
DASH_INSTITUTION = "Учреждение"
DASH_INSTITUTION_ANY = "все доступные"
DASH_APPLY = "Показать"
DASH_DEFAULT_PERIOD = "Без дат — последние {days} дней, включая сегодня."
DASH_BAD_DATE = (
    "Неверная дата периода «{value}»: укажите дату в виде ГГГГ-ММ-ДД, например 2026-11-01."
)
DASH_BAD_ORDER = "Начало периода ({first:%d.%m.%Y}) позже его конца ({last:%d.%m.%Y})."
DASH_TOO_LONG = "Слишком длинный период: не больше {days} дней."
DASH_NO_DATA = "нет данных"
DASH_HOURS = "{hours:.1f} ч"
DASH_SHARE = "{share:.0%}"
DASH_RATING_VALUE = "{rating:.2f} из 5"
DASH_OF = "{part} из {whole}"

# the figures
DASH_FILED = "Подано обращений"
DASH_OVERDUE_NOW = "Просрочено сейчас"
DASH_FIRST_RESPONSE = "Первый ответ"
DASH_ANSWER = "Ответ"
DASH_MEDIAN = "медиана"
DASH_P90 = "90% — не дольше"
DASH_ON_TIME = "Ответы в срок"
DASH_RATING = "Средняя оценка"
DASH_NOT_SOLVED = "«Вопрос не решён»"
DASH_DEFINITIONS = "Как считается"
DASH_NOTE_FILED = "Обращения, поданные за период, — по их состоянию сейчас."
DASH_NOTE_TIMES = (
    "Время до первого ответа и до ответа — в часах от подачи обращения, по часам подряд "
    "(календарное время: ночи и выходные тоже считаются). Учтены первые ответы (обращение "
    "взяли в работу или ответили) и ответы, данные за период; после дополнения гражданина "
    "— по последнему ответу. 90% — значение, быстрее которого дана девять десятых ответов."
)
DASH_NOTE_ON_TIME = (
    "Доля ответов, данных за период не позже срока ответа (с учётом продления срока)."
)
DASH_NOTE_RATING = "Оценки, которые граждане поставили за период: {count}."
DASH_NOTE_NOT_SOLVED = (
    "Из обращений, поданных за период и получивших ответ или закрытых, — доля тех, по "
    "которым гражданин нажал «Вопрос не решён» и обращение открылось снова."
)
DASH_NOTE_OVERDUE = (
    "Просрочено — обращение, на которое ответили или которое закрыли позже срока ответа, "
    "или без ответа и с прошедшим сроком."
)

# the sections
DASH_BY_STATUS = "По состоянию"
DASH_BY_CATEGORY = "По темам"
DASH_BY_INSTITUTION = "По учреждениям"
DASH_RANKING = "Учреждения по доле просроченных"
DASH_RANKING_NOTE = "В рейтинге — только учреждения с {min} и более обращениями за период."
DASH_RANKING_EMPTY = "Нет учреждений с {min} и более обращениями за период."
DASH_OVERDUE = "Просроченные обращения сейчас"
DASH_OVERDUE_NOTE = (
    "Открытые обращения, срок ответа которых прошёл: всего {count}; показаны первые "
    "{limit}, самые просроченные сверху."
)
DASH_OVERDUE_NONE = "Просроченных обращений нет."
DASH_FAQ = "Вопросы без ответа в справке"
DASH_FAQ_NOTE = "Что граждане спрашивали за период и не нашли среди частых вопросов."
DASH_FAQ_EMPTY = "За период таких вопросов не было."
DASH_EMPTY = "За период обращений нет."
DASH_CATEGORY_OTHER_CODES = "Прочие темы"

# columns (the page and the exported tables)
DASH_COL_FIGURE = "Показатель"
DASH_COL_STATUS = "Состояние"
DASH_COL_CATEGORY = "Тема"
DASH_COL_INSTITUTION = "Учреждение"
DASH_COL_INSTITUTION_ID = "Код учреждения"
DASH_COL_APPEALS = "Обращений"
DASH_COL_LATE = "Просрочено"
DASH_COL_LATE_SHARE = "Доля просроченных"
DASH_COL_MEDIAN_FIRST = "Медиана первого ответа, ч"
DASH_COL_RANK = "Место по доле просроченных"
DASH_COL_NUMBER = "Номер"
DASH_COL_FILED = "Подано"
DASH_COL_DUE = "Срок ответа"
DASH_COL_OVERDUE_BY = "Просрочено на"
DASH_COL_OVERDUE_HOURS = "Просрочено на, ч"
DASH_COL_QUESTION = "Вопрос"
DASH_COL_ASKED = "Сколько раз"

# the exported tables (a sheet each: at most 31 characters)
DASH_TABLE_SUMMARY = "Сводка"
DASH_TABLE_BY_STATUS = "По состоянию"
DASH_TABLE_BY_CATEGORY = "По темам"
DASH_TABLE_BY_INSTITUTION = "По учреждениям"
DASH_TABLE_OVERDUE = "Просроченные"
DASH_TABLE_FAQ = "Вопросы без ответа"
DASH_SUMMARY_COLUMNS = {
    "first": "Период с",
    "last": "Период по",
    "scope": "Учреждения",
    "filed": "Подано обращений",
    "late": "Из них просрочено",
    "first_responses": "Первых ответов за период",
    "first_median": "Первый ответ: медиана, ч",
    "first_p90": "Первый ответ: 90%, ч",
    "answers": "Ответов за период",
    "answer_median": "Ответ: медиана, ч",
    "answer_p90": "Ответ: 90%, ч",
    "on_time": "Ответов в срок",
    "on_time_share": "Доля ответов в срок",
    "ratings": "Оценок",
    "mean_rating": "Средняя оценка",
    "replied": "С ответом или закрыто",
    "not_solved": "«Вопрос не решён»",
    "not_solved_share": "Доля «Вопрос не решён»",
    "overdue_now": "Просрочено сейчас",
}
DASH_TABLE_NOTE_TIMES = "Время — календарные часы от подачи обращения."
DASH_TABLE_NOTE_RANK = "Место — только у учреждений с {min} и более обращениями за период."

# the charts
CHART_PER_DAY = "Обращения по дням подачи"
CHART_PER_DAY_ALT = "Столбчатая диаграмма: обращения по дням подачи и их состоянию сейчас"
CHART_RESPONSE = "Время до первого ответа"
CHART_RESPONSE_ALT = "Гистограмма: сколько первых ответов дано за какое время"
CHART_RESPONSE_X = "часы от подачи (календарные)"
CHART_OVERDUE = "Доля просроченных по учреждениям"
CHART_OVERDUE_ALT = "Горизонтальная диаграмма: доля просроченных обращений по учреждениям"
CHART_OVERDUE_X = "доля просроченных, %"
CHART_OVERDUE_NOTE = "учреждения с {min} и более обращениями за период; первые {top}"
CHART_APPEALS = "обращений"
CHART_ANSWERS = "ответов"
CHART_EMPTY = "Нет данных за период"
CHART_STATUSES = {
    "new": "новые",
    "in_progress": "в работе",
    "answered": "дан ответ",
    "closed": "закрыты",
}
# the response-time histogram's bars (bot/reports/dashboard.py RESPONSE_EDGES)
CHART_BUCKETS = (
    "до 1 ч", "1–4 ч", "4–8 ч", "8–24 ч", "1–2 сут", "2–3 сут", "3–7 сут", "больше 7 сут",
)
