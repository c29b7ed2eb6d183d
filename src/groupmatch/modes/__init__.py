"""The modes: each a strategy (a spec implementing :class:`~groupmatch.modes.base.Mode`) that
owns its solve, re-match, score, check and explanations, in a package of its own."""

from ..terms.roles import BalanceLoad
from .base import Mode, RematchRequest
from .facilitated import FacilitatedGroups, backup_facilitators
from .peer import PeerGroups
from .team import DistinctSpecialities, GoalCoverage, MentorOutsideDepartment, TeamMentoring

__all__ = ["Mode", "RematchRequest", "PeerGroups", "FacilitatedGroups", "TeamMentoring",
           "BalanceLoad", "GoalCoverage", "MentorOutsideDepartment", "DistinctSpecialities",
           "backup_facilitators"]
