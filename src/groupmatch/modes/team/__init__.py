"""Team mentoring: intact teams matched with mentors who cover their learning goals."""

from .spec import TeamMentoring
from .terms import DistinctSpecialities, GoalCoverage, MentorOutsideDepartment

__all__ = ["TeamMentoring", "GoalCoverage", "MentorOutsideDepartment", "DistinctSpecialities"]
