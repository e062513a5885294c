"""`ptriage` subcommands: each module here exposes ``register(subparsers)``.

``register`` adds one (or more) subparsers and sets ``func`` on them via ``set_defaults``;
``func(args) -> int`` returns the process exit code (0 ran, 2 bad input/usage, 3 toolchain).
"""
