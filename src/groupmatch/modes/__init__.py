"""Role modes: facilitated groups and team mentoring (peer groups live in ``spec.py``)."""

from .facilitated import FacilitatedGroups
from .roles import BalanceLoad
from .team import DistinctSpecialities, GoalCoverage, MentorOutsideDepartment, TeamMentoring

__all__ = ["FacilitatedGroups", "TeamMentoring", "BalanceLoad", "GoalCoverage",
           "MentorOutsideDepartment", "DistinctSpecialities"]
