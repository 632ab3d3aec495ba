"""The columns both writers' tests write: one of every ColumnKind."""

from bot.reports.table import Column, ColumnKind

COLUMNS = [
    Column("Учреждение"),
    Column("Обращений", ColumnKind.INT),
    Column("В срок", ColumnKind.PERCENT),
    Column("Медиана, ч", ColumnKind.HOURS),
    Column("Оценка", ColumnKind.FLOAT),
    Column("День", ColumnKind.DATE),
    Column("Подано", ColumnKind.DATETIME),
]
