"""The deskterm Textual app: one screen per job, one key each, every action in the palette.

Built through ``create_app`` — the one factory used by the CLI and the tests.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, Label

from deskterm.domain.levels import Levels
from deskterm.errors import DesktermError
from deskterm.i18n import N_, _, set_language
from deskterm.services import setup
from deskterm.services.context import Context
from deskterm.ui.i18n_bindings import translate_bindings
from deskterm.ui.screens.callbacks import MyCallbacksScreen
from deskterm.ui.screens.customers import CustomersScreen
from deskterm.ui.screens.manager import ManagerScreen
from deskterm.ui.screens.meeting import MeetingScreen
from deskterm.ui.screens.reception import ReceptionScreen
from deskterm.ui.widgets.fields import TextField


class FirstRunScreen(ModalScreen[None]):
    """An empty database: add the salespeople before anything else."""

    BINDINGS = [Binding("escape", "finish", N_("Done"), id="firstrun.done")]

    def __init__(self, ctx: Context) -> None:
        super().__init__()
        self.ctx = ctx
        self.added: list[str] = []
        translate_bindings(self)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label(_("Welcome to deskterm. Add your salespeople: type a name and press "
                          "Enter; Esc when done. Then press i to check them in."),
                        classes="question")
            yield TextField(placeholder=_("salesperson's name"), id="new-name")
            yield Label("", id="added", classes="hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        try:
            person = setup.add_staff(self.ctx, event.value, "salesperson")
        except DesktermError as exc:
            self.notify(exc.message, severity="error")
            return
        event.input.value = ""
        self.added.append(person.name)
        self.query_one("#added", Label).update(_("Added: {names}", names=", ".join(self.added)))

    def action_finish(self) -> None:
        self.dismiss(None)


class DesktermApp(App[int]):
    """The front desk."""

    CSS_PATH = "app.tcss"
    TITLE = "deskterm"
    MODES = {
        "reception": ReceptionScreen,
        "callbacks": MyCallbacksScreen,
        "customers": CustomersScreen,
        "meeting": MeetingScreen,
        "manager": ManagerScreen,
    }
    DEFAULT_MODE = "reception"
    BINDINGS = [
        Binding("f2", "switch_mode('reception')", N_("Reception"), id="app.reception"),
        Binding("f3", "switch_mode('callbacks')", N_("My callbacks"), id="app.callbacks"),
        Binding("f4", "switch_mode('customers')", N_("Customers"), id="app.customers"),
        Binding("f5", "switch_mode('meeting')", N_("Meeting"), id="app.meeting"),
        Binding("f6", "switch_mode('manager')", N_("Manager"), id="app.manager"),
    ]

    def __init__(self, ctx: Context, *, blink: bool = True) -> None:
        super().__init__()
        self.ctx = ctx
        self.levels: Levels = setup.get_levels(ctx)
        self.blink = blink
        translate_bindings(self)
        self.sub_title = setup.get_settings(ctx).get("shop.name", "")

    def on_mount(self) -> None:
        self.theme = "textual-dark"
        if not setup.list_staff(self.ctx, "salesperson"):
            # Refresh as soon as it closes, or `i` would see the board from before.
            self.push_screen(FirstRunScreen(self.ctx), lambda _none: self._refresh_screen())

    def _refresh_screen(self) -> None:
        refresh = getattr(self.screen, "refresh_data", None)
        if refresh is not None:
            refresh()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Every action of the app in the command palette (Ctrl+P)."""
        yield from super().get_system_commands(screen)
        for mode, label in (("reception", N_("Reception")), ("callbacks", N_("My callbacks")),
                            ("customers", N_("Customers")), ("meeting", N_("Meeting")),
                            ("manager", N_("Manager"))):
            yield SystemCommand(_("Go to: {screen}", screen=_(label)), _("Switch screen"),
                                lambda m=mode: self.switch_mode(m))
        if isinstance(screen, ReceptionScreen):
            for binding in screen._bindings.key_to_bindings.values():
                for b in binding:
                    if b.description:
                        yield SystemCommand(b.description, _("Key: {key}", key=b.key),
                                            lambda a=b.action: screen.run_action(a))
            yield SystemCommand(_("Close the day"), _("Close open receptions, keep the "
                                                      "rotation statistics"),
                                screen.action_close_day)
        elif hasattr(screen, "_bindings"):
            for binding in screen._bindings.key_to_bindings.values():
                for b in binding:
                    if b.description:
                        yield SystemCommand(b.description, _("Key: {key}", key=b.key),
                                            lambda a=b.action, s=screen: s.run_action(a))


def create_app(ctx: Context, *, lang: str | None = None, blink: bool = True) -> DesktermApp:
    """The one factory used by the CLI and the tests."""
    if lang is not None:
        set_language(lang)
    return DesktermApp(ctx, blink=blink)
