"""List the installed plugins, what each provides, and the backends with their availability.

    python -m xformad plugins            a table
    python -m xformad plugins --json     the same, machine-readable

Built-in plugins are xformad's own modules; third-party ones come from the ``xformad``
entry-point group (``pip install plugins/xformad-scipy``). Skipped plugins are listed with
the reason; blocked ones (XFORMAD_BLOCK_PLUGINS) are listed as blocked.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings

from .. import plugins


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = __doc__.strip().splitlines()[0]
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


def report() -> dict:
    """What ``python -m xformad plugins`` shows, as plain data."""
    with warnings.catch_warnings():  # skipped plugins are reported below, not warned twice
        warnings.simplefilter("ignore", plugins.PluginWarning)
        pm = plugins.plugin_manager()
        reg = plugins.registry()
        reg.import_deferred()  # a plugin's tables for a library not imported yet count too
    rows = []
    for name, plugin in pm.list_name_plugin():
        if plugin is None:
            continue
        provided = reg.provided_by(name)
        rows.append(
            {
                "name": name,
                "source": "built-in" if name in plugins.BUILTIN_PLUGINS else plugins.sources.get(name, "?"),
                "primitives": provided["primitives"],
                "callables": provided["callables"],
                "backends": provided["backends"],
            }
        )
    backends = []
    for name, backend in reg.backends.items():
        ok, reason = backend.availability()
        backends.append(
            {
                "name": name,
                "available": bool(ok),
                "reason": reason,
                "priority": getattr(backend, "priority", 0),
                "plugin": reg.owner.get(("backend", name), "?"),
            }
        )
    return {
        "plugins": rows,
        "backends": backends,
        "blocked": sorted(plugins.blocked_plugins()),
        "blocked_plugins": dict(sorted(plugins.blocked.items())),  # plugin -> the entry that matched
        "blocked_unmatched": plugins.unmatched_blocks(),
        "skipped": dict(plugins.load_failures),
    }


def _table(rows: list, columns: list) -> list[str]:
    widths = [max(len(title), *(len(str(r[key])) for r in rows)) for title, key in columns]
    lines = ["  ".join(title.ljust(w) for (title, _), w in zip(columns, widths)).rstrip()]
    for r in rows:
        lines.append("  ".join(str(r[key]).ljust(w) for (_, key), w in zip(columns, widths)).rstrip())
    return lines


def render(data: dict) -> str:
    rows = [dict(r, backends=", ".join(r["backends"]) or "-") for r in data["plugins"]]
    lines = ["plugins"]
    lines += [
        "  " + line
        for line in _table(
            rows,
            [
                ("name", "name"),
                ("source", "source"),
                ("primitives", "primitives"),
                ("callables", "callables"),
                ("backends", "backends"),
            ],
        )
    ]
    lines.append("")
    lines.append("backends")
    for b in data["backends"]:
        state = "available" if b["available"] else f"unavailable: {b['reason']}"
        lines.append(f"  {b['name']:<8} {state}  (priority {b['priority']}, from {b['plugin']})")
    if data["blocked"]:
        lines.append("")
        lines.append(f"blocked by {plugins.BLOCK_ENV}: {', '.join(data['blocked'])}")
        for name, entry in data.get("blocked_plugins", {}).items():
            lines.append(f"  {name}" + ("" if entry == name else f" (by {entry})"))
        unmatched = data.get("blocked_unmatched", [])
        if unmatched:
            lines.append(
                f"  matching no plugin: {', '.join(unmatched)} (give entry-point, distribution "
                "or built-in module names; case and -/_/. are ignored)"
            )
    if data["skipped"]:
        lines.append("")
        lines.append("skipped")
        lines += [f"  {name}: {why}" for name, why in data["skipped"].items()]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    data = report()
    if args.json:
        json.dump(data, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print(render(data))
    return 0
