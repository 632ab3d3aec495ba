"""Match a citizen's question to an FAQ entry: answer when sure, suggest when not, else nothing.

FaqMatcher puts the steps together, each in its own module:

* faq.index    the entries as weighted concepts (faq.analysis, typos: faq.typos);
* faq.scoring  every entry scored against the message, best first;
* faq.gate     the second look: the message's facts, the entries' key concepts;
* faq.policy   answer, suggest or neither (a plain function of the ranking and the facts);
* faq.hybrid   the same with a ranking model's similarities, when given a Ranker (faq.ranker):
               the gate still decides whether, the model helps choose which.

The knobs are faq.config.MatcherConfig.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from faq import hybrid, policy, scoring
from faq.analysis import shared_analyzer
from faq.config import MatcherConfig
from faq.gate import EntryKeys, MessageFacts, derive_keys, message_facts, passes_gate
from faq.index import FaqIndex
from faq.loader import load_faq
from faq.model import FaqEntry, FaqResult
from faq.ranker import Ranker, RankerError, RankerIndex
from faq.scoring import Ranked

__all__ = ["FaqMatcher"]

log = logging.getLogger(__name__)


class FaqMatcher:
    """An immutable index over FAQ entries; build a new one to change the content.

    With a `ranker`, its index of the entries is built here too (once per FAQ load) and
    match() decides with it (faq.hybrid); if the ranker fails, on the entries or on a
    question, the matcher decides alone, as without one.
    """

    def __init__(self, entries: Iterable[FaqEntry], config: MatcherConfig | None = None,
                 ranker: Ranker | None = None) -> None:
        self.config = config or MatcherConfig()
        entries = tuple(entries)
        self._by_id = {e.id: e for e in entries}
        if len(self._by_id) != len(entries):
            raise ValueError("FAQ entry ids must be unique")
        analyzer = shared_analyzer()
        self.index = FaqIndex(entries, self.config, analyzer)
        keys = derive_keys(entries, analyzer, self.index.idf,
                           generic_share=self.config.key_generic_share,
                           max_keys=self.config.key_max)
        # The key concepts of each entry (faq.gate), by entry id.
        self.keys: dict[str, EntryKeys] = {e.id: k for e, k in zip(entries, keys, strict=True)}
        # The ranking model's view of these entries (faq.ranker), None: the matcher alone.
        self.ranker_index: RankerIndex | None = None
        if ranker is not None:
            try:
                self.ranker_index = ranker.index(entries)
            except RankerError:
                log.exception("FAQ ranker %s failed on the entries: the matcher decides alone",
                              ranker.name)

    @classmethod
    def from_yaml(cls, path: str | Path, config: MatcherConfig | None = None,
                  ranker: Ranker | None = None) -> FaqMatcher:
        """Load and validate a FAQ file (raises faq.FaqContentError) and index it."""
        return cls(load_faq(path), config, ranker)

    @classmethod
    def from_entries(
        cls, entries: Iterable[FaqEntry], config: MatcherConfig | None = None,
        ranker: Ranker | None = None,
    ) -> FaqMatcher:
        return cls(entries, config, ranker)

    @property
    def entries(self) -> tuple[FaqEntry, ...]:
        return self.index.entries

    def get(self, entry_id: str) -> FaqEntry | None:
        return self._by_id.get(entry_id)

    def __len__(self) -> int:
        return len(self.index)

    def key_concepts(self, entry_id: str) -> frozenset[str]:
        """The concepts of which a message must say one for this entry to be answered."""
        keys = self.keys.get(entry_id)
        return keys.any if keys else frozenset()

    def match(self, text: str) -> FaqResult:
        """Answer (when confident), up to 3 suggestions and the confidence of the best entry."""
        cfg = self.config
        if self.ranker_index is not None:
            return self._match_hybrid(text)
        ranked, reading = self.rank_reading(text, limit=cfg.max_suggestions + 1)
        if not ranked:
            return FaqResult(answer=None)
        facts = self.facts(reading) if cfg.key_gate else None
        return policy.decide(ranked, cfg, facts, self.keys)

    def _match_hybrid(self, text: str) -> FaqResult:
        cfg, index = self.config, self.ranker_index
        assert index is not None
        ranked, reading = self.rank_reading(
            text, limit=max(cfg.max_suggestions + 1, cfg.ranker_candidates))
        if not ranked:
            return FaqResult(answer=None)
        facts = self.facts(reading) if cfg.key_gate else None
        if facts is None or facts.content:  # small talk gets nothing: no need to ask the model
            try:
                return hybrid.decide(ranked, index.rank(reading), cfg, facts, self.keys)
            except RankerError as exc:
                log.warning("FAQ ranker failed on a question, the matcher decides alone: %s", exc)
        return policy.decide(ranked[: cfg.max_suggestions + 1], cfg, facts, self.keys)

    def rank(self, text: str, limit: int = 5) -> Ranked:
        """Best entries for a question with their scores (0..100), best first."""
        return self.rank_reading(text, limit)[0]

    def rank_reading(self, text: str, limit: int) -> tuple[Ranked, str]:
        """rank() and the reading of the text (layout, transliteration) it was scored as:
        the text the gate's facts() are to be taken of."""
        return scoring.rank(self.index, self.config, text, limit)

    def facts(self, text: str) -> MessageFacts:
        """What the gate looks at in a message (one reading of it: see rank_reading())."""
        return message_facts(self.index, self.config, text)

    def passes_gate(self, entry: FaqEntry, facts: MessageFacts) -> bool:
        """May this entry be answered to this message? (faq.gate; else it is only suggested)"""
        return passes_gate(self.keys.get(entry.id), facts, self.config)
