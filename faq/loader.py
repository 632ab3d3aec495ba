"""Load and validate the FAQ file (faq.yaml) with operator-readable errors in Russian.

Accepted shapes::

    version: 1          # optional
    entries:            # a list of entries
      - id: ambulance   # stable, unique; stored feedback refers to it
        question: ...
        alt: [...]      # optional list of other phrasings
        answer: ...
        tags: [...]     # optional
        links: [...]    # optional

or the bare list of entries at the top level. Every error is one line and carries
the line of the file it is about, so an operator can fix the file without a developer.
A file is bounded (`FaqLimits`): at most 2,000 entries and 20,000 characters an answer
by default, so a runaway file cannot stall the bot that reloads it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from faq.model import FaqEntry

__all__ = ["FaqContentError", "FaqLimits", "check_faq", "load_faq", "parse_faq"]

DEFAULT_MAX_ENTRIES = 2_000
DEFAULT_MAX_ANSWER_CHARS = 20_000

_ID_RE = re.compile(r"^[A-Za-z0-9_.\-]+$")
_LIST_FIELDS = ("alt", "tags", "links")
_KNOWN_FIELDS = {"id", "question", "answer", *_LIST_FIELDS}
_TOP_FIELDS = {"version", "entries"}
_STR_TAG = "tag:yaml.org,2002:str"
_INT_TAG = "tag:yaml.org,2002:int"
_NULL_TAG = "tag:yaml.org,2002:null"


@dataclass(frozen=True, slots=True)
class FaqLimits:
    max_entries: int = DEFAULT_MAX_ENTRIES
    max_answer_chars: int = DEFAULT_MAX_ANSWER_CHARS  # after runs of spaces are folded


class FaqContentError(ValueError):
    """The FAQ file is invalid; `.errors` lists every problem found, one line each."""

    def __init__(self, errors: list[str], path: str | None = None) -> None:
        self.errors = list(errors)
        self.path = path
        where = f"{path}: " if path else ""
        head = f"{where}ошибок в FAQ: {len(self.errors)}"
        super().__init__(head + "".join(f"\n  {e}" for e in self.errors))


def load_faq(path: str | Path, limits: FaqLimits | None = None) -> list[FaqEntry]:
    """Entries of a FAQ file; raises FaqContentError listing all problems if it is invalid."""
    entries, errors = _read(path, limits or FaqLimits())
    if errors:
        raise FaqContentError(errors, str(path))
    return entries


def check_faq(path: str | Path, limits: FaqLimits | None = None) -> list[str]:
    """Human-readable problems of a FAQ file (in Russian); an empty list means the file is fine."""
    return _read(path, limits or FaqLimits())[1]


def parse_faq(text: str, limits: FaqLimits | None = None) -> tuple[list[FaqEntry], list[str]]:
    """Entries and errors of FAQ YAML text (entries are only meaningful when errors is empty)."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = " ".join(str(exc.problem or exc.context or "").split())
        if mark is not None:
            return [], [
                f"строка {mark.line + 1}, столбец {mark.column + 1}: "
                f"ошибка синтаксиса YAML: {problem}"
            ]
        return [], [f"ошибка синтаксиса YAML: {problem}"]
    except yaml.YAMLError as exc:
        return [], [f"ошибка синтаксиса YAML: {' '.join(str(exc).split())}"]
    return _validate(root, limits or FaqLimits())


def _read(path: str | Path, limits: FaqLimits) -> tuple[list[FaqEntry], list[str]]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return [], [f"файл не найден: {path}"]
    except UnicodeDecodeError:
        return [], [f"файл не в кодировке UTF-8: {path}"]
    except OSError as exc:
        return [], [f"не удалось прочитать файл {path}: {exc.strerror or exc}"]
    return parse_faq(text, limits)


def _line(node: Node) -> int:
    return node.start_mark.line + 1


def _scalar(node: Node) -> str | None:
    """The text of a plain scalar (strings; numbers are read as their text), else None."""
    if isinstance(node, ScalarNode) and node.tag != _NULL_TAG:
        return node.value
    return None


def _validate(root: Node | None, limits: FaqLimits) -> tuple[list[FaqEntry], list[str]]:
    if root is None:
        return [], ["файл пуст: нужен список entries с записями FAQ"]
    if isinstance(root, MappingNode):
        items = None
        errors: list[str] = []
        for key, value in root.value:
            name = _scalar(key)
            if name == "entries":
                items = value
            elif name not in _TOP_FIELDS:
                errors.append(
                    f"строка {_line(key)}: неизвестное поле верхнего уровня «{name}» "
                    "(ожидаются version и entries)"
                )
        if items is None:
            return [], [*errors, f"строка {_line(root)}: нет списка entries с записями FAQ"]
        entries, entry_errors = _validate_entries(items, limits)
        return entries, errors + entry_errors
    if isinstance(root, SequenceNode):
        return _validate_entries(root, limits)
    return [], [
        f"строка {_line(root)}: неизвестная структура файла: ожидается словарь с полем "
        "entries или список записей"
    ]


