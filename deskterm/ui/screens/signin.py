"""Sign in with a PIN: pick your name, type your PIN.

At the shop PC the first PIN someone types becomes theirs; from a browser (``--remote``)
nobody chooses a PIN, so a person without one is told to get it at the shop PC.
"""

from __future__ import annotations

from textual import on, work
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from deskterm.errors import DesktermError
from deskterm.i18n import _
from deskterm.services import auth, setup
from deskterm.services.auth import Actor
from deskterm.services.context import Context
from deskterm.services.setup import ROLE_LABELS
from deskterm.ui.boundary import WorkerBoundary
from deskterm.ui.widgets.field_errors import show_field_errors
from deskterm.ui.widgets.fields import TextField


class SignInScreen(WorkerBoundary, ModalScreen[Actor]):
    """Who is at the keyboard. Cannot be dismissed without signing in."""

    # The name list gives way to the PIN field: at 80x24 a shop's dozen names (the
    # dialogs' 14 rows) pushed the PIN field out of the dialog, and the PIN was typed blind.
    CSS = """
    SignInScreen #people { max-height: 45vh; }
    """

    # The name list's keys act as soon as the app reads them. People type ↓, Enter and
    # their PIN in one go; a list's own keys act only once they have come back up from
    # it, after the PIN's digits had already been handed to the list (and lost there),
    # and the Enter chose whoever was highlighted before the ↓.
    BINDINGS = [
        Binding("up", "move('up')", show=False, priority=True),
        Binding("down", "move('down')", show=False, priority=True),
        Binding("enter", "choose", show=False, priority=True),
    ]

    def __init__(self, ctx: Context) -> None:
        # From a browser the desk stays hidden until someone signs in.
        super().__init__(classes="remote" if ctx.remote else None)
        self.ctx = ctx
        self.people = setup.list_staff(ctx)
        self.chosen: int | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label(
                _("Sign in: choose your name, then type your PIN."),
                classes="question",
                markup=False,
            )
            yield OptionList(
                *[
                    Option(f"{p.name} · {_(ROLE_LABELS.get(p.role, p.role))}", id=str(p.id))
                    for p in self.people
                ],
                id="people",
                markup=False,
            )
            yield Label("", id="pin-hint", classes="hint", markup=False)
            yield TextField(placeholder=_("PIN"), password=True, id="pin")
            yield Static("", id="err-pin", classes="field-error", markup=False)

    def on_mount(self) -> None:
        self.query_one("#people", OptionList).focus()

    def _list(self) -> OptionList:
        """The name list, when it has the keyboard."""
        people = self.query_one("#people", OptionList)
        if self.focused is not people:
            raise SkipAction()
        return people

    def action_move(self, way: str) -> None:
        people = self._list()
        if way == "up":
            people.action_cursor_up()
        else:
            people.action_cursor_down()

    def action_choose(self) -> None:
        """Enter on the name list: that person, and on to the PIN (elsewhere Enter is the
        field's own)."""
        people = self._list()
        if people.highlighted is None:
            raise SkipAction()
        self._choose(int(people.get_option_at_index(people.highlighted).id or 0))

    @on(OptionList.OptionSelected, "#people")
    def person_chosen(self, event: OptionList.OptionSelected) -> None:
        """A click on a name."""
        self._choose(int(event.option.id or 0))

    def _choose(self, staff_id: int) -> None:
        self.chosen = staff_id
        # The PIN field takes the keyboard at once (set_focus, not focus(), which waits
        # behind the keys already read): people type their PIN right after their name.
        self.set_focus(self.query_one("#pin", Input))
        self.check_first_time(staff_id)

    @work(thread=True, exclusive=True, group="signin-hint", exit_on_error=False)
    def check_first_time(self, staff_id: int) -> None:
        first = not auth.has_pin(self.ctx, staff_id)
        self.app.call_from_thread(self._show_hint, first)

    def _show_hint(self, first: bool) -> None:
        if not first:
            hint = ""
        elif self.ctx.remote:  # what auth.sign_in answers a PIN typed here anyway
            hint = _(auth.NO_PIN_FROM_A_BROWSER)
        else:
            hint = _("First sign-in: the PIN you type now (4 to 8 digits) becomes your PIN.")
        self.query_one("#pin-hint", Label).update(hint)

    @on(Input.Submitted, "#pin")
    def submitted(self, event: Input.Submitted) -> None:
        if self.chosen is None:
            show_field_errors(self, {"pin": _("Choose your name first.")})
            self.query_one("#people", OptionList).focus()
            return
        if not event.value:  # an Enter meant for the name list: nothing to check
            show_field_errors(self, {"pin": _("Type your PIN.")})
            return
        # Taken out of the field at once: a PIN is never left on screen, and digits typed
        # while it is checked (half a second) are the next try, not added to this one.
        self.query_one("#pin", Input).value = ""
        self.try_pin(self.chosen, event.value)

    @work(thread=True, exclusive=True, group="signin", exit_on_error=False)
    def try_pin(self, staff_id: int, pin: str) -> None:
        """scrypt takes about half a second: off the event loop."""
        try:
            actor = auth.sign_in(self.ctx, staff_id, pin)
        except DesktermError as exc:
            self.app.call_from_thread(self._wrong, exc.message)
            return
        self.app.call_from_thread(self.dismiss, actor)

    def _wrong(self, message: str) -> None:
        show_field_errors(self, {"pin": message}, ("pin",))
