"""The coverage listing (docs/coverage.md), computed from the registry.

Supported: every numpy callable that has a handler in the built-in registry (installed
third-party plugins are left out, so the page is the same on every machine). Unsupported:
every public numpy ufunc and every public function numpy dispatches through
``__array_function__`` (in ``numpy``, ``numpy.linalg`` and ``numpy.fft``) that has none.
The project's own scipy plugin (plugins/xformad-scipy, installed by the README's test
command) has a section of its own, from its families' ``COVERAGE`` tables.

>>> from xformad.coverage import render
>>> "np.sin" in render()
True
"""

from __future__ import annotations

import importlib

import numpy as np
import pluggy

from . import hookspecs, plugins

COMMAND = "python -m xformad coverage --write docs/coverage.md"
NAMESPACES = (("np", np), ("np.linalg", np.linalg), ("np.fft", np.fft))
GROUPS = ("ufuncs", "numpy functions", "np.linalg", "np.fft", "other")

# Public dispatched functions that build, describe or store arrays rather than compute
# with their values: listed apart from the unsupported math, since no derivative exists.
_UTILITY = frozenset(
    """
array asarray asanyarray array2string array_repr array_str save savez savez_compressed
savetxt load loadtxt genfromtxt fromfile frombuffer fromstring fromiter fromfunction fromregex
shares_memory may_share_memory min_scalar_type can_cast datetime_as_string busday_count
busday_offset is_busday datetime_data unravel_index ravel_multi_index packbits unpackbits
empty zeros ones full arange linspace logspace geomspace eye identity tri asfortranarray
ascontiguousarray require asarray_chkfinite isfortran byte_bounds info setbufsize getbufsize
seterr geterr seterrcall geterrcall issubdtype isdtype common_type mintypecode typename
iterable printoptions get_printoptions set_printoptions format_float_positional
format_float_scientific base_repr binary_repr copy empty_like ndindex nditer nested_iters
show_config show_runtime
    """.split()
)


def _array_functions() -> set:
    overrides = importlib.import_module("numpy._core.overrides")
    return set(getattr(overrides, "ARRAY_FUNCTIONS", ()))


def public_callables() -> dict:
    """{callable: [public names]}: numpy's ufuncs and dispatched functions, by object."""
    dispatched = _array_functions()
    names: dict = {}
    for prefix, namespace in NAMESPACES:
        for attr in sorted(dir(namespace)):
            if attr.startswith("_"):
                continue
            obj = getattr(namespace, attr, None)
            if not callable(obj) or isinstance(obj, type):
                continue
            is_ufunc = isinstance(obj, np.ufunc)
            if not (is_ufunc or obj in dispatched or hasattr(obj, "_implementation")):
                continue
            if is_ufunc and prefix != "np":
                continue
            names.setdefault(obj, []).append(f"{prefix}.{attr}")
    return names


def builtin_registry():
    """The registry of xformad's own plugins only (no entry points): a reproducible page."""
    pm = pluggy.PluginManager("xformad")
    pm.add_hookspecs(hookspecs)
    for name in plugins.BUILTIN_PLUGINS:
        pm.register(importlib.import_module(name), name=name)
    return plugins.build_registry(pm)


def _group(obj, names: list) -> str:
    if isinstance(obj, np.ufunc):
        return "ufuncs"
    first = names[0]
    for prefix in ("np.linalg", "np.fft"):
        if first.startswith(prefix + "."):
            return prefix
    return "numpy functions" if first.startswith("np.") else "other"


def _primary(obj, names: list) -> str:
    """The name numpy gives the object itself, falling back to the first public alias."""
    own = getattr(obj, "__name__", None)
    for n in names:
        if n.rsplit(".", 1)[1] == own:
            return n
    return names[0]


def _label(obj, names: list) -> str:
    primary = _primary(obj, names)
    aliases = [n for n in names if n != primary]
    return f"`{primary}`" + (f" (also {', '.join(f'`{a}`' for a in aliases)})" if aliases else "")


def listing(registry=None) -> tuple[dict, dict, list]:
    """(supported, unsupported, utilities): group -> sorted [(label, implementing module)]."""
    registry = registry or builtin_registry()
    handlers = registry.handlers
    public = public_callables()
    supported = {g: [] for g in GROUPS}
    unsupported = {g: [] for g in GROUPS}
    utilities = []
    for obj, names in public.items():
        group = _group(obj, names)
        handler = handlers.get(obj)
        if handler is not None:
            module = getattr(handler, "__module__", "").replace("xformad.", "")
            supported[group].append((_label(obj, names), module))
        elif _primary(obj, names).rsplit(".", 1)[1] in _UTILITY:
            utilities.append(_label(obj, names))
        else:
            unsupported[group].append((_label(obj, names), ""))
    for fn in handlers:  # handlers for callables outside the public namespaces
        if fn not in public:
            label = f"`{getattr(fn, '__module__', '?')}.{getattr(fn, '__name__', repr(fn))}`"
            module = getattr(handlers[fn], "__module__", "").replace("xformad.", "")
            supported["other"].append((label, module))
    for table in (supported, unsupported):
        for g in GROUPS:
            table[g].sort(key=lambda row: _sort_key(row[0]))
    return supported, unsupported, sorted(utilities, key=_sort_key)


def _sort_key(label: str) -> str:
    """Sort by the bare name: `np.arctan` before `np.arctan2`."""
    return label.split("`")[1].lower()


