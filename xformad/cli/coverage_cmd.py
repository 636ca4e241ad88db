"""List the numpy functions xformad differentiates (the text of docs/coverage.md).

python -m xformad coverage                           # print it
python -m xformad coverage --write docs/coverage.md  # regenerate the page
python -m xformad coverage --check docs/coverage.md  # exit 1 when the page is stale
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--write", metavar="PATH", help="write the listing to PATH instead of printing it")
    parser.add_argument("--check", metavar="PATH", help="exit 1 if PATH differs from the listing")


def run(args) -> int:
    from ..coverage import COMMAND, render

    text = render()
    if args.check:
        path = Path(args.check)
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current != text:
            print(f"{path} is stale: regenerate it with `{COMMAND}`", file=sys.stderr)
            return 1
        print(f"{path} is up to date")
        return 0
    if args.write:
        path = Path(args.write)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
        return 0
    sys.stdout.write(text)
    return 0
