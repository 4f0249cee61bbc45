"""``python -m deskterm`` runs the same entry point as the ``deskterm`` script."""

import sys

from deskterm.cli.main import main

sys.exit(main())
