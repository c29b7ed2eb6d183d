"""Facilitated groups: a topic, facilitators whose expertise covers it, mentees who need it."""

from .backups import backup_facilitators
from .spec import FacilitatedGroups

__all__ = ["FacilitatedGroups", "backup_facilitators"]
