"""The commands of ``deskterm``, one module each.

Every module has ``register(subparsers)``, which adds its subcommand (with its options
and help) to the parser, and ``run(args) -> int``, which does it and returns the exit
code. A module imports only what its parser needs at the top; the services, Rich and
the rest are imported inside ``run``, so building the parser at every start stays cheap.
``deskterm.cli.main`` lists them in the order ``deskterm --help`` shows them.
"""
