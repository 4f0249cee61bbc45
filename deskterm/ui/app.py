"""The deskterm Textual app: one screen per job, one key each, every action in the palette.

Built through ``create_app`` — the one factory used by the CLI and the tests.
"""

from __future__ import annotations

import dataclasses
import gc
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from importlib import import_module

from textual import events, work
from textual.actions import SkipAction
from textual.app import App, ComposeResult, ScreenStackError, SystemCommand
from textual.binding import Binding
from textual.command import CommandPalette
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.timer import Timer
from textual.widget import AwaitMount
from textual.widgets import DataTable, Input, Label, Static
from textual.worker import Worker, WorkerFailed, WorkerState

from deskterm.crash import mask_secrets, one_line, write_report
from deskterm.domain import keys
from deskterm.domain.levels import Levels
from deskterm.errors import DesktermError, StorageError
from deskterm.i18n import N_, N_p, _, set_language
from deskterm.services import appointments, auth, maintenance, reasons, setup
from deskterm.services.auth import Actor
from deskterm.services.context import Context
from deskterm.services.permissions import OPEN_DESK, SYSTEM, may
from deskterm.ui.boundary import DatabaseLostBanner
from deskterm.ui.i18n_bindings import translate_bindings
from deskterm.ui.read_ahead import ReadAhead
from deskterm.ui.screens.reception import ReceptionScreen
from deskterm.ui.type_ahead import KeyPassed, TypeAhead
from deskterm.ui.widgets.fields import FIELD_MOVES, TextField

#: Textual's own words in the palette and footer (textual 8.2.8), translated through the
#: catalogue: a Chinese desk should not read "Quit" or "Focus Next".
TEXTUAL_WORDS = (
    N_("Search for commands…"),
    N_("palette"),
    N_("Theme"),
    N_("Change the current theme"),
    N_("Quit"),
    N_("Quit the application as soon as possible"),
    N_("Keys"),
    N_("Hide the keys and widget help panel"),
    N_("Show help for the focused widget and a summary of available keys"),
    N_("Minimize"),
    N_("Minimize the widget and restore to normal size"),
    N_("Maximize"),
    N_("Maximize the focused widget"),
    N_("Screenshot"),
    N_("Save an SVG 'screenshot' of the current screen"),
    N_("Focus Next"),
    N_("Focus Previous"),
    N_("Copy selected text"),
)

#: The roles the first-run screen can add (the first can be the manager, so a new shop
#: reaches the Meeting and Manager screens without the command line).
FIRST_RUN_ROLES = ("salesperson", "manager", "receptionist")


