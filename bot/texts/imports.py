"""Texts of the import commands (`import-directory`, `import-faq`, `faq check`)."""

DIRECTORY_ENCODING = "Файл прочитан в кодировке {encoding}."
DIRECTORY_IMPORTED = (
    "Импортировано: добавлено {added}, обновлено {updated}, без изменений {unchanged}, "
    "скрыто (нет в файле) {deactivated}; строк с ошибками: {bad}."
)
DIRECTORY_KEPT = (
    "Учреждения из строк с ошибками оставлены в справочнике как были: {count}."
)
DIRECTORY_REFUSED_FILE = (
    "Справочник не изменён: файл не импортирован (см. ошибку выше).{still} Исправьте файл и "
    "повторите импорт."
)
DIRECTORY_STILL_ACTIVE = " В поиске остаются все учреждения ({active})."
DIRECTORY_REFUSED_ROWS = (
    "Справочник не изменён: строк с ошибками — {bad}. Исправьте их и повторите импорт, "
    "или запустите с --partial: тогда правильные строки импортируются, а учреждения из "
    "строк с ошибками останутся как были."
)
DIRECTORY_REFUSED_MASS = (
    "Справочник не изменён: импорт скрыл бы из поиска {deactivated} из {active} учреждений "
    "({share:.0%}), а без подтверждения можно не больше {limit:.0%} "
    "(настройка DIRECTORY_MASS_DEACTIVATE_SHARE). Скрылись бы: {examples}. Если так и "
    "задумано, повторите с --allow-mass-deactivate."
)
DIRECTORY_MORE = " и ещё {count}"
DIRECTORY_ROWS_LIMIT = "Предел строк в одном файле задаёт настройка DIRECTORY_MAX_ROWS (сейчас {limit})."
FAQ_LIMITS = (
    "Пределы задают настройки FAQ_MAX_ENTRIES (сейчас {entries}) и FAQ_MAX_ANSWER_CHARS "
    "(сейчас {chars})."
)
