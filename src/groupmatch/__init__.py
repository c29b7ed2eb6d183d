"""groupmatch: form diverse peer groups, facilitated groups and team mentoring with OR-Tools.

Examples
--------
>>> import groupmatch as gm
>>> roster = gm.Roster.from_frame(gm.datasets.load_sample())
>>> spec = gm.PeerGroups(size=(4, 6), terms=[gm.Diversity("department"), gm.NotWithManager()])
>>> grouping = gm.solve(roster, spec, time_limit=2).raise_for_status()
>>> gm.check(roster, spec, grouping)
[]
"""

from . import datasets, plots
from ._version import __version__
from .api import check, rematch, score, solve
from .comparison import compare
from .exceptions import (
    GroupMatchError,
    GroupMatchWarning,
    InfeasibleError,
    InputError,
    NoSolutionError,
    ScalingWarning,
    TermBelowRandomWarning,
)
from .exports import export, read_assignments
from .lifecycle import Feedback, health, suggest_rematch
from .modes import (
    BalanceLoad,
    DistinctSpecialities,
    FacilitatedGroups,
    GoalCoverage,
    MentorOutsideDepartment,
    PeerGroups,
    TeamMentoring,
    backup_facilitators,
)
from .moves import moved_people
from .parallel import JobFailure, solve_many, tradeoff
from .programme import Programme, load_programme
from .progress import ProgressLog
from .result import Grouping, RematchedGrouping, Status
from .review import review
from .roster import Roster
from .rounds import RoundsPlan, plan_rounds, plan_sessions
from .terms import (
    AvoidRepeats,
    CannotGroup,
    CommonSlot,
    Diversity,
    MaxShare,
    MinDistinct,
    MustGroup,
    NoIsolation,
    NotWithManager,
    PairwiseDiversity,
    Pin,
    Rule,
    SharedNeeds,
    SizeBounds,
    Term,
    TimezoneWindow,
    Violation,
    WorstGroupFloor,
)
from .terms.history import met_pairs
from .terms.preference_report import preference_report
from .terms.preferences import (
    FacilitatorPreference,
    PreferApart,
    PreferTogether,
    TopicPreference,
)

__all__ = [
    "compare", "export", "read_assignments", "plots", "ProgressLog", "Programme", "load_programme",
    "FacilitatedGroups", "TeamMentoring", "BalanceLoad", "GoalCoverage",
    "MentorOutsideDepartment", "DistinctSpecialities",
    "Roster", "PeerGroups", "solve", "score", "check", "Grouping", "Status",
    "Term", "Violation", "Diversity", "PairwiseDiversity", "SharedNeeds",
    "SizeBounds", "NotWithManager", "CannotGroup", "MustGroup",
    "GroupMatchError", "InputError", "InfeasibleError", "NoSolutionError",
    "GroupMatchWarning", "ScalingWarning", "TermBelowRandomWarning", "datasets", "__version__",
    "AvoidRepeats", "met_pairs", "plan_rounds", "plan_sessions", "RoundsPlan",
    "rematch", "RematchedGrouping", "moved_people", "backup_facilitators",
    "Rule", "NoIsolation", "MaxShare", "MinDistinct", "CommonSlot", "TimezoneWindow", "Pin",
    "WorstGroupFloor",
    "solve_many", "tradeoff", "JobFailure",
    "TopicPreference", "FacilitatorPreference", "PreferTogether", "PreferApart",
    "preference_report",
    "Feedback", "health", "suggest_rematch",
    "review",
]
