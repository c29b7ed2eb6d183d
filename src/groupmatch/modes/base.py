"""What every mode is: the strategy the front door hands a solve, a re-match, a score, a check
or an explanation to, so that no code outside a mode ever asks which mode it holds.

A mode is a frozen spec (``gm.PeerGroups``, ``gm.FacilitatedGroups``, ``gm.TeamMentoring``)
that owns its whole life. Adding a mode means adding one package under ``groupmatch/modes/``
with a class implementing :class:`Mode`; nothing else changes.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    import pandas as pd

    from ..result import Grouping, RematchedGrouping
    from ..roster import Roster
    from ..settings import SolveSettings
    from ..terms.base import Violation

__all__ = ["Mode", "RematchRequest"]


@dataclass(frozen=True)
class RematchRequest:
    """What changed since the previous grouping (joiners, leavers), the move budget and the
    re-match path (``"auto"``, ``"whole"`` or ``"windows"``), validated by the front door."""

    joiners: object = None
    leavers: object = None
    max_moves: int | None = None
    method: str = "auto"


class Mode(ABC):
    """The strategy protocol every spec implements.

    ``kind`` is the mode's display name (``"peer"``...), written into results and exports; it
    is a label for people, never a switch for code.
    """

    kind: ClassVar[str]
    terms: tuple

    @abstractmethod
    def solve(self, roster: Roster, settings: SolveSettings) -> Grouping:
        """Form groups: every outcome (including a proven infeasibility) is a Grouping."""

    @abstractmethod
    def score(self, roster: Roster, assignment) -> dict[str, int]:
        """The objective of any answer, per term (weighted) and ``total``."""

    @abstractmethod
    def check(self, roster: Roster, assignment) -> list[Violation]:
        """Every hard rule the answer breaks; ``[]`` when it keeps them all."""

    @abstractmethod
    def explain(self, grouping: Grouping, group: int, *,
                include_sensitive: bool = False) -> pd.DataFrame:
        """What each term sees in one group; plain words in ``.attrs["summary"]``."""

    @abstractmethod
    def explain_person(self, grouping: Grouping, person, *, alternatives: int = 3,
                       include_sensitive: bool = False) -> pd.DataFrame:
        """Why a person is where they are, and the best changes with their effect."""

    @abstractmethod
    def summary_lines(self, grouping: Grouping, *, show=(), needs: str | None = None,
                      limit: int = 0) -> list[str]:
        """The grouping in a few lines for a terminal (the CLI prints them)."""

    def evaluated(self, roster: Roster, table, record: dict) -> Grouping:
        """A Grouping for an existing answer (``id``, ``group``...), scored but not solved."""
        from ..exceptions import InputError

        raise InputError(f"Evaluating a saved answer is supported for peer groups, not for "
                         f"{type(self).__name__}; use gm.score and gm.check on it instead.")

    def violated_needs(self, grouping: Grouping) -> pd.DataFrame:
        """Broken instances of ``tier="need"`` rules: ``rule``, ``groups``, ``message``."""
        import pandas as pd

        return pd.DataFrame(columns=["rule", "groups", "message"])

    def no_grouping(self, roster: Roster, status, wall: float, settings: dict, *,
                    message: str = "", conflicts=(), kind=None, **extra) -> Grouping:
        """The Grouping (or ``kind``) of a run of this mode that ended without groups."""
        from ..result import Grouping, no_grouping

        return no_grouping(kind or Grouping, roster, self, status, wall, settings,
                           message=message, conflicts=conflicts, **extra)

    def rematch(self, previous, roster: Roster, request: RematchRequest,
                settings: SolveSettings) -> RematchedGrouping:
        """Update a running grouping with as few moves as possible."""
        raise NotImplementedError(
            f"rematch supports PeerGroups and FacilitatedGroups so far; {type(self).__name__} "
            "needs its own repair and will plug in through this method.")