class FirstRunScreen(ModalScreen[None]):
    """An empty database: add the salespeople (and the manager) before anything else."""

    DEFAULT_CSS = """
    FirstRunScreen .dialog { max-width: 100%; }
    FirstRunScreen #new-role { margin: 1 0; }
    """
    BINDINGS = [
        Binding("escape", "finish", N_p("key", "Done"), id="firstrun.done"),
        # Enter adds, from the name or the role row, and acts as soon as the app reads it
        # (see action_add: a shop types its people in one go).
        Binding("enter", "add", show=False, id="firstrun.add", priority=True),
        *FIELD_MOVES,
        # A role's digit picks it and hands the keyboard back to the name at once, so the
        # name typed right after "Tab 2" is not lost on the role row (a tester's was).
        *[
            Binding(str(n), f"pick_role({n})", show=False, priority=True, id=f"firstrun.role{n}")
            for n in range(1, len(FIRST_RUN_ROLES) + 1)
        ],
    ]

    def __init__(self, ctx: Context) -> None:
        super().__init__()
        self.ctx = ctx
        self.added: list[str] = []
        translate_bindings(self)

    def compose(self) -> ComposeResult:
        from deskterm.services.setup import ROLE_LABELS
        from deskterm.ui.widgets.choice import Choice

        with Vertical(classes="dialog wide"):
            # A Static wraps to the dialog's width (a Label is as wide as its text: cut).
            yield Static(
                _(
                    "Welcome to deskterm. Add your people: type a name and press Enter "
                    "(Tab and a digit first to add the sales manager or a receptionist); "
                    "Esc when done. Then press i to check the salespeople in."
                ),
                id="welcome",
                classes="question",
                markup=False,
            )
            yield TextField(placeholder=_("name"), id="new-name")
            yield Choice(
                [(role, _(ROLE_LABELS[role])) for role in FIRST_RUN_ROLES],
                "salesperson",
                id="new-role",
            )
            yield Label("", id="added", classes="hint", markup=False)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_add()

    def action_add(self) -> None:
        """Add the typed name with the chosen role; back to the name for the next one.

        Keys typed in one go reach the app before the fields have taken them: the name
        typed behind this Enter must not join the one before it, nor the next role's digit
        change this one. So the name is read (and emptied) by its field right after the keys
        it had before this Enter, the role (picked at once by its digit) now, and the
        keyboard moves back to the name at once."""
        from deskterm.ui.widgets.choice import Choice

        name = self.query_one("#new-name", Input)
        role = self.query_one("#new-role", Choice)
        got: dict[str, str] = {}

        def read_name() -> None:
            got["name"], name.value = name.value, ""
            if len(got) == 2:
                self._add(got["name"], got["role"])

        # The role is read now: its digits act as soon as the app reads them
        # (action_pick_role), so it already holds what was picked before this Enter.
        got["role"], role.value = role.value or "salesperson", "salesperson"
        name.call_later(read_name)
        self.set_focus(name)  # at once: name.focus() would wait behind the keys read

    def action_pick_role(self, n: int) -> None:
        """On the role row: pick role ``n`` and go back to the name; elsewhere a digit."""
        from deskterm.ui.widgets.choice import Choice

        role = self.query_one("#new-role", Choice)
        if self.focused is not role:
            raise SkipAction()  # a digit typed in the name field
        role.value = role.options[n - 1][0]
        self.set_focus(self.query_one("#new-name", Input))

    def _add(self, typed: str, role_code: str) -> None:
        from deskterm.services.setup import ROLE_LABELS
        from deskterm.ui.widgets.choice import Choice

        try:
            person = setup.add_staff(self.ctx, typed, role_code)
        except DesktermError as exc:
            self.notify(exc.message, severity="error", markup=False)
            # Nothing typed is lost: the name and the role come back to be corrected.
            name = self.query_one("#new-name", Input)
            if not name.value:
                name.value = typed
                self.query_one("#new-role", Choice).value = role_code
            return
        shown = person.name
        if role_code != "salesperson":
            shown = _("{name} ({role})", name=shown, role=_(ROLE_LABELS[role_code]))
        self.added.append(shown)
        self.query_one("#added", Label).update(_("Added: {names}", names=_(", ").join(self.added)))

    def action_finish(self) -> None:
        self.dismiss(None)


DAY_CHECK_SECONDS = 30
#: How often the desk looks for appointments whose time and grace passed (no-shows).
SETTLE_SECONDS = 60
WATCH_SECONDS = 1.0
START_CHECKS_DELAY = 1.0
#: This long after the first paint, well before a person's first key.
DECLARE_TABLES_DELAY = 0.2
#: While a screen's first load is still being read (a server's, by a worker), the
#: declarations wait for it (looking again every tenth of a second), at most this long.
DECLARE_TABLES_PATIENCE = 3.0
#: The app's exit code asking the CLI to restore the newest backup and start again.
EXIT_RESTORE = 3
#: A browser's desk with nobody signed in ends after this long: `deskterm serve` admits only
#: a few desks at a time, and an abandoned sign-in tab must not hold one of them for good.
REMOTE_SIGN_IN_SECONDS = 5 * 60


@dataclass(frozen=True)
class ScreenSpec:
    """One role screen: its mode, its key, its name (also the palette's), the permission
    needed to open it, and the roles that start on it."""

    mode: str
    key: str
    label: str
    permission: str
    home_for: tuple[str, ...] = ()


#: The one table of role screens: the F-keys, the palette and every mode switch read it,
#: so a screen cannot be opened by a way nobody checked.
SCREENS: tuple[ScreenSpec, ...] = (
    ScreenSpec("reception", "f2", N_("Reception"), "rotation", ("receptionist",)),
    ScreenSpec("callbacks", "f3", N_("My callbacks"), "callbacks", ("salesperson",)),
    ScreenSpec("customers", "f4", N_("Customers"), "customers"),
    ScreenSpec("meeting", "f5", N_("Meeting"), "meeting", ("manager",)),
    ScreenSpec("manager", "f6", N_("Manager"), "manage"),
    ScreenSpec("marketing", "f7", N_("Marketing pool"), "marketing", ("marketing",)),
    ScreenSpec("care", "f8", N_("Customer care"), "care", ("care",)),
)
SCREEN_BY_MODE = {spec.mode: spec for spec in SCREENS}


def home_screen(role: str | None) -> str:
    """The mode a role starts on (the reception for a role without its own screen)."""
    return next((spec.mode for spec in SCREENS if role in spec.home_for), "reception")