def _validate_entries(items: Node, limits: FaqLimits) -> tuple[list[FaqEntry], list[str]]:
    if not isinstance(items, SequenceNode):
        return [], [f"строка {_line(items)}: entries должен быть списком записей"]
    if not items.value:
        return [], [f"строка {_line(items)}: в entries нет ни одной записи"]
    if len(items.value) > limits.max_entries:
        return [], [
            f"строка {_line(items)}: в entries {len(items.value)} записей, больше предела "
            f"{limits.max_entries}; FAQ не загружен"
        ]
    errors: list[str] = []
    entries: list[FaqEntry] = []
    first_line: dict[str, int] = {}
    for number, node in enumerate(items.value, start=1):
        entry = _validate_entry(number, node, errors, first_line, limits.max_answer_chars)
        if entry is not None:
            entries.append(entry)
    return entries, errors


def _validate_entry(
    number: int, node: Node, errors: list[str], first_line: dict[str, int], max_answer: int
) -> FaqEntry | None:
    line = _line(node)
    if not isinstance(node, MappingNode):
        errors.append(
            f"строка {line}: запись {number}: ожидается словарь с полями id, question, answer"
        )
        return None
    fields: dict[str, Node] = {}
    n_errors = len(errors)
    field_problems: list[tuple[int, str]] = []
    for key, value in node.value:
        name = _scalar(key) or "?"
        if name in fields:
            field_problems.append((_line(key), f"поле «{name}» повторяется"))
        elif name not in _KNOWN_FIELDS:
            field_problems.append((
                _line(key),
                f"неизвестное поле «{name}» (допустимы id, question, alt, answer, tags, links)",
            ))
        fields[name] = value

    # id: present, a plain word, unique across the file.
    entry_id = None
    if "id" not in fields:
        errors.append(f"строка {line}: запись {number}: нет id")
        label = f"запись {number}"
    else:
        id_node = fields["id"]
        raw = _scalar(id_node)
        if raw is None or id_node.tag not in (_STR_TAG, _INT_TAG):
            errors.append(f"строка {_line(id_node)}: запись {number}: id должен быть строкой")
        elif not raw.strip():
            errors.append(f"строка {_line(id_node)}: запись {number}: пустой id")
        elif not _ID_RE.match(raw.strip()):
            errors.append(
                f"строка {_line(id_node)}: запись {number}: id «{raw}» может содержать только "
                "латинские буквы, цифры, «_», «-» и «.»"
            )
        else:
            entry_id = raw.strip()
            if entry_id in first_line:
                errors.append(
                    f"строка {_line(id_node)}: повторяется id «{entry_id}» "
                    f"(впервые на строке {first_line[entry_id]})"
                )
            else:
                first_line[entry_id] = _line(id_node)
        label = f"запись {number} (id «{entry_id or raw}»)"
    for at, problem in field_problems:
        errors.append(f"строка {at}: {label}: {problem}")

    def text_field(name: str, what: str) -> str | None:
        if name not in fields:
            errors.append(f"строка {line}: {label}: нет поля {name} ({what})")
            return None
        value_node = fields[name]
        if isinstance(value_node, ScalarNode) and value_node.tag == _NULL_TAG:
            errors.append(f"строка {_line(value_node)}: {label}: пустой {what}")
            return None
        if not isinstance(value_node, ScalarNode):
            errors.append(f"строка {_line(value_node)}: {label}: {name} должен быть строкой")
            return None
        value = " ".join(value_node.value.split())
        if not value:
            errors.append(f"строка {_line(value_node)}: {label}: пустой {what}")
            return None
        return value

    question = text_field("question", "вопрос")
    answer = text_field("answer", "ответ")
    if answer is not None and len(answer) > max_answer:
        errors.append(
            f"строка {_line(fields['answer'])}: {label}: ответ длиннее предела: {len(answer)} "
            f"символов, допустимо {max_answer}"
        )

    lists: dict[str, tuple[str, ...]] = {}
    for name in _LIST_FIELDS:
        value_node = fields.get(name)
        if value_node is None or (
            isinstance(value_node, ScalarNode) and value_node.tag == _NULL_TAG
        ):
            lists[name] = ()
            continue
        if not isinstance(value_node, SequenceNode):
            errors.append(
                f"строка {_line(value_node)}: {label}: {name} должен быть списком строк "
                f"(каждая строка с «- »)"
            )
            continue
        values = []
        for item in value_node.value:
            text = _scalar(item)
            if text is None or not isinstance(item, ScalarNode):
                errors.append(
                    f"строка {_line(item)}: {label}: в {name} допустимы только строки"
                )
            elif not text.strip():
                errors.append(f"строка {_line(item)}: {label}: пустая строка в {name}")
            else:
                values.append(" ".join(text.split()))
        lists[name] = tuple(values)

    if len(errors) > n_errors or entry_id is None or question is None or answer is None:
        return None
    return FaqEntry(
        id=entry_id,
        question=question,
        answer=answer,
        alt=lists["alt"],
        tags=lists["tags"],
        links=lists["links"],
    )
