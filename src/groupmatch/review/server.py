"""Start the review page: a uvicorn server on 127.0.0.1 with a random token, in the foreground
(scripts, the command line) or in a background thread (notebooks, ``block=False``)."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import sys
import threading
import time
import webbrowser

from ..exceptions import InputError
from ..exports import read_assignments

__all__ = ["review", "ReviewServer", "require_server_packages"]

HOST = "127.0.0.1"  # never another interface: the page shows people's data
STARTUP_SECONDS = 20


def require_server_packages() -> None:
    """One clear line when the optional web packages are missing."""
    try:
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as err:
        raise InputError(f"The review page needs Starlette and uvicorn ({err.name} is missing): "
                         'pip install "groupmatch[review]"') from None


class ReviewServer:
    """A running review page: its ``url`` (token included), the ``session`` behind it
    (:class:`~groupmatch.review.session.ReviewSession`: the current groups, ``grouping()``,
    ``score()``, ``violations()``), and :meth:`stop`.

    Usable as a context manager: the server stops when the block ends.
    """

    def __init__(self, session, sock: socket.socket, token: str):
        import uvicorn

        from .app import make_app

        self.session, self.token = session, token
        self.port = sock.getsockname()[1]
        self.url = f"http://{HOST}:{self.port}/?token={token}"
        self._socket = sock
        config = uvicorn.Config(make_app(session, token), log_level="warning",
                                access_log=False, lifespan="off", ws="none",
                                server_header=False, timeout_graceful_shutdown=3)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, name="groupmatch-review",
                                        daemon=True)
        self._error: BaseException | None = None

    def _run(self) -> None:
        try:
            self._server.run(sockets=[self._socket])
        except BaseException as err:  # reported by start()
            self._error = err

    def start(self) -> ReviewServer:
        """Serve in a background thread; return once the server accepts requests."""
        self._thread.start()
        deadline = time.monotonic() + STARTUP_SECONDS
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise InputError(f"The review server did not start: {self._error or 'timeout'}")
            time.sleep(0.02)
        return self

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop serving (open requests get a few seconds to finish)."""
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout)
        self._socket.close()

    def wait(self) -> None:
        """Serve until Ctrl-C or SIGTERM (or :meth:`stop` from another thread), then stop."""
        stop = threading.Event()
        previous = {}
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                previous[sig] = signal.signal(sig, lambda *_: stop.set())
        try:
            while self._thread.is_alive() and not stop.wait(0.25):
                pass
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            self.stop()

    def __enter__(self) -> ReviewServer:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"ReviewServer({self.url!r}, {state})"

    def _repr_html_(self) -> str:
        return f'<a href="{self.url}" target="_blank">groupmatch review</a> ({self.url})'


