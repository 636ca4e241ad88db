"""``python -m xformad <command>``: each command is a module with add_arguments and run."""

COMMANDS = {
    "plugins": "xformad.cli.plugins_cmd",
    "explain": "xformad.cli.explain_cmd",
    "coverage": "xformad.cli.coverage_cmd",
}
