"""FAQ matcher: answer citizens' questions from faq.yaml when sure, suggest when not.

    from faq import FaqMatcher
    m = FaqMatcher.from_yaml("faq.yaml")
    r = m.match("как вызвать врача на дом")
    r.answer, r.suggestions
"""

from faq.config import MatcherConfig
from faq.gate import is_small_talk
from faq.loader import FaqContentError, FaqLimits, check_faq, load_faq, parse_faq
from faq.matcher import FaqMatcher
from faq.model import FaqEntry, FaqResult
from faq.reloading import ReloadingFaq

__all__ = [
    "FaqContentError",
    "FaqEntry",
    "FaqLimits",
    "FaqMatcher",
    "FaqResult",
    "MatcherConfig",
    "ReloadingFaq",
    "check_faq",
    "is_small_talk",
    "load_faq",
    "parse_faq",
]
