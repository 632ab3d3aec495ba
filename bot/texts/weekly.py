"""The weekly report to the ministry operators (bot/reports/weekly.py), and what the
transports say of the files the bot sends (the report's chart and workbook)."""

# The message: the week's figures; the chart and the workbook go with it as files.
WEEKLY_REPORT = (
    "📊 Еженедельный отчёт за {first:%d.%m.%Y} – {last:%d.%m.%Y}\n"
    "Поступило обращений: {received}\n"
    "Дано ответов: {answered}\n"
    "Отвечено в срок: {in_time}\n"
    "Просрочено сейчас (открытые после срока): {overdue}\n"
    "\n"
    "График — на картинке, таблицы — в файле XLSX."
)
WEEKLY_NO_SHARE = "—"  # no answer was given in the week: no share in time
WEEKLY_SHARE = "{share:.0%}"

# A platform refused a file for good (or kept failing): the text goes without it.
FILES_NOT_ATTACHED = (
    "📎 Файлы не удалось приложить в {platform}: {names}. Те же данные есть в веб-консоли "
    "и в выгрузке python -m bot report."
)
# The console keeps a file in a folder and says where.
CONSOLE_FILE_SAVED = "📄 файл «{name}» сохранён: {path}"