_PREAMBLE = """\
# Coverage: the numpy that xformad differentiates

Generated from the registry by `{command}` (numpy {numpy}); do not edit by hand.
`tests/test_coverage_doc.py` fails when this page is stale: rerun the command.

- **Supported** ({n_supported} callables): numpy calls xformad intercepts (through
  `__array_ufunc__` / `__array_function__`) and lowers onto primitives with derivative
  rules, in forward and reverse mode, to any order. Piecewise-constant and boolean functions
  (`floor`, `sign`, `argmax`, comparisons, `isclose`, ...) are supported with a zero
  derivative. The implementing module is under `xformad/`.
- **Unsupported** ({n_unsupported}): public numpy functions with no handler. Calling one on a
  traced value first tries numpy's own Python implementation (which often works, being
  written with supported calls); where that converts to a plain ndarray, xformad raises
  `UnsupportedOperation` naming the function. A plugin can add any of them.
- Complex numbers follow JAX and autograd: see [complex.md](complex.md).
- Gradients through `np.where`, `np.maximum`/`minimum`, `clip` and `max`/`min` never pick
  up NaN from a branch that was not taken: see [nan_rule.md](nan_rule.md).
- In-place writes (`x[i] = v`, `x[mask] = v`, `x[1:3] += v`, `x *= 2`, `out=` on a traced
  array, `np.add.at` and every other `ufunc.at`, repeated indices applied in order as
  numpy does) are functional updates that differentiate, and views keep numpy's
  sharing (`row = M[0]; row += v` changes `M`): see `xformad/views.py`.
- Arrays made inside the traced function (`np.zeros/ones/empty/full`, their `_like` forms,
  `np.eye`, `np.identity`, `np.copy`, copies made by `np.array`) take traced values written
  into them (`xformad/buffers.py`). A traced value written into an array made *outside*
  the function raises `TracerConversionError` naming the fix.
- Intercepted while a trace is open (`xformad/intercept.py`; outside traces numpy is
  untouched), listed below: array creation and conversion, lists where numpy expects arrays
  (`np.sum([a, b])`, `np.r_[...]`, `np.c_[...]`), `np.float64(x)`, `np.vectorize`, Python's
  `math`, and numpy's random draws (traced parameters reparameterised; under `jit` the
  draws are program nodes). A ufunc called on a list of traced values (`np.exp([a, b])`)
  is not: numpy converts the list first, and the error names `np.stack([a, b])`.
"""


# math functions newer than Python 3.10: listed on every Python, so the page is the same
_NEWER_PYTHON = {("math", "cbrt"), ("math", "exp2")}


def _short_module(name: str) -> str:
    return name.replace("numpy", "np", 1) if name.startswith("numpy") else name


def _table(rows: list, with_module: bool) -> list[str]:
    if not rows:
        return ["(none)", ""]
    if not with_module:
        return [", ".join(label for label, _ in rows), ""]
    lines = ["| numpy | implemented in |", "|---|---|"]
    lines += [f"| {label} | `{module}` |" for label, module in rows]
    return lines + [""]


def render(registry=None) -> str:
    """The full text of docs/coverage.md."""
    supported, unsupported, utilities = listing(registry)
    n_sup = sum(len(v) for v in supported.values())
    n_uns = sum(len(v) for v in unsupported.values())
    out = [
        _PREAMBLE.format(command=COMMAND, numpy=np.__version__, n_supported=n_sup, n_unsupported=n_uns),
        "## Supported",
        "",
    ]
    for g in GROUPS:
        if supported[g]:
            out += [f"### {g} ({len(supported[g])})", ""] + _table(supported[g], True)
    keys = set((registry or builtin_registry()).interceptions) | _NEWER_PYTHON
    intercepted = sorted(
        f"`{_short_module(m)}.{n}`" + (" (3.11+)" if k in _NEWER_PYTHON else "") for k in keys for m, n in [k]
    )
    out += [f"### Intercepted while a trace is open ({len(intercepted)})", "", ", ".join(intercepted), ""]
    out += _scipy_section()
    out += ["## Unsupported", ""]
    for g in GROUPS:
        if unsupported[g]:
            out += [f"### {g} ({len(unsupported[g])})", ""] + _table(unsupported[g], False)
    out += [
        f"### Utilities with no derivative to take ({len(utilities)})",
        "",
        "Construction, I/O, printing and dtype helpers: called on traced values they either",
        "work on the shape/dtype alone or raise `TracerConversionError`.",
        "",
        ", ".join(utilities),
        "",
    ]
    return "\n".join(out)


def _scipy_section() -> list[str]:
    """What the project's scipy plugin (plugins/xformad-scipy) serves, family by family,
    from each family's COVERAGE table; a line saying how to get it where it is not installed."""
    try:
        from xformad_scipy.plugin import FAMILIES, family
    except ImportError:
        return [
            "### scipy (the xformad-scipy plugin)",
            "",
            "Not installed here: `pip install -e plugins/xformad-scipy` lists it.",
            "",
        ]
    rows = [row for name in FAMILIES.values() for row in getattr(family(name), "COVERAGE", ())]
    out = [
        f"### scipy (the xformad-scipy plugin, {len(rows)})",
        "",
        "Served in both modes, eager and under jit; calls with no traced argument are scipy's.",
        "",
        "| scipy | differentiable in | notes |",
        "|---|---|---|",
    ]
    out += [f"| `{name}` | {args or '(none)'} | {note} |" for name, args, note in rows]
    return out + [""]


def recorded_numpy_version(text: str) -> str | None:
    """The numpy version a coverage page was generated with (its header records it)."""
    marker = "(numpy "
    start = text.find(marker)
    if start < 0:
        return None
    end = text.find(")", start)
    return text[start + len(marker) : end]
