"""Command line: ``python -m xformad {plugins,explain,coverage} ...``."""

from __future__ import annotations

import argparse
import importlib
import sys

from .cli import COMMANDS


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m xformad", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    modules = {}
    for name, module_name in COMMANDS.items():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError:
            continue
        modules[name] = module
        p = sub.add_parser(
            name, help=(module.__doc__ or "").strip().splitlines()[0] if module.__doc__ else None
        )
        module.add_arguments(p)
    args = parser.parse_args(argv)
    return int(modules[args.command].run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
