"""Terms: objectives and rules, each with a CP-SAT encoding, a numpy scorer and an explanation."""

from .base import ModelContext, SearchComponent, Term, Violation
from .diversity import Diversity, PairwiseDiversity
from .history import AvoidRepeats, met_pairs
from .needs import SharedNeeds
from .rules import CannotGroup, MustGroup, NotWithManager, SizeBounds

__all__ = [
    "Term", "ModelContext", "SearchComponent", "Violation",
    "Diversity", "PairwiseDiversity", "SharedNeeds",
    "SizeBounds", "NotWithManager", "CannotGroup", "MustGroup",
    "AvoidRepeats", "met_pairs",
]
