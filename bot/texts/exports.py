"""Exports of the web console and `python -m bot report` (issue 17, item 7): the appeal
list's sheet, the download links, the file names, the report command's messages."""

# the appeal list (bot/reports/appeal_list.py)
EXPORT_APPEALS_TITLE = "Обращения"
EXPORT_COL_NUMBER = "Номер"
EXPORT_COL_CREATED = "Подано"
EXPORT_COL_INSTITUTION = "Учреждение"
EXPORT_COL_CATEGORY = "Тема"
EXPORT_COL_STATUS = "Статус"
EXPORT_COL_PLATFORM = "Мессенджер"
EXPORT_COL_FIRST_DUE = "Первый ответ до"
EXPORT_COL_DUE = "Ответ до"
EXPORT_COL_FIRST_AT = "Первый ответ дан"
EXPORT_COL_ANSWERED_AT = "Ответ дан"
EXPORT_COL_SLA = "Срок"
EXPORT_COL_RATING = "Оценка"
EXPORT_TIMES_IN = "Время — по часовому поясу {zone}."
EXPORT_CUT = (
    "Выгружены первые {limit} обращений из найденных: уточните фильтры (период, "
    "учреждение), чтобы выгрузить остальные."
)
EXPORT_SHEET_FULL = "Лист Excel вмещает не больше строк: выгружены первые {rows}."

# the download links (the queue and the dashboard pages)
EXPORT_DOWNLOAD = "Скачать"
EXPORT_XLSX = "XLSX"
EXPORT_CSV = "CSV"

# file names (ASCII: every browser and mail client keeps them as they are)
EXPORT_FILE_QUEUE = "obrashcheniya-{day}"
EXPORT_FILE_DASHBOARD = "svodka-{first}-{last}"

# python -m bot report
REPORT_BAD_DATE = "Неверная дата {option} {value!r}: нужен формат ГГГГ-ММ-ДД, например 2026-12-01."
REPORT_TO_BEFORE_FROM = "Конец периода (--to {last}) раньше его начала (--from {first})."
REPORT_OUTPUT_IS_DIR = (
    "{path} — это папка, а нужен путь к файлу отчёта, например {path}/otchet.{ext}."
)
REPORT_OUTPUT_NO_DIR = "Папки {path} нет: создайте её или укажите другой путь для отчёта."
REPORT_CANNOT_WRITE = "Не удалось записать отчёт в {path}: {reason}."
REPORT_NO_RIGHTS = "нет прав на запись"
REPORT_PROGRESS = "Обращения"
REPORT_WRITTEN = "Отчёт за {first} — {last} записан: {path}"
