"""Small modal dialogs: confirm, pick one of a list, type a value, find a customer."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.await_complete import AwaitComplete
from textual.binding import Binding
from textual.containers import Vertical
from textual.events import Key
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from deskterm.domain.phone import display_phone
from deskterm.errors import DesktermError
from deskterm.i18n import N_, _
from deskterm.services.context import Context
from deskterm.ui.boundary import WorkerBoundary
from deskterm.ui.i18n_bindings import translate_bindings
from deskterm.ui.widgets.field_errors import show_field_errors
from deskterm.ui.widgets.fields import SearchField, TextField

if TYPE_CHECKING:  # the search's module is imported when a search opens, not at start-up
    from deskterm.services.customers import CustomerView


class AnswersOnce:
    """A dialog that answers once. Keys typed faster than it closes (a double tap on a
    digit or on y) are already in its queue when it answers; a second answer would run
    the caller's callback again (a second check-in, a second walk-in) and then pop the
    screen below, which ends the desk with ScreenStackError."""

    _answered = False

    def dismiss(self, result: Any = None) -> AwaitComplete:
        if self._answered:
            return AwaitComplete(asyncio.sleep(0))
        self._answered = True
        return super().dismiss(result)  # type: ignore[misc, no-any-return]


class ConfirmScreen(AnswersOnce, ModalScreen[bool]):
    """Yes / no, answered with y, n, Enter or Esc."""

    BINDINGS = [
        Binding("y", "answer(True)", N_("Yes"), id="yes"),
        Binding("n,escape", "answer(False)", N_("No"), id="no"),
        Binding("enter", "answer(True)", show=False),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        translate_bindings(self)
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.question, classes="question", markup=False)
            yield Label(_("[y] yes   [n] no"), classes="hint", markup=False)

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class AsksBeforeDiscarding:
    """Esc on a form: closed at once when nothing was changed since it opened (what came
    prefilled does not count), asked first when something was typed or picked, so a slip
    of the finger does not throw away a typed note. The form calls ``remember_opened``
    once it is shown."""

    _opened: tuple[object, ...] | None = None

    def _values(self) -> tuple[object, ...]:
        from deskterm.domain.text import clean_text
        from deskterm.ui.widgets.choice import Choice

        screen: Any = self
        typed = [(w.id, clean_text(w.value).value) for w in screen.query(Input)]
        picked = [(w.id, w.value, tuple(sorted(w.values))) for w in screen.query(Choice)]
        return (*typed, *picked)

    def remember_opened(self) -> None:
        self._opened = self._values()

    def unsaved_changes(self) -> bool:
        """Something typed or picked since the form opened (Ctrl+Q asks first then)."""
        return self._opened is not None and self._values() != self._opened

    def action_cancel(self) -> None:
        screen: Any = self
        if self._opened is None or self._values() == self._opened:
            screen.dismiss(None)
            return

        def answer(yes: bool | None) -> None:
            if yes:
                screen.dismiss(None)

        screen.app.push_screen(ConfirmScreen(_("Discard what was typed on this form?")), answer)


class PickScreen(AnswersOnce, ModalScreen[str | None]):
    """Pick one option: digits 1–9, or arrows and Enter; Esc cancels."""

    BINDINGS = [Binding("escape", "cancel", N_("Cancel"), id="cancel")]

    def __init__(self, title: str, options: Sequence[tuple[str, str]]) -> None:
        super().__init__()
        translate_bindings(self)
        self.title_text = title
        self.options = list(options)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="question", markup=False)
            yield OptionList(
                *[
                    Option(f"{i + 1}  {label}" if i < 9 else f"   {label}", id=value)
                    for i, (value, label) in enumerate(self.options)
                ],
                id="pick",
                markup=False,
            )

    def on_key(self, event: Key) -> None:
        if event.character and event.character.isdigit() and event.character != "0":
            i = int(event.character) - 1
            if i < len(self.options):
                event.stop()
                self.dismiss(self.options[i][0])

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class CustomerPickScreen(AnswersOnce, WorkerBoundary, ModalScreen["CustomerView | None"]):
    """Find a returning customer by phone digits or a name fragment.

    The only hit on a whole phone number or on a whole name (case, full width and
    spaces aside) is taken at once, without a list: the same way a phone is. A name is
    not unique, so that happens only when nobody else matches what was typed: two
    customers of the same name, or a name that begins another's ("Anna" while "Anna
    Schmidt" is on file), stay a list to choose from, and Enter never guesses between
    two customers of the same name.
    """

    BINDINGS = [
        Binding("escape", "cancel", N_("Cancel"), id="cancel"),
        Binding("down", "focus_results", show=False),
    ]
    # The list gives way to the hint under it (at 80x24 the dialogs' 14 rows pushed it out).
    # Its height is fixed, not its results': a dialog that shrank when the field was
    # emptied vanished from a real terminal (tmux, 160x45) while its field kept the keys,
    # so the next "n" was typed into a search nobody could see.
    CSS = """
    CustomerPickScreen #results { height: 45vh; }
    """

    def __init__(self, ctx: Context, title: str) -> None:
        super().__init__()
        translate_bindings(self)
        self.ctx = ctx
        self.title_text = title
        self.found: list[CustomerView] = []
        self._found_for: str | None = None  # the text ``found`` answers
        # Enter came before the search for what was typed had answered (a burst, a fast
        # hand): it is acted on when that answer comes, not on an older list.
        self._enter_waiting = False

    def compose(self) -> ComposeResult:
        from deskterm.services import customers

        with Vertical(classes="dialog wide"):
            yield Label(self.title_text, classes="question", markup=False)
            yield SearchField(
                placeholder=_("phone digits or part of the name"),
                id="query",
                max_length=customers.SEARCH_MAX,
            )
            yield Static("", id="err-query", classes="field-error search-note", markup=False)
            yield OptionList(id="results", markup=False)
            yield Label(
                _("Enter picks the first match; ↓ to choose another."), classes="hint", markup=False
            )

    @on(Input.Changed, "#query")
    def query_changed(self, event: Input.Changed) -> None:
        self._enter_waiting = False  # typed on after Enter: that Enter was not for this
        self.search(event.value)

    @work(thread=True, exclusive=True, group="customer-search", exit_on_error=False)
    def search(self, text: str) -> None:
        from deskterm.services import customers

        found = customers.search(self.ctx, text, limit=20)
        self.app.call_from_thread(self.show, found, text)

    def show(self, found: list[CustomerView], text: str | None = None) -> None:
        if text is not None and text != self.query_one("#query", Input).value:
            # A search for what the field said a key ago, finishing late: taking its only
            # hit would pick someone for a text that is no longer there.
            return
        self.found = found
        self._found_for = text
        if len(found) == 1 and (found[0].exact_phone or found[0].exact_name):
            # The whole phone or the whole name of one customer, and nobody else matches:
            # that is who it is, no list to pick from.
            self.dismiss(found[0])
            return
        results = self.query_one("#results", OptionList)
        results.clear_options()
        levels = getattr(self.app, "levels", None)  # the shop's own names (准购买, not hot)
        for c in found:
            phone = display_phone(c.phone) if c.phone else "-"
            level = levels.name_of(c.level) if levels is not None else c.level
            results.add_option(Option(f"{c.name}  {phone}  {level}  · {c.owner}", id=str(c.id)))
        if self._enter_waiting:
            self._enter_waiting = False
            self.submit_first()

    @on(Input.Submitted, "#query")
    def submit_first(self) -> None:
        if self._found_for != self.query_one("#query", Input).value:
            self._enter_waiting = True  # the list is for an older text: wait for this one
            return
        if not self.found:
            return
        if len(self.found) > 1 and self.found[0].exact_name and self.found[1].exact_name:
            # Two customers of this very name: the first would be a guess.
            note = self.query_one("#err-query", Static)
            note.update(
                "! "
                + _(
                    "More than one customer is called {name}: choose with ↓ and Enter.",
                    name=self.found[0].name,
                )
            )
            note.add_class("shown")
            results = self.query_one("#results", OptionList)
            results.highlighted = 0
            results.focus()
            return
        self.dismiss(self.found[0])

    @on(OptionList.OptionSelected, "#results")
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(next(c for c in self.found if str(c.id) == event.option.id))

    def action_focus_results(self) -> None:
        self.query_one("#results", OptionList).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)


class TextPromptScreen(AnswersOnce, ModalScreen[str | None]):
    """Ask for one line of text (a reason, a note); Enter accepts, Esc cancels."""

    BINDINGS = [
        Binding("escape", "cancel", N_("Cancel"), id="prompt.cancel"),
        # Acted on when the app reads the key, not when the field's Submitted message comes
        # back: the answer's next dialog must be the one the keys typed after it reach
        # (ui.type_ahead). No id: Enter is not a shop's to move.
        Binding("enter", "accept", show=False, priority=True),
    ]

    def __init__(
        self, question: str, value: str = "", check: Callable[[str], object] | None = None
    ) -> None:
        super().__init__()
        translate_bindings(self)
        self.question = question
        self.value = value
        self.check = check

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label(self.question, classes="question", markup=False)
            yield TextField(self.value, id="answer")
            yield Static("", id="err-answer", classes="field-error", markup=False)

    def action_accept(self) -> None:
        """Enter: take the answer if it passes its check; else say why under the field."""
        value = self.query_one("#answer", Input).value
        if not value.strip():
            return
        if self.check is not None:
            # Wrong input stays in the field with the reason under it.
            try:
                self.check(value)
            except DesktermError as exc:
                show_field_errors(self, {"answer": exc.message})
                return
        self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(None)
