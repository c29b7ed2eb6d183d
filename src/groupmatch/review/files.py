"""The adjusted groups as files: CSV, Excel and JSON (:func:`groupmatch.export`), the HTML
report (``Grouping.to_html``) and the programme file that reproduces them.

Every file is made from the session's current Grouping, so what the page shows, what
``GET /api/groups`` returns and what is downloaded are the same groups with the same numbers.
Sensitive columns stay out unless the session shows them.
"""

from __future__ import annotations

import datetime
import tempfile
from pathlib import Path

from ..exceptions import InputError
from ..exports import export
from ..programme import programme_text

__all__ = ["FORMATS", "export_file", "programme_file"]

#: name in the URL -> (file name, media type)
FORMATS = {
    "csv": ("groups.csv", "text/csv; charset=utf-8"),
    "xlsx": ("groups.xlsx",
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "json": ("groups.json", "application/json"),
    "html": ("report.html", "text/html; charset=utf-8"),
    "toml": ("programme.toml", "application/toml; charset=utf-8"),
}


def export_file(session, kind: str) -> tuple[bytes, str, str]:
    """(content, file name, media type) of one export of the current groups."""
    if kind not in FORMATS:
        raise InputError(f"Unknown export {kind!r}; use one of {', '.join(FORMATS)}.")
    name, media = FORMATS[kind]
    if kind == "toml":
        return programme_file(session).encode("utf-8"), name, media
    with session.lock:
        grouping = session.grouping()
    sensitive = session.include_sensitive
    if kind == "html":
        text = grouping.to_html(None, include_sensitive=sensitive)
        return text.encode("utf-8"), name, media
    if kind == "json":
        text = export(grouping, None, format="json", include_sensitive=sensitive)
        return text.encode("utf-8"), name, media
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        export(grouping, path, format="excel" if kind == "xlsx" else "csv",
               include_sensitive=sensitive)
        return path.read_bytes(), name, media


def programme_file(session) -> str:
    """The programme file the session came from, standing alone, with everybody pinned to
    their adjusted group where the mode has numbered groups (see
    :func:`groupmatch.programme.programme_text`)."""
    source = getattr(session.programme, "source", None)
    if source is None:
        raise InputError("This review did not start from a programme file, so there is none "
                         "to export; export the groups (CSV) instead.")
    with session.lock:
        state, ids = session.state, session.roster.ids
        pins = {str(ids[p]): int(g) for p, g in zip(state.person.tolist(), state.group.tolist(),
                                                     strict=True) if g >= 0}
        numbered = session.pins_are_rules()
        broken = len(session.violations())
    day = datetime.date.today().isoformat()
    head = [f"{Path(source).name}, with the groups adjusted by hand in groupmatch review "
            f"({day})."]
    if numbered:
        head += ["The Pin term fixes everybody to their adjusted group, so",
                 "  groupmatch solve --programme programme.toml",
                 "gives these groups back"
                 + (" (they keep every hard rule)." if not broken else
                    f"; but {broken} hard rule(s) are broken in them now, so the solve "
                    "reports them infeasible until they are mended.")]
    else:
        head += [f"{type(session.spec).__name__} cannot pin people to numbered groups, so this "
                 "file re-creates the roster, mode and terms only.",
                 "The adjusted groups are the CSV export; check them with",
                 "  gm.check(prog.roster, prog.spec, gm.read_assignments('groups.csv'))"]
    head.append("Paths are absolute; [output] is left out so that nothing is overwritten.")
    return programme_text(source, pins=pins if numbered else None, note="\n".join(head))