def _screen(module: str, name: str) -> Screen:
    """A new role screen from ``deskterm.ui.screens.<module>``, imported on first use."""
    return getattr(import_module(f"deskterm.ui.screens.{module}"), name)()  # type: ignore[no-any-return]


#: Keys whose name is an English word: the footer says 空格, not ``space``, in Chinese.
KEY_WORDS: dict[str, str] = {
    "space": N_p("key name", "space"),
    "enter": N_p("key name", "enter"),
}


class DeskPalette(CommandPalette):
    """Textual's palette, saying "no matches" in the language in force (its own text is
    English only; textual is pinned, so this one override is checked by a test)."""

    def _start_no_matches_countdown(self, search_value: str) -> None:
        self._stop_no_matches_countdown()

        def show() -> None:
            if search_value:
                from rich.align import Align
                from rich.text import Text
                from textual.command import CommandList
                from textual.widgets.option_list import Option

                self.query_one(CommandList).add_option(
                    Option(
                        Align.center(Text(_("No matches found"), style="not bold")),
                        disabled=True,
                        id=self._NO_MATCHES,
                    )
                )
                self._list_visible = True
            else:
                self._list_visible = False

        self._no_matches_timer = self.set_timer(self._NO_MATCHES_COUNTDOWN, show)


class DesktermApp(App[int]):
    """The front desk."""

    # The first screen's own sheet too: read with the app's, it is parsed once, where a
    # sheet first read when its screen is pushed has every sheet parsed again.
    CSS_PATH = ["app.tcss", "screens/reception.tcss"]
    TITLE = "deskterm"
    MODES = {
        "reception": ReceptionScreen,
        # The other role screens are imported the first time they open: start-up only
        # pays for the screen it shows (the benchmark's start-up figure).
        "callbacks": lambda: _screen("callbacks", "MyCallbacksScreen"),
        "customers": lambda: _screen("customers", "CustomersScreen"),
        "meeting": lambda: _screen("meeting", "MeetingScreen"),
        "manager": lambda: _screen("manager", "ManagerScreen"),
        "marketing": lambda: _screen("marketing", "MarketingScreen"),
        "care": lambda: _screen("care", "CareScreen"),
    }
    DEFAULT_MODE = "reception"
    BINDINGS = [
        *[
            Binding(spec.key, f"switch_mode('{spec.mode}')", spec.label, id=f"app.{spec.mode}")
            for spec in SCREENS
        ],
        Binding("ctrl+o", "sign_out", N_("Sign out"), id="app.sign_out"),
        # Home/End go to the first/last row of any table (a DataTable's own Home/End
        # scroll sideways, which a row list never needs); elsewhere (a text field) they
        # do what they always do. PgUp/PgDn are the tables' own.
        Binding("home", "table_edge('top')", show=False, priority=True, id="app.table_top"),
        Binding("end", "table_edge('bottom')", show=False, priority=True, id="app.table_end"),
    ]

    def __init__(
        self, ctx: Context, *, blink: bool = True, read_ahead: ReadAhead | None = None
    ) -> None:
        super().__init__()
        self.ctx = ctx
        #: A server's first load, read while the app was imported (its first screen
        #: takes it); None on a file or where nobody read ahead. Waited for before the
        #: app's own first reads, which then take the same pooled connection.
        self.read_ahead = read_ahead
        baseline = read_ahead.baseline() if read_ahead is not None else None
        # People act as who signed in (nobody yet), or as the open desk the shop chose;
        # never as the system, which is the app's own background work's context below.
        ctx.actor_id = None
        ctx.role = None if auth.pins_required(ctx) else OPEN_DESK
        self.system_ctx = dataclasses.replace(ctx, role=SYSTEM, remote=False)
        # The change watcher's baseline (other windows on the same file), taken before the
        # first screen reads anything, so a commit made while it loads is seen at the
        # first tick: the change marker and the audit trail's newest row.
        # (Read ahead on a server, before its first load.)
        if baseline is None:
            baseline = (
                maintenance.change_marker(self.system_ctx),
                maintenance.audit_tip(self.system_ctx),
            )
        self.seen_version: int | None = baseline[0]
        self.seen_tip: tuple[int, str | None] = baseline[1]
        self.levels: Levels = setup.get_levels(ctx)
        # The shop's reasons, most used first (the form's and the tick's pick lists): read
        # by the change watcher's first tick, off the event loop and after the first paint,
        # or by a form opened before it (pick_lists). Read at once, they took ~50 ms of a
        # dealer group's file from the first screen (a thread holds the interpreter too).
        self.reason_lists: dict[str, list[reasons.ReasonView]] | None = None
        # Set before anything can fail: a worker's error may come before on_mount ends.
        self.watch_failing = False
        self.blink = blink
        self.actor: Actor | None = None
        self._crash_lines: list[str] = []  # printed when the app has ended
        self._sign_in_timer: Timer | None = None  # a browser's desk waiting for a sign-in
        self.type_ahead = TypeAhead(self)  # keys typed in one breath go where they are meant
        translate_bindings(self)
        settings = setup.get_settings(ctx)
        self.sub_title = self._shop_title = setup.shop_name(settings.get("shop.name", ""))
        # The shop's own keys (settings keys.<binding id>, checked when they were set).
        # Set before the first screen is built, so its Footer shows them from the start.
        self.shop_keymap = keys.keymap(settings)
        self.set_keymap(self.shop_keymap)

    def pick_lists(self) -> dict[str, list[reasons.ReasonView]]:
        """The shop's reason lists by kind; read now when a form opens before the change
        watcher's first tick has read them (within a second of the start)."""
        if self.reason_lists is None:
            self.reason_lists = self._read_reasons()
        return self.reason_lists

    def _read_reasons(self) -> dict[str, list[reasons.ReasonView]]:
        """The pick lists, as the system reads them (any role's form offers them); the
        built-in lists while the file cannot be read (the health check says why)."""
        try:
            return {kind: reasons.pick_list(self.system_ctx, kind) for kind in reasons.KINDS}
        except StorageError:
            return {}

    def on_mount(self) -> None:
        self.theme = "textual-dark"
        self.type_ahead.start()
        self._check_shop_keys()
        self.day = self.ctx.today()
        # The shop PC stays on overnight: a new day closes yesterday and escalates.
        self.set_interval(DAY_CHECK_SECONDS, self.check_day)
        # An appointment nobody came to is a no-show with a callback the same day.
        self.set_interval(SETTLE_SECONDS, self.settle_no_shows)
        # Other windows on the same file: reload the screen within a second of their commit
        # (the baseline was taken before the first screen read the file).
        self.watch_failing = False  # the last look at the change marker failed
        self._banners: list[DatabaseLostBanner] = []  # one per screen it was shown on
        self.set_interval(WATCH_SECONDS, self.watch_changes)
        # Well after the first paint: escalations, quick_check and the daily backup take
        # seconds on a dealer group's file and would compete with the first screen.
        self.set_timer(START_CHECKS_DELAY, self.start_checks)
        # The tables are declared when first used (storage.models): here, in a thread once
        # the first screen is painted, not by whichever key comes first.
        self.call_after_refresh(self.set_timer, DECLARE_TABLES_DELAY, self._warm_up)
        if not gc.isenabled():  # paused for the start-up (ui.run.pause_gc)
            self.set_timer(START_CHECKS_DELAY, self._resume_gc)
        if not self.ctx.remote and not setup.staffed(self.system_ctx, "salesperson"):
            # Refresh as soon as it closes, or `i` would see the board from before.
            # Nobody can sign in to a shop without staff: adding them is the system's.
            self.push_screen(FirstRunScreen(self.system_ctx), self._first_run_done)
        elif auth.pins_required(self.ctx):
            self.action_sign_out()

    def _check_shop_keys(self) -> None:
        """Keys set by the shop were checked when set; a newer deskterm may have given one
        of them to a new binding since. Said once at start, never silently hidden."""
        try:
            for bid, key in self.shop_keymap.items():
                keys.check_key(bid, key)
            keys.clashes(self.shop_keymap)
        except DesktermError as exc:
            self.notify(
                _("The shop's keys: {problem}", problem=exc.message),
                severity="warning",
                timeout=30,
                markup=False,
            )

    def _first_run_done(self, _result: None) -> None:
        self._refresh_screen()
        if auth.pins_required(self.ctx) and setup.list_staff(self.ctx):
            self.action_sign_out()  # the people just added sign in from now on

    async def action_quit(self) -> None:
        """Quit; first ask when an open form holds typing no save has kept yet."""
        from deskterm.ui.screens.dialogs import ConfirmScreen
        from deskterm.ui.screens.guard import screens_with_unsaved_changes

        stacks = [list(st) for st in getattr(self, "_screen_stacks", {}).values()] or [
            list(self.screen_stack)
        ]
        if not screens_with_unsaved_changes(stacks) or isinstance(self.screen, ConfirmScreen):
            self.exit()
            return

        def answer(yes: bool | None) -> None:
            if yes:
                self.exit()

        self.push_screen(
            ConfirmScreen(_("Quit deskterm? What was typed on the open form is not saved.")),
            answer,
        )

    # -- who is at the keyboard ---------------------------------------------------------
    def action_sign_out(self) -> None:
        """Sign the current person out and ask who is next."""
        from deskterm.ui.screens.signin import SignInScreen

        auth.sign_out(self.ctx)
        self.sub_title = self._shop_title  # nobody's name on the title while nobody is in
        if not auth.pins_required(self.ctx):
            self.ctx.role = OPEN_DESK
        self.actor = None
        self.refresh_bindings()
        if self.ctx.remote:
            self._stop_sign_in_timer()
            self._sign_in_timer = self.set_timer(REMOTE_SIGN_IN_SECONDS, self._nobody_signed_in)
        self.push_screen(SignInScreen(self.ctx), self.signed_in)

    def _stop_sign_in_timer(self) -> None:
        if self._sign_in_timer is not None:
            self._sign_in_timer.stop()
            self._sign_in_timer = None

    def _nobody_signed_in(self) -> None:
        """A browser's sign-in left waiting: end this desk and free its place on the server."""
        self._sign_in_timer = None
        if self.actor is None:
            self.exit(return_code=0)

    def signed_in(self, actor: Actor | None) -> None:
        """Open the signed-in person's own screen; hide the screens their role may not use."""
        if actor is None or self.return_code is not None:
            return  # (a browser's sign-in that ended with its desk: nothing to open)
        self._stop_sign_in_timer()
        self.actor = actor
        shop = self._shop_title = setup.shop_name(setup.get_settings(self.ctx).get("shop.name", ""))
        self.sub_title = f"{shop} · {actor.name}" if shop else actor.name
        self.refresh_bindings()
        self.switch_mode(home_screen(actor.role))
        self.call_after_refresh(self._refresh_screen)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Screens a role may not use are hidden from the Footer; sign-out only with PINs."""
        if action == "switch_mode" and parameters:
            return self.may_open(str(parameters[0]))
        if action == "sign_out":
            return self.actor is not None
        return True

    def may_open(self, mode: str) -> bool:
        """The one gate of every screen: listed in SCREENS, and allowed to whoever is
        at the keyboard (nobody, on the sign-in screen, may open none)."""
        spec = SCREEN_BY_MODE.get(mode)
        return spec is not None and may(self.ctx, spec.permission)

    def _signing_in(self) -> bool:
        from deskterm.ui.screens.signin import SignInScreen

        return any(isinstance(screen, SignInScreen) for screen in self.screen_stack)

    def switch_mode(self, mode: str) -> AwaitMount:
        """Every switch (keys, palette, code) passes the gate; a refused one says why."""
        if not self.may_open(mode):
            self.notify(_("Your role may not open this screen."), severity="warning")
            return AwaitMount(self.screen, [])
        return super().switch_mode(mode)

    async def action_switch_mode(self, mode: str) -> None:
        """F-keys: refused, with a message, for a screen the role may not use."""
        await self.switch_mode(mode)

    def action_table_edge(self, edge: str) -> None:
        """The cursor to the first or last row of the focused table."""
        table = self.focused
        if isinstance(table, Input):
            # A text field's own Home/End, done here and now: handed on (SkipAction) it
            # came after the keys typed behind it in one burst ("End QQ" wiped a note).
            table.action_home() if edge == "top" else table.action_end()
            return
        if not isinstance(table, DataTable):
            raise SkipAction()  # not a table: the focused widget's own Home/End
        if edge == "top":
            table.action_scroll_top()
        else:
            table.action_scroll_bottom()

    def _resume_gc(self) -> None:
        """The first screen is up: what is loaded by now stays for good, so it is frozen
        out of every later collection, and the collector runs again."""
        gc.freeze()
        gc.enable()

    def _warm_up(self, waited: float = 0.0) -> None:
        """Declare the tables once the screen's first load is on it. A server desk reads
        that load in a worker after the first paint: importing SQLModel and declaring the
        tables (~0.5 s of the interpreter) before it was shown held it back (the bench, on
        the development machine: its board shown at 2.8-3.1 s instead of 1.9-2.3 s)."""
        if not self.is_running or not self.screen_stack:
            return  # the app is closing (or between screens at its end): no warm-up
        loading = getattr(self.screen, "awaiting_first_load", False) or any(
            w.is_running and w.group.endswith("-load") for w in self.workers
        )
        if loading and waited < DECLARE_TABLES_PATIENCE:
            self.set_timer(0.1, lambda: self._warm_up(waited + 0.1))
        elif waited or self.ctx.db.dialect != "sqlite":
            # The load came after the first paint (a server's always does): the paint
            # that shows it goes first.
            self.call_after_refresh(self.set_timer, DECLARE_TABLES_DELAY, self.declare_tables)
        else:
            self.declare_tables()

    @work(thread=True, exclusive=True, group="declare-tables", exit_on_error=False)
    def declare_tables(self) -> None:
        """The tables' declarations, off the event loop (see ``DECLARE_TABLES_DELAY``)."""
        maintenance.declare_tables()

    @work(thread=True, exclusive=True, group="start-checks", exit_on_error=False)
    def start_checks(self) -> None:
        """The file's health, start of day, warnings and today's backup, off the event loop
        and after the first paint (seconds on a large file). The health check comes first:
        a damaged file is offered for restore before the start of day writes into it."""
        problem = maintenance.health(self.system_ctx)
        if problem is not None:
            self.call_from_thread(self.offer_restore, problem)
            return
        try:
            maintenance.start_day(self.system_ctx)
        except DesktermError as exc:
            self.call_from_thread(
                self.notify, exc.message, severity="error", timeout=10, markup=False
            )
        else:
            self.call_from_thread(self._refresh_screen)
        for text in maintenance.warnings(self.system_ctx):
            self.call_from_thread(self.notify, text, severity="warning", timeout=30, markup=False)
        self._daily_backup()

    def _daily_backup(self) -> None:
        from deskterm.services import backups  # a second after the first screen, not before

        try:
            backups.daily_backup(self.system_ctx)
        except DesktermError as exc:
            # The desk keeps working; the manager must know backups are failing.
            self.call_from_thread(
                self.notify,
                _("Automatic backup failed: {error}", error=exc.message),
                severity="error",
                timeout=30,
            )

    def offer_restore(self, problem: str) -> None:
        """A damaged file: ask to quit and restore the newest backup (never silently)."""
        from deskterm.ui.screens.dialogs import ConfirmScreen

        def answered(yes: bool | None) -> None:
            if yes:
                self.exit(return_code=EXIT_RESTORE)

        self.push_screen(
            ConfirmScreen(
                _(
                    "The database is damaged: {problem}. Quit now and restore the newest backup? "
                    "(The damaged file is kept aside.)",
                    problem=problem,
                )
            ),
            answered,
        )

    @work(thread=True, exclusive=True, group="watch", exit_on_error=False)
    def watch_changes(self) -> None:
        """Reload the screen when anything was committed since the last look."""
        try:
            version = maintenance.change_marker(self.system_ctx)
        except DesktermError:
            # One steady banner while the database does not answer (a server gone from
            # the network), not a toast a second; put again on whichever screen is on
            # top now (a form opened or a screen switched meanwhile).
            self.watch_failing = True
            self.call_from_thread(self._show_database_lost)
            return
        if self.watch_failing:
            self.watch_failing = False
            self.call_from_thread(self._hide_database_lost)
            self.call_from_thread(self.notify, _("The database answers again."))
            self.seen_version = None  # whatever happened meanwhile: reload
            self.call_from_thread(self._refresh_screen)
        if self.seen_version is None:
            self.reason_lists = self._read_reasons()
            try:
                self.seen_tip = maintenance.audit_tip(self.system_ctx)
            except DesktermError:
                self.watch_failing = True  # the banner, and the next look tries again
                self.call_from_thread(self._show_database_lost)
                return
        elif version != self.seen_version:
            try:
                # A level preset switched in another window or on the command line: the
                # next form offers the shop's levels now, not the ones this desk began with.
                self.levels = setup.get_levels(self.system_ctx)
                self.reason_lists = self._read_reasons()
                tip = maintenance.audit_tip(self.system_ctx)
            except DesktermError:
                self.watch_failing = True
                self.call_from_thread(self._show_database_lost)
                return
            restored = tip[0] < self.seen_tip[0] or (
                tip[1] == "backup.restore" and tip != self.seen_tip
            )
            if restored:
                # The file went back in time under this window (deskterm restore): say so,
                # or the desk silently shows fewer walk-ins than the receptionist made.
                self.call_from_thread(
                    self.notify,
                    _(
                        "The database was put back to an older state (a restore from a "
                        "backup): what was entered after that backup is not on the screen "
                        "any more. The file as it was is kept beside it (.before-restore)."
                    ),
                    severity="warning",
                    timeout=30,
                )
            self.seen_tip = tip
            self.call_from_thread(self._refresh_screen)
        elif self.reason_lists is None:
            self.reason_lists = self._read_reasons()  # the first tick, after the first paint
        self.seen_version = version

    def _show_database_lost(self) -> None:
        try:
            screen = self.screen
        except ScreenStackError:
            return
        if not screen.query(DatabaseLostBanner):
            banner = DatabaseLostBanner()
            self._banners.append(banner)
            screen.mount(banner)

    def _hide_database_lost(self) -> None:
        for banner in self._banners:
            if banner.is_attached:
                banner.remove()
        self._banners.clear()

    # -- the one error boundary ---------------------------------------------------------
    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The app's own workers; the screens pass theirs on (ui.boundary)."""
        if event.state is WorkerState.ERROR:
            self.worker_failed(event.worker)

    def worker_failed(self, worker: Worker[object]) -> None:
        """A worker ended with an error: one message, the desk goes on.

        A user error or a storage error is its own message; while the database does not
        answer the banner already says so (every reload would repeat it). Anything else
        is a bug: one line, and a crash report for whoever fixes it.
        """
        if worker.error is not None:
            self.report_error(worker.error, where=worker.name)

    def report_error(self, error: BaseException, where: str = "") -> None:
        """One notification for ``error`` (see ``worker_failed``)."""
        # A screen the failed work was to open will not come: the keys typed for it go.
        self.type_ahead.cancel_hold()
        if isinstance(error, StorageError) and self.watch_failing:
            return
        if isinstance(error, DesktermError):
            self.notify(error.message, severity="error", timeout=6, markup=False)
            return
        self.notify(
            self.crash_message(error, write_report(error, where=where)),
            severity="error",
            timeout=30,
            markup=False,
        )

    async def on_event(self, event: events.Event) -> None:
        """Typed keys pass one at a time (ui.type_ahead): each goes to what has the
        focus once the one before it has been handled and any new screen is drawn."""
        if isinstance(event, (events.Key, events.Paste)) and not event.is_forwarded:
            if not self.type_ahead.admit(event):
                return
            target = self.focused or self.screen
            await super().on_event(event)
            self.type_ahead.handed_on(event, target)
            return
        await super().on_event(event)

    def on_key_passed(self, message: KeyPassed) -> None:
        """The key before has been handled: the next may go."""
        self.type_ahead.passed(message.ticket)

    async def _dispatch_message(self, message: Message) -> None:
        """A user or storage error raised by an app-level handler or action (a key)
        is a message; left to Textual it would end the app."""
        try:
            await super()._dispatch_message(message)
        except DesktermError as exc:
            self.report_error(exc)

    @staticmethod
    def crash_message(error: BaseException, report: object) -> str:
        """The one line shown for an unexpected error (secrets masked)."""
        if report is None:
            return _(
                "Something went wrong ({error}); no report could be written.", error=one_line(error)
            )
        return _(
            "Something went wrong ({error}). A report was written to {path}.",
            error=one_line(error),
            path=mask_secrets(str(report)),
        )

    def _handle_exception(self, error: Exception) -> None:
        """An error nothing handled: Textual would print a traceback with its locals (the
        server's password among them) on the desk's screen. Instead: a private crash
        report, and one line on exit."""
        if isinstance(error, DesktermError):
            # A user or storage error from a callback run after a refresh or when idle
            # (screens and the app catch their handlers' own, ui.boundary): the loop
            # that ran it goes on, so it is a message like any other.
            self.report_error(error)
            return
        cause = error.error if isinstance(error, WorkerFailed) else error
        if isinstance(cause, DesktermError):
            line = cause.message
        else:
            line = self.crash_message(cause, write_report(cause, where="the desk app"))
        self._return_code = 1
        if self._exception is None:  # run_test re-raises it for the test framework
            self._exception = error
            self._exception_event.set()
        self.bell()
        self._crash_lines.append(f"deskterm: {line}")
        self._close_messages_no_wait()

    def _print_error_renderables(self) -> None:
        """Our one-line messages as plain text: neither cut nor wrapped at the console's
        width, so the report's path stays whole and copyable."""
        lines, self._crash_lines = self._crash_lines, []
        super()._print_error_renderables()
        for line in lines:
            print(line, file=sys.stderr)

    def check_day(self) -> None:
        """Start the new day if the calendar day changed since the last look."""
        today = self.ctx.today()
        if today != self.day:
            self.start_new_day(today)

    @work(thread=True, exclusive=True, group="start-day", exit_on_error=False)
    def start_new_day(self, today: date) -> None:
        """Close the past days and run the escalations off the event loop.

        The new day counts as started only once this worked: a server that does not
        answer at midnight gets the day closed at the next look after it is back. An
        error is said by the worker boundary (``worker_failed``).
        """
        maintenance.start_day(self.system_ctx)
        self.day = today
        self._daily_backup()
        self.call_from_thread(self._refresh_screen)
        self.call_from_thread(
            self.notify, _("A new day: yesterday is closed, escalations are up to date.")
        )

    @work(thread=True, exclusive=True, group="settle", exit_on_error=False)
    def settle_no_shows(self) -> None:
        """Appointments past their time and grace become no-shows (idempotent, so two
        windows doing it at once change nothing twice); an error is said by the worker
        boundary, and the watch on changes reloads the screen."""
        if self.watch_failing:
            return  # the database does not answer: the banner says so; next minute
        appointments.settle_no_shows(self.system_ctx)

    def _refresh_screen(self) -> None:
        try:
            screen = self.screen
        except ScreenStackError:
            # A worker's reload (another window committed) that lands while the app is
            # closing: the last screen is gone, and there is nothing left to reload.
            return
        refresh = getattr(screen, "refresh_data", None)
        # A screen still being built (a mode switch this instant) loads itself once
        # mounted; its widgets are not all there to reload yet. Its Footer is no sign:
        # Textual mounts a screen's own children first and the tables inside its panes
        # after them (a reload then failed with NoMatches '#results' on F4). A screen is
        # mounted once every widget it composed is, and its on_mount has run.
        if refresh is not None and screen.is_mounted:
            refresh()

    def action_command_palette(self) -> None:
        """Ctrl+P: Textual's palette, with its prompt in the language in force."""
        if self.use_command_palette and not CommandPalette.is_open(self):  # type: ignore[arg-type]
            self.push_screen(
                DeskPalette(placeholder=_("Search for commands…"), id="--command-palette")
            )

    def get_key_display(self, binding: Binding) -> str:
        """A key as the footer and help name it: a key named by an English word (space,
        enter) in the language in force; letters, F-keys and symbols as on the key."""
        display = super().get_key_display(binding)
        word = KEY_WORDS.get(display.lower())
        return _(word) if word else display

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Every action of the app in the command palette (Ctrl+P)."""
        from deskterm.ui.screens.signin import SignInScreen

        if isinstance(screen, SignInScreen) or self._signing_in():
            return  # nothing but the sign-in itself until someone signed in
        for cmd in super().get_system_commands(screen):  # Textual's own: Quit, Keys, Theme…
            yield cmd._replace(title=_(cmd.title), help=_(cmd.help))
        for spec in SCREENS:
            if not self.may_open(spec.mode):
                continue
            yield SystemCommand(
                _("Go to: {screen}", screen=_(spec.label)),
                _("Switch screen"),
                lambda m=spec.mode: self.switch_mode(m),
            )
        yield from self._binding_commands(screen)
        yield from self._tab_commands(screen)
        if isinstance(screen, ReceptionScreen):
            yield SystemCommand(
                _("Close the day"),
                _("Close open receptions, keep the rotation statistics"),
                screen.action_close_day,
            )

    def _tab_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """A command per tab of the screen's tabs (the Manager's fourteen: those past the
        screen's width are otherwise reached only by walking the tab bar)."""
        from textual.widgets import TabbedContent, TabPane

        for tabs in screen.query(TabbedContent):
            for pane in tabs.query(TabPane):
                if pane.id is None:
                    continue
                label = tabs.get_tab(pane.id).label_text

                def show(t: TabbedContent = tabs, pane_id: str = pane.id) -> None:
                    t.active = pane_id

                yield SystemCommand(_("Tab: {name}", name=label), _("Open this tab"), show)

    def _binding_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The screen's own actions, from its active bindings: the keys the shop set
        (``keys.*``) are the ones shown, and an action the screen hides is left out."""
        keys_of: dict[str, list[str]] = {}
        described: dict[str, Binding] = {}
        for active in screen.active_bindings.values():
            binding = active.binding
            if active.node is not screen or not binding.description:
                continue
            described.setdefault(binding.action, binding)
            keys_of.setdefault(binding.action, []).append(self.get_key_display(binding))
        for action, binding in described.items():
            yield SystemCommand(
                binding.description,
                _("Key: {key}", key=", ".join(keys_of[action])),
                lambda a=action, s=screen: s.run_action(a),
            )


def create_app(
    ctx: Context,
    *,
    lang: str | None = None,
    blink: bool = True,
    read_ahead: ReadAhead | None = None,
) -> DesktermApp:
    """The one factory used by the CLI and the tests."""
    if lang is not None:
        set_language(lang)
    return DesktermApp(ctx, blink=blink, read_ahead=read_ahead)