def _listen(port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if os.name != "nt":
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((HOST, port))
    except OSError as err:
        sock.close()
        raise InputError(f"Cannot listen on {HOST}:{port} ({err.strerror or err}); choose "
                         "another port, or 0 for a free one.") from None
    sock.listen(128)
    sock.setblocking(False)
    return sock


def _in_notebook() -> bool:
    shell = sys.modules.get("IPython")
    ip = shell.get_ipython() if shell is not None and hasattr(shell, "get_ipython") else None
    return ip is not None and "IPKernelApp" in getattr(ip, "config", {})


def _show_inline(server: ReviewServer) -> None:
    from IPython.display import HTML, IFrame, display

    display(HTML(f'<a href="{server.url}" target="_blank">Open the review in a new tab</a>'))
    display(IFrame(server.url, width="100%", height=760))


def _answer(grouping_or_path, roster):
    """The groups to review: a Grouping or table as given, a file read back exactly."""
    if isinstance(grouping_or_path, (str, os.PathLike)):
        id_name = roster.columns.get("id", "id")
        try:
            return read_assignments(grouping_or_path, id=id_name)
        except InputError:
            if id_name == "id":
                raise
            return read_assignments(grouping_or_path)
    return grouping_or_path


def review(grouping_or_path, roster=None, spec=None, *, port: int = 0,
           open_browser: bool = True, include_sensitive: bool = False,
           block: bool = True, name: str | None = None) -> ReviewServer:
    """Review and adjust groups by hand in a local web page.

    The page shows the groups as cards (members with the attributes the spec's terms use, each
    term's score, broken rules), worst groups first; drag a person to another group or onto a
    person to swap, and see at once the change in every term and in the total and every hard
    rule the change breaks. Undo, redo, pin people or groups, re-solve the rest around the pins
    (``gm.rematch``, fewest moves), explain a person, export CSV, Excel, the HTML report and
    the programme file. The JSON API behind it is described in :mod:`groupmatch.review`.

    The server listens on 127.0.0.1 only, and every request needs the random token in the
    printed address. Nothing is fetched from the network.

    Parameters
    ----------
    grouping_or_path : Grouping, DataFrame or path
        The groups to review: a Grouping, a table (``id``, ``group``; role modes also
        ``role`` and ``topic``) or a file written by ``gm.export`` / ``groupmatch solve``.
    roster : Roster or Programme, optional
        Default: the Grouping's. A :class:`groupmatch.Programme` gives roster and spec (and
        the programme file to export).
    spec : mode, optional
        Default: the Grouping's (or the programme's).
    port : int
        0 picks a free port.
    open_browser : bool
        Open the page in the default browser.
    include_sensitive : bool
        Show sensitive columns on the page and in its exports.
    block : bool
        Serve until Ctrl-C (scripts). In a notebook, or with ``block=False``, the server runs
        in a background thread and the handle is returned at once. In Jupyter the page is
        shown inline (an IFrame) with a link that opens it in a tab, instead of opening a
        browser.
    name : str, optional
        The page's title.

    Returns
    -------
    ReviewServer
        ``.url``, ``.session`` (the current groups: ``session.grouping()``), ``.stop()``.

    Examples
    --------
    >>> import groupmatch as gm
    >>> roster = gm.Roster.from_frame(gm.datasets.load_sample())
    >>> spec = gm.PeerGroups(size=(4, 6), terms=[gm.Diversity("department"),
    ...                                          gm.NotWithManager()])
    >>> grouping = gm.solve(roster, spec, time_limit=2)  # doctest: +SKIP
    >>> server = gm.review(grouping, block=False, open_browser=False)  # doctest: +SKIP
    http://127.0.0.1:40215/?token=...
    >>> server.session.move("E00001", 3)["delta"]  # doctest: +SKIP
    >>> server.stop()  # doctest: +SKIP
    """
    from ..programme import Programme
    from .session import ReviewSession

    programme = None
    if isinstance(roster, Programme):
        programme, roster, spec = roster, roster.roster, spec or roster.spec
    roster = roster if roster is not None else getattr(grouping_or_path, "_roster", None)
    spec = spec if spec is not None else getattr(grouping_or_path, "spec", None)
    if roster is None or spec is None:
        raise InputError("review needs the roster and the spec: gm.review(groups, roster, "
                         "spec), or a Grouping that carries them.")
    if not isinstance(port, int) or isinstance(port, bool) or not 0 <= port <= 65535:
        raise InputError(f"port must be a whole number 0-65535 (0: any free port); got {port!r}.")
    require_server_packages()
    title = name or (programme.name if programme is not None else "groupmatch review")
    session = ReviewSession(roster, spec, _answer(grouping_or_path, roster),
                            include_sensitive=include_sensitive, programme=programme,
                            name=title)
    server = ReviewServer(session, _listen(port), secrets.token_urlsafe(32)).start()
    print(server.url, flush=True)
    if _in_notebook():  # inline, with a link to a tab
        _show_inline(server)
        return server
    if open_browser:
        webbrowser.open(server.url)
    if block:
        server.wait()
    return server
