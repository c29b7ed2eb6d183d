"""Terms: objectives and rules, each with a CP-SAT encoding, a numpy scorer and an explanation."""

from .base import ModelContext, SearchComponent, Term, Violation
from .composition import MaxShare, MinDistinct, NoIsolation
from .diversity import Diversity, PairwiseDiversity
from .fairness import WorstGroupFloor
from .history import AvoidRepeats, met_pairs
from .needs import SharedNeeds
from .pin import Pin
from .preferences import (
    ChoiceTerm,
    FacilitatorPreference,
    PreferApart,
    PreferTogether,
    TopicPreference,
)
from .rules import CannotGroup, MustGroup, NotWithManager, SizeBounds
from .schedule import CommonSlot, TimezoneWindow
from .tiers import Rule

__all__ = [
    "Term", "ModelContext", "SearchComponent", "Violation",
    "Diversity", "PairwiseDiversity", "SharedNeeds",
    "SizeBounds", "NotWithManager", "CannotGroup", "MustGroup",
    "AvoidRepeats", "met_pairs",
    "Rule", "NoIsolation", "MaxShare", "MinDistinct", "CommonSlot", "TimezoneWindow", "Pin",
    "WorstGroupFloor",
    "ChoiceTerm", "TopicPreference", "FacilitatorPreference", "PreferTogether", "PreferApart",
]
