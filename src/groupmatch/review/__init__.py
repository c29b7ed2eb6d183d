"""Review and adjust groups by hand in a local web page, with live rule checks and re-solve
around pins (issue 17).

``gm.review(grouping)`` (or ``groupmatch review GROUPS.csv --programme FILE.toml``) starts a
local web server and prints the page's address, token included. The page shows the groups as
cards, worst first; dragging a person to another group (or onto a person, to swap) shows at
once the change in every term and in the total, and every hard rule the change breaks (in
red, in the rule's own words). Nothing is blocked: a move that breaks a rule is made and
shown. Undo and redo; pin people or groups and "re-solve the rest" with
:func:`groupmatch.rematch`; "why here?" shows ``explain_person``; exports write the CSV,
Excel, the HTML report and the programme file.

Scores are :func:`groupmatch.score` and broken rules :func:`groupmatch.check` of the current
groups, so a move's delta is exactly the difference of two ``gm.score`` results.

Safety: the server binds 127.0.0.1 only; a random token (``secrets.token_urlsafe``) is
required by every request, the page and its files included (403 otherwise); sensitive columns
are hidden unless ``include_sensitive=True``; the page loads nothing from the network (its
JavaScript and CSS are groupmatch's own files, and a content security policy forbids anything
else). Starlette and uvicorn come with ``pip install "groupmatch[review]"``.

The JSON API
------------
The page uses this API itself; scripts may too. The token goes in the query
(``?token=...``) or a header (``Authorization: Bearer ...``). Bodies and answers are JSON;
a bad request answers 400 with ``{"error": "..."}``. People are named by their roster id,
groups by number (``null``: no group).

=========================  ======================================================================
``GET /api/groups``        The whole state: ``score`` (``gm.score``), ``violations``
                           (``gm.check``: ``rule``, ``message``, ``groups``, ``people``),
                           ``groups`` (cards, worst first: ``group``, ``size``, ``min_size``,
                           ``max_size``, ``members`` [``id``, ``role``, ``pinned``], ``scores``
                           per term, ``total``, ``rules`` broken there, ``ok``, and ``topic`` or
                           ``team`` in role modes), ``people`` (``id`` and shown ``attrs``),
                           ``unplaced``, ``loads`` (facilitators / mentors: ``groups``,
                           ``mentees``, capacities, ``over``), ``terms``, ``pins``,
                           ``history``.
``POST /api/move``         ``{"id": ..., "to": group}`` (``"to": null`` takes the person out of
                           the group; ``"from"`` names the membership of someone in several
                           groups; ``"role"`` the role of someone placed from no group). Answers
                           a *change*: ``delta`` (``total`` and one entry per term label:
                           ``gm.score`` after minus before), ``score``, ``violations`` (every
                           rule broken now, as ``gm.check``), ``broken`` (those the change
                           broke), ``mended``, ``touched`` (group numbers), ``groups`` (their
                           new cards), ``rules`` (broken rules per group), ``loads``,
                           ``unplaced``, ``history``.
``POST /api/swap``         ``{"a": id, "b": id}`` (or ``{"ids": [a, b]}``; ``a_group`` /
                           ``b_group`` for people in several groups): a change.
``POST /api/add``          Role modes: ``{"id": ..., "to": group, "role": ...}`` adds one more
                           membership (a co-facilitator, a second group): a change.
``POST /api/undo``, ``/api/redo``  A change (back or forward one step).
``POST /api/pin``          ``{"ids": [...], "groups": [...]}`` pins people, and every member of
                           the groups; ``POST /api/unpin`` the same, undone. Answers ``pins``.
``POST /api/resolve``      ``{"max_moves": n, "time_limit": s}`` (both optional): re-match
                           with ``gm.rematch`` around the pins: fewest people moved (or the best
                           objective within ``max_moves``), hard rules repaired. Pins are a
                           ``gm.Pin`` term where the mode numbers its groups (peer groups);
                           otherwise ``pins_enforced`` is false and ``pins_moved`` lists any
                           pinned person moved. Answers a change plus ``ok``, ``status``,
                           ``message``, ``moves`` (``id``, ``from``, ``to``, ``kind``,
                           ``reason``) and ``state`` (as ``GET /api/groups``).
``GET /api/explain``       ``?id=...``: ``explain_person`` (``summary``, ``alternatives``);
                           ``?group=n``: ``explain(n)`` (``summary``, ``terms``).
``GET /api/export.csv``    The current groups as ``gm.export`` writes them; also
                           ``export.xlsx``, ``export.json``, ``export.html`` (the report).
``GET /api/programme.toml``  The programme file (when the review started from one), standing
                           alone, with a ``Pin`` of everybody to their adjusted group where the
                           mode numbers its groups: ``groupmatch solve --programme`` then gives
                           these groups back (see :func:`groupmatch.programme.programme_text`).
=========================  ======================================================================

Examples
--------
>>> import groupmatch as gm
>>> roster = gm.Roster.from_frame(gm.datasets.load_sample())
>>> spec = gm.PeerGroups(size=(4, 6), terms=[gm.Diversity("department"), gm.NotWithManager()])
>>> server = gm.review(gm.solve(roster, spec), block=False)  # doctest: +SKIP
http://127.0.0.1:40215/?token=...
>>> server.stop()  # doctest: +SKIP
"""

from .server import ReviewServer, review

__all__ = ["review", "ReviewServer"]
