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
    "unavailable": "Не удаётся открыть базу данных {path}: {detail}. Проверьте DATABASE_PATH (или DATABASE_URL).",
}
DB_ERROR = "Ошибка базы данных {path}: {detail}."

# python -m bot backup PATH
BACKUP_NO_FOLDER = "Папки {folder} нет: создайте её или укажите другой путь для резервной копии."
BACKUP_IS_FOLDER = "{path} — это папка: укажите имя файла копии, например {path}/medfront.sqlite3."
BACKUP_SAME_FILE = "Копия не может перезаписать саму базу данных: укажите другой путь."
BACKUP_NOT_WRITABLE = "Не удаётся записать резервную копию в {path}: нет прав на запись."
BACKUP_FAILED = "Не удалось сделать резервную копию в {path}: {detail}."
BACKUP_POSTGRESQL = (
    "База в PostgreSQL: резервные копии делает сервер (pg_dump или его собственное резервное "
    "копирование), команда backup копирует только файл SQLite."
)

# python -m bot migrate-db --to postgresql://...
MIGRATE_NOT_POSTGRESQL = "Укажите адрес PostgreSQL: --to postgresql://пользователь@хост:5432/база."
MIGRATE_SOURCE_NOT_SQLITE = (
    "Переносится база SQLite (DATABASE_PATH или DATABASE_URL=sqlite:///…), а сейчас настроена {url}."
)
MIGRATE_REFUSED = {
    "versions_differ": "Перенос не выполнен: версии схемы различаются ({detail}).",
    "target_not_empty": (
        "Перенос не выполнен: база назначения не пуста (есть строки в таблицах {detail}). "
        "Перенос никогда не смешивает две истории: укажите пустую базу."
    ),
    "table_missing": "Перенос не выполнен: в файле SQLite нет таблицы {detail}.",
}
MIGRATE_TABLE = "{table}: {rows} строк, контрольная сумма {checksum} — {verdict}"
MIGRATE_MATCH = "совпадает"
MIGRATE_MISMATCH = "НЕ СОВПАДАЕТ"
MIGRATE_DONE = (
    "Готово: {tables} таблиц, {rows} строк перенесено в {url} и сверено. Укажите "
    "DATABASE_URL={url} и перезапустите бота."
)
MIGRATE_FAILED = "Перенос не сверился: таблицы {tables} различаются. Данные в {url} не используйте."

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
