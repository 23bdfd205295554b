"""One module per `quiz` subcommand; each has `register(subparsers)` and a `run(args) -> int`."""
