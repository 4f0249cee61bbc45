"""F6 Manager: a thin screen and one widget per tab (``screen.py`` and a module per tab).

``ManagerScreen`` is imported from here, as ``deskterm.ui.screens.manager`` always was.
"""

from deskterm.ui.screens.manager.screen import ManagerScreen

__all__ = ["ManagerScreen"]
