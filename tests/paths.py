"""Where things are, for tests in any folder of the test tree."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the project
