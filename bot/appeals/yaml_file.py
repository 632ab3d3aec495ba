"""Reading a region's YAML data file with errors a person can act on (file and line)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


def read_yaml(path: Path, error: type[Exception]) -> Any:
    """The parsed file; `error` with one line naming the file (and line) when it cannot be."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise error(f"{path}: не удалось прочитать файл ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f", строка {mark.line + 1}" if mark else ""
        raise error(f"{path}{line}: ошибка YAML") from None
    except ValueError as exc:  # PyYAML builds dates itself and fails on 2026-13-01
        raise error(f"{path}: неверное значение ({exc})") from None
