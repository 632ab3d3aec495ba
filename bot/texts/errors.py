"""One-line messages of the command line when a file or the database cannot be used, and
the operators' list of dead letters (updates the bot could not read)."""

# The database at start (storage.db_problems.DbProblem -> the line; {path}, {detail}).
DB_PROBLEMS = {
    "read_only": (
        "База данных {path} доступна только для чтения: процессу бота нужны права на запись "
        "в файл и в его папку (там SQLite создаёт файлы -wal и -shm). Проверьте владельца и "
        "права или DATABASE_PATH."
    ),
    "not_a_database": (
        "Файл {path} — не база данных SQLite. Проверьте DATABASE_PATH: он должен указывать на "
        "базу бота или на ещё не существующий файл."
    ),
    "corrupted": (
        "База данных {path} повреждена ({detail}) и не открыта, чтобы не испортить её "
        "сильнее: восстановите файл из последней резервной копии (их делает python -m bot "
        "backup)."
    ),
    "unavailable": "Не удаётся открыть базу данных {path}: {detail}. Проверьте DATABASE_PATH.",
}
DB_ERROR = "Ошибка базы данных {path}: {detail}."

# python -m bot backup PATH
BACKUP_NO_FOLDER = "Папки {folder} нет: создайте её или укажите другой путь для резервной копии."
BACKUP_IS_FOLDER = "{path} — это папка: укажите имя файла копии, например {path}/medfront.sqlite3."
BACKUP_SAME_FILE = "Копия не может перезаписать саму базу данных: укажите другой путь."
BACKUP_NOT_WRITABLE = "Не удаётся записать резервную копию в {path}: нет прав на запись."
BACKUP_FAILED = "Не удалось сделать резервную копию в {path}: {detail}."

# import-duty and other CSV files
FILE_NOT_UTF8 = (
    "Файл {path} не в кодировке UTF-8 (строка {line}): сохраните его как «CSV UTF-8» и "
    "повторите."
)
FILE_BINARY = "Файл {path} — не текстовый CSV (в нём двоичные данные): проверьте, тот ли это файл."
FILE_UNREADABLE = "Не удаётся прочитать файл {path}: {detail}."
FILE_BROKEN_CSV = "Файл {path} не читается как CSV: {detail}."

# python -m bot dead-letters [ID]
DEAD_LETTERS_TITLE = (
    "Необработанные обновления (хранятся {days} дней): всего {count}. Последние {shown}: "
    "id · платформа · update_id · получено · причина"
)
DEAD_LETTERS_NONE = "Необработанных обновлений нет."
DEAD_LETTER_LINE = "{id} · {platform} · {update_id} · {received} · {reason}"
DEAD_LETTER_NOT_FOUND = "Необработанного обновления {id} нет (хранятся {days} дней)."
DEAD_LETTER_HINT = "Исходный JSON одного из них: python -m bot dead-letters ID"
