"""The category of an appeal guessed from its text, for the citizen to confirm.

A naive Bayes model over lemmas (textnorm) trained at start on the labelled examples
shipped beside it (category_examples.yaml): every example's set of content lemmas, their
adjacent pairs and, for long words, their first letters (so "дозвонится", "регистратуру"
and "регистратура" meet). Each category scores the features of a text the model has seen;
the scores become probabilities, and a category is guessed only when it is clearly ahead:
a wrong pre-selection is worse than none (the citizen confirms the choice anyway).

    model = CategoryModel.default()      # trained once per process (~0.3 s, most of it lemmas)
    model.guess("талонов к лору нет")    # 'appointment', or None when unsure
    model.ranked(text)                   # every category, best first, with its probability

Measured by `python -m benchmarks routing` (the category section) over the labelled
appeals of benchmarks/data/appeal_routing.yaml, which are never used for training.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bot import texts
from bot.appeals.yaml_file import read_yaml
from textnorm import lemma, words

__all__ = ["DEFAULT_EXAMPLES", "CategoryExamplesError", "CategoryModel", "features"]

DEFAULT_EXAMPLES = Path(__file__).with_name("category_examples.yaml")

# Only the first words of a text are read: an appeal states its matter early, and the
# cost of a guess stays bounded however long the text is.
MAX_WORDS = 160
MAX_CHARS = 2_000
# A long word's first letters are a feature too: they survive typos at the end of a word
# and the lemmatiser's guesses for unknown forms.
PREFIX = 5
# Additive (Laplace) smoothing of the feature counts.
ALPHA = 0.3
# Log-likelihoods are divided by this before they become probabilities: naive Bayes adds
# up correlated evidence as if it were independent, which makes it overconfident.
TEMPERATURE = 3.0
# A category is guessed when its probability is at least MIN_PROBABILITY and the text has
# at least MIN_FEATURES features the model has seen.
MIN_PROBABILITY = 0.7
MIN_FEATURES = 2

# Lemmas that say nothing about the matter of an appeal: function words, greetings,
# pronouns. "не" and "нет" stay (they pair with the next word: "нет талон", "не брать").
_STOP = frozenset("""
а и но или да же ли бы ведь вот уж уже еще то это этот тот такой так там тут здесь
в во на с со к ко по за из от до для при о об про у без над под через между перед после
я ты он она оно мы вы они мой твой наш ваш свой его ее их себя кто что который какой
весь все сам самый быть мочь стать как когда где куда зачем почему чтобы если
ну вообще просто очень тоже также только даже ни
здравствовать добрый здравствуйте привет уважаемый пожалуйста подсказать
""".split())


class CategoryExamplesError(ValueError):
    """A wrong examples file: one line naming the file and what is wrong."""


def features(text: str) -> set[str]:
    """The features of a text: content lemmas, pairs of adjacent ones, long lemmas' prefixes."""
    found: set[str] = set()
    previous = ""
    for word in words(text[:MAX_CHARS])[:MAX_WORDS]:
        parts = _lemma_features(word)
        if not parts:
            continue
        found.update(parts)
        current = parts[0]
        if previous:
            found.add(previous + " " + current)
        previous = current
    return found


def _lemma_features(word: str) -> tuple[str, ...]:
    # Not cached by word (citizens' words are unbounded): textnorm caches the lemma within
    # its byte budget, and this is a couple of string operations.
    normal = lemma(word)
    if normal in _STOP or len(normal) < 2 or normal.isdigit():
        return ()
    if len(normal) > PREFIX + 1:
        return (normal, normal[:PREFIX] + "~")
    return (normal,)


@dataclass(frozen=True, slots=True)
class CategoryModel:
    """Naive Bayes over binary features: `weights[feature]` holds the feature's smoothed
    log-probability in each category (in `categories` order); features the examples never
    had are left out of a text's score. The priors are uniform: the examples' balance
    across categories is their writer's, not the citizens'."""

    categories: tuple[str, ...]
    weights: Mapping[str, tuple[float, ...]]
    min_probability: float = MIN_PROBABILITY
    min_features: int = MIN_FEATURES
    temperature: float = TEMPERATURE

    @classmethod
    def train(cls, examples: Iterable[tuple[str, str]], categories: Sequence[str] | None = None,
              alpha: float = ALPHA) -> CategoryModel:
        """A model from (text, category) pairs; `categories` fixes their order (default: as met)."""
        counts: dict[str, Counter[str]] = {}
        for text, category in examples:
            counts.setdefault(category, Counter()).update(features(text))
        order = tuple(categories) if categories is not None else tuple(counts)
        if not order or any(c not in order for c in counts):
            raise CategoryExamplesError(f"категории примеров не из списка: {sorted(set(counts) - set(order))}")
        vocabulary = sorted(set().union(*counts.values())) if counts else []
        size = len(vocabulary) + 1
        totals = [sum(counts.get(c, Counter()).values()) for c in order]
        weights = {
            feature: tuple(math.log((counts.get(c, Counter())[feature] + alpha) / (total + alpha * size))
                           for c, total in zip(order, totals, strict=True))
            for feature in vocabulary
        }
        return cls(order, weights)

    @classmethod
    def from_file(cls, path: Path = DEFAULT_EXAMPLES, categories: Sequence[str] | None = None) -> CategoryModel:
        return cls.train(load_examples(path), categories)

    @classmethod
    def default(cls) -> CategoryModel:
        """The model trained on the shipped examples over the catalogue's categories; built once."""
        return _default()

    def ranked(self, text: str) -> list[tuple[str, float]]:
        """Every category, most likely first, with its probability (they sum to 1)."""
        scores = self._scores(features(text))[0]
        return sorted(zip(self.categories, scores, strict=True), key=lambda pair: -pair[1])

    def guess(self, text: str) -> str | None:
        """The category when the model is confident, else None (empty, unclear, mixed texts)."""
        scores, seen = self._scores(features(text))
        if seen < self.min_features:
            return None
        best = max(range(len(scores)), key=scores.__getitem__)
        return self.categories[best] if scores[best] >= self.min_probability else None

    def _scores(self, found: set[str]) -> tuple[list[float], int]:
        """The categories' probabilities for a set of features, and how many were seen."""
        totals = [0.0] * len(self.categories)
        seen = 0
        for feature in sorted(found):  # a fixed order: the same sums, the same guess, every run
            row = self.weights.get(feature)
            if row is None:
                continue
            seen += 1
            for i, value in enumerate(row):
                totals[i] += value
        top = max(totals)
        exps = [math.exp((t - top) / self.temperature) for t in totals]
        norm = sum(exps)
        return [e / norm for e in exps], seen


def load_examples(path: Path = DEFAULT_EXAMPLES) -> list[tuple[str, str]]:
    """(text, category) pairs from a file mapping each category to a list of texts."""
    data = read_yaml(path, CategoryExamplesError)
    if not isinstance(data, dict):
        raise CategoryExamplesError(f"{path}: ожидается словарь «категория: список текстов»")
    pairs: list[tuple[str, str]] = []
    for category, items in data.items():
        if not isinstance(items, list) or not all(isinstance(t, str) and t.strip() for t in items):
            raise CategoryExamplesError(f"{path}: {category}: ожидается список непустых строк")
        pairs.extend((t, str(category)) for t in items)
    return pairs


@cache
def _default() -> CategoryModel:
    return CategoryModel.from_file(DEFAULT_EXAMPLES, tuple(texts.CATEGORIES))
