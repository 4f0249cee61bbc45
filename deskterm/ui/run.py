"""Running the Textual app on an opened context (the CLI's default command)."""

from __future__ import annotations

from deskterm.services.context import Context


def run_app(ctx: Context) -> int:
    """Run the app until the user quits; returns the exit code."""
    from deskterm.ui.app import create_app

    app = create_app(ctx)
    app.run()
    return app.return_code or 0
