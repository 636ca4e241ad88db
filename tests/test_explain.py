"""xformad.explain, the safe expression parser, graph pictures, the explain command and the
generated tutorial."""

from __future__ import annotations

import contextlib
import doctest
import importlib
import importlib.util
import io
import os

import numpy as np
import pytest

import xformad
from xformad.__main__ import main as cli_main
from xformad.explain import format_value
from xformad.expr import ExpressionError, parse_expression
from xformad.render import GraphvizNotFound, RenderError, dot_program, render

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
explain_module = importlib.import_module("xformad.explain")  # xformad.explain is the function
needs_dot = pytest.mark.skipif(dot_program() is None, reason="Graphviz's dot is not installed")


def seed(x1, x2):
    return np.log(x1) + x1 * x2 - np.sin(x2)


def rows_of(table) -> dict:
    """Last value shown per left-hand name (a name updated twice keeps its final value)."""
    return {name: value for name, _, value in table.rows}


def central_difference(f, args, i, h=1e-6):
    args = [np.array(a, dtype=float) for a in args]
    grad = np.zeros_like(args[i])
    for k in np.ndindex(args[i].shape):
        up = [a.copy() for a in args]
        down = [a.copy() for a in args]
        up[i][k] += h
        down[i][k] -= h
        grad[k] = (np.sum(f(*up)) - np.sum(f(*down))) / (2 * h)
    return grad


# --- the seed example, in the article's notation ------------------------------------------------
def test_seed_primal_trace_is_the_articles():
    e = xformad.explain(seed, 2.0, 5.0)
    assert [r[:2] for r in e.primal.rows] == [
        ("v₋₁", "x1"),
        ("v₀", "x2"),
        ("v₁", "ln v₋₁"),
        ("v₂", "v₋₁ × v₀"),
        ("v₃", "v₁ + v₂"),
        ("v₄", "sin v₀"),
        ("v₅", "v₃ − v₄"),
        ("y", "v₅"),
    ]
    assert [r[2] for r in e.primal.rows] == ["2", "5", "0.693", "10", "10.693", "−0.959", "11.652", "11.652"]
    assert float(e.value) == pytest.approx(11.652071455223084)


def test_seed_tangent_traces():
    e = xformad.explain(seed, 2.0, 5.0, mode="forward")
    assert e.reverse is None and len(e.forward) == 2
    first = e.forward[0]
    assert first.title.startswith("Forward tangent trace, ẋ1 = 1, ẋ2 = 0")
    assert ("v̇₁", "v̇₋₁ / v₋₁", "0.5") in first.rows
    assert ("v̇₂", "v̇₋₁ × v₀ + v̇₀ × v₋₁", "5") in first.rows
    assert ("v̇₄", "v̇₀ × cos v₀", "0") in first.rows
    assert first.rows[-1] == ("ẏ", "v̇₅", "5.5")
    assert rows_of(e.forward[1])["ẏ"] == "1.716"
    assert float(e.tangents["x1"]) == 5.5
    assert float(e.tangents["x2"]) == pytest.approx(2.0 - np.cos(5.0), abs=1e-15)


def test_seed_adjoint_trace():
    e = xformad.explain(seed, 2.0, 5.0, mode="reverse")
    assert e.forward == []
    rows = e.reverse.rows
    assert rows[0] == ("v̄₅", "ȳ", "1")
    assert ("v̄₄", "−v̄₅", "−1") in rows
    assert ("v̄₀", "v̄₀ + v̄₂ × v₋₁", "1.716") in rows
    assert ("v̄₋₁", "v̄₋₁ + v̄₁ / v₋₁", "5.5") in rows
    assert rows[-2:] == [("x̄1", "v̄₋₁", "5.5"), ("x̄2", "v̄₀", "1.716")]
    g1, g2 = xformad.grad(seed, argnums=(0, 1))(2.0, 5.0)
    assert e.gradient["x1"] == g1 and e.gradient["x2"] == g2


def test_every_intermediate_adjoint_is_the_derivative_of_y_by_that_value():
    # v̄₃ = ∂y/∂v₃ etc.: y = v₃ − v₄, v₃ = v₁ + v₂, so v̄₁ = v̄₂ = v̄₃ = 1 and v̄₄ = −1
    rows = rows_of(xformad.explain(seed, 2.0, 5.0, mode="reverse").reverse)
    assert (rows["v̄₁"], rows["v̄₂"], rows["v̄₃"], rows["v̄₄"]) == ("1", "1", "1", "−1")


def test_printed_tables_are_aligned():
    text = str(xformad.explain(seed, 2.0, 5.0))
    assert text.count("Forward tangent trace") == 2 and "Reverse adjoint trace, ȳ = 1" in text
    for block in text.split("\n\n"):
        lines = [line for line in block.splitlines()[2:]]
        columns = {explain_module._width(line.split(" = ")[0]) for line in lines}
        assert len(columns) == 1, block  # the first '=' of every line in one column


# --- any program ---------------------------------------------------------------------------
def network(x, w):
    return np.sum(np.tanh(x @ w) ** 2)


def test_arrays_shown_compactly_and_gradients_match_the_engine_and_fd():
    x = np.arange(6.0).reshape(2, 3) / 10
    w = np.linspace(-1.0, 1.0, 6).reshape(3, 2)
    e = xformad.explain(network, x, w)
    assert rows_of(e.primal)["v₋₁"] == "f64[2,3] [0, 0.1, 0.2, …, 0.5]"
    assert ("v₁", "v₋₁ @ v₀") in [r[:2] for r in e.primal.rows]
    reverse = [r[:2] for r in e.reverse.rows]
    assert ("v̄₋₁", "v̄₁ @ v₀ᵀ") in reverse and ("v̄₀", "v₋₁ᵀ @ v̄₁") in reverse
    gx, gw = xformad.grad(network, argnums=(0, 1))(x, w)
    np.testing.assert_array_equal(e.gradient["x"], gx)
    np.testing.assert_array_equal(e.gradient["w"], gw)
    np.testing.assert_allclose(e.gradient["x"], central_difference(network, (x, w), 0), rtol=1e-7)
    # forward traces are seeded with ones: the derivative along all elements at once
    assert float(e.tangents["w"]) == pytest.approx(float(np.sum(gw)), rel=1e-12)


def test_gradient_agrees_with_autograd():
    anp = pytest.importorskip("autograd.numpy")
    autograd = pytest.importorskip("autograd")

    def f(x, y):
        return np.sum(np.exp(-x) * np.sin(y) / (1.0 + x * x))

    def f_autograd(x, y):
        return anp.sum(anp.exp(-x) * anp.sin(y) / (1.0 + x * x))

    x, y = np.array([0.3, -1.2, 2.0]), np.array([1.5, 0.1, -0.7])
    e = xformad.explain(f, x, y, mode="reverse")
    np.testing.assert_allclose(e.gradient["x"], autograd.grad(f_autograd, 0)(x, y), rtol=1e-13)
    np.testing.assert_allclose(e.gradient["y"], autograd.grad(f_autograd, 1)(x, y), rtol=1e-13)


def test_input_used_twice_literals_unused_inputs_and_branches():
    def f(x, unused):
        return np.where(x > 0, x * x, -3.0 * x)

    e = xformad.explain(f, 3.0, 1.0)
    assert ("v̄₃", "where(v₁, 0, v̄₄)", "0") in e.reverse.rows
    assert ("v̄₋₁", "v̄₋₁ + (v̄₂ × v₋₁ + v̄₂ × v₋₁)", "6") in e.reverse.rows  # x * x: both edges
    assert float(e.gradient["x"]) == 6.0 and float(e.gradient["unused"]) == 0.0
    formulas = [r[1] for r in e.primal.rows]
    assert "(−3) × v₋₁" in formulas and "where(v₁, v₂, v₃)" in formulas
    assert ("v̇₁", "0 (no derivative)", "0") not in e.forward[0].rows  # bool: no tangent row
    assert float(e.tangents["unused"]) == 0.0


def test_several_outputs_and_pytree_inputs():
    def f(params):
        return params["a"] * params["b"], np.cos(params["a"])

    e = xformad.explain(f, {"a": 0.5, "b": 2.0})
    assert [r[1] for r in e.primal.rows[:2]] == ["params[0]", "params[1]"]
    assert e.reverse.title == "Reverse adjoint trace, ȳ1, ȳ2 = 1"
    # the adjoints of both outputs are summed, as a vjp with ones
    assert float(e.gradient["params[0]"]) == pytest.approx(2.0 - np.sin(0.5), abs=1e-15)
    assert [r[0] for r in e.forward[0].rows[-2:]] == ["ẏ1", "ẏ2"]


def test_indexing_is_shown_in_numpy_notation():
    def h(x):
        out = np.zeros_like(x)
        out[0] = x[0] * x[1:3].sum()
        return out.sum() + x[..., None][0, 0]

    x = np.array([1.0, 2.0, 3.0])
    e = xformad.explain(h, x)
    formulas = [r[1] for r in e.primal.rows]
    for text in ("v₀[0]", "v₀[1:3]", "v₁[0] ← v₅", "v₀[…, newaxis]", "v₈[0, 0]"):
        assert text in formulas, (text, formulas)
    assert ("v̇₃", "v̇₀[1:3]", "f64[2] [1, 1]") in e.forward[0].rows
    assert ("v̄₀", "v̄₀ + scatter v̄₃ to [1:3]") in [r[:2] for r in e.reverse.rows]
    np.testing.assert_array_equal(e.gradient["x"], xformad.grad(h)(x))
    np.testing.assert_allclose(e.gradient["x"], central_difference(h, (x,), 0), rtol=1e-8)


def test_multi_output_primitives_get_generic_partials():
    a = np.array([[2.0, 1.0], [1.0, 3.0]])
    e = xformad.explain(lambda m: np.linalg.eigh(m)[0].sum(), a)
    assert [r[1] for r in e.primal.rows[1:3]] == ["eigh[UPLO='L'] v₀ [0]", "eigh[UPLO='L'] v₀ [1]"]
    assert ("v̇₁", "∂v₁/∂v₀ v̇₀") in [r[:2] for r in e.forward[0].rows]
    assert ("v̄₀", "v̄₁ ∂v₁/∂v₀") in [r[:2] for r in e.reverse.rows]
    np.testing.assert_allclose(e.gradient["m"], np.eye(2), atol=1e-15)  # d tr(A)/dA = I


def test_argnums_picks_the_inputs_and_the_rest_are_constants():
    e = xformad.explain(seed, 2.0, 5.0, argnums=1)
    assert e.inputs == ["x2"] and e.primal.rows[0] == ("v₀", "x2", "5")
    assert "2 × v₀" in [r[1] for r in e.primal.rows]
    assert float(e.gradient["x2"]) == pytest.approx(2.0 - np.cos(5.0), abs=1e-15)
    assert len(e.derivative_graph().inputs) == 1


def test_derivative_graph_of_a_vector_output_is_that_of_its_sum():
    e = xformad.explain(lambda x: 3.0 * x * x, np.array([1.0, 2.0]))
    g = e.derivative_graph()
    from xformad import scheduler

    np.testing.assert_array_equal(scheduler.run(g, [np.array([1.0, 2.0])])[0], [6.0, 12.0])


def test_an_input_called_y_renames_the_output():
    e = xformad.explain(lambda x, y: x * y, 2.0, 3.0)
    assert e.primal.rows[-1] == ("f", "v₁", "6")


def test_format_value():
    assert format_value(2.0) == "2"
    assert format_value(-0.9589242746631385) == "−0.959"
    assert format_value(1.25e-7) == "1.250e−07"
    assert format_value(np.float32(0.5)) == "0.5"
    assert format_value(np.arange(6.0)) == "f64[6] [0, 1, 2, …, 5]"
    assert format_value(np.array([True, False])) == "bool[2] [True, False]"
    assert format_value(1 - 2j) == "1−2i"
    assert format_value(np.inf) == "inf"


def test_bad_calls_say_what_to_do():
    with pytest.raises(xformad.XformadError, match="mode must be one of both, forward, reverse"):
        xformad.explain(seed, 2.0, 5.0, mode="sideways")
    with pytest.raises(xformad.XformadError, match="the function first"):
        xformad.explain(2.0, seed)
    with pytest.raises(xformad.NonDifferentiableInputError, match="2.0 instead of"):
        xformad.explain(seed, 2, 5)


def test_docstring_examples_run():
    for module in (explain_module, importlib.import_module("xformad.expr")):
        assert doctest.testmod(module).failed == 0


def test_module_import_does_not_shadow_the_function():
    assert callable(xformad.explain)
    assert isinstance(xformad.explain(seed, 2.0, 5.0), explain_module.Explanation)


# --- graphs and pictures --------------------------------------------------------------------------
def test_dot_of_primal_and_derivative_graphs():
    e = xformad.explain(seed, 2.0, 5.0)
    dot = e.to_dot()
    assert '"v-1" [shape=ellipse, label="v-1\\nf64[]\\nx1 = 2"];' in dot
    assert 'label="v1 = log\\nf64[]\\n= 0.693"' in dot and '"v5" -> "out0";' in dot
    derivative = e.to_dot(derivative=True)
    assert derivative.startswith('digraph "derivative program"') and "cos" in derivative


def test_dot_of_multi_output_nodes_links_the_producing_box():
    graph = xformad.make_graph(lambda a: np.linalg.eigh(a)[0].sum() + np.linalg.eigh(a)[1].sum())
    try:
        g = graph(np.array([[2.0, 1.0], [1.0, 3.0]]))
    except xformad.UnsupportedOperation:
        pytest.skip("eigh is not a primitive in this build")
    dot = g.to_dot()
    boxes = {line.split('"')[1] for line in dot.splitlines() if "[shape=" in line}
    edges = [line.split('"')[1] for line in dot.splitlines() if "->" in line]
    assert set(edges) <= boxes


def test_dot_escapes_quotes():
    g = xformad.make_graph(seed)(2.0, 5.0)
    assert g.to_dot(title='a "quoted" title').startswith('digraph "a \\"quoted\\" title"')


@needs_dot
def test_render_svg_and_png(tmp_path):
    dot = xformad.explain(seed, 2.0, 5.0).to_dot()
    svg = render(dot, str(tmp_path / "g.svg"))
    assert "<svg" in open(svg).read()
    png = render(dot, str(tmp_path / "g.png"))
    assert open(png, "rb").read(8) == b"\x89PNG\r\n\x1a\n"


def test_missing_graphviz_is_explained(monkeypatch, tmp_path):
    monkeypatch.setenv("XFORMAD_DOT", "no-such-dot-program-xformad")
    with pytest.raises(GraphvizNotFound, match="apt-get install graphviz.*--dot"):
        render("digraph {}", str(tmp_path / "g.svg"))


def test_unknown_picture_format(tmp_path):
    with pytest.raises(RenderError, match="give the file a suffix among .svg, .png, .pdf"):
        render("digraph {}", str(tmp_path / "graph.bmp"))


def test_committed_seed_picture_is_the_seed_graph():
    text = open(os.path.join(ROOT, "examples", "seed_graph.svg"), encoding="utf-8").read()
    assert "<svg" in text and "<title>v5</title>" in text and "11.652" in text and "x1 = 2" in text


# --- the safe expression parser --------------------------------------------------------------
HOSTILE = [
    ("__import__('os')", "the function __import__"),
    ("__import__('os').system('ls')", "calling anything but a math function"),
    ("x.__class__", "attribute access"),
    ("np.sin(x)", "calling anything but a math function"),
    ("(lambda: 1)()", "calling anything but"),
    ("lambda x: x", "a lambda"),
    ("x[0]", "subscripting"),
    ("[i for i in x]", "a comprehension"),
    ("sum(i for i in x)", "the function sum"),
    ("__builtins__", "underscore"),
    ("_x + 1", "underscore"),
    ("eval('1')", "the function eval"),
    ("open('/etc/passwd')", "the function open"),
    ("'abc'", "a str constant"),
    ("True + x", "a bool constant"),
    ("x if y else 2", "a IfExp node"),
    ("x == y", "a Compare node"),
    ("(x := 3)", "a NamedExpr node"),
    ("x @ y", "the operator MatMult"),
    ("x // y", "the operator FloorDiv"),
    ("sin", "the function sin used as a value"),
    ("sin(x=1)", "a keyword argument"),
    ("f'{x}'", "a JoinedStr node"),
    ("[x, y]", "a List node"),
]


@pytest.mark.parametrize("text, reason", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_expressions_are_refused(text, reason):
    with pytest.raises(ExpressionError, match="not allowed") as info:
        parse_expression(text)
    assert reason in str(info.value)
    assert "Allowed: numbers, variable names" in str(info.value)


def test_malformed_and_oversized_expressions():
    with pytest.raises(ExpressionError, match="cannot parse"):
        parse_expression("x +* 2; import os")
    with pytest.raises(ExpressionError, match="takes 1 argument"):
        parse_expression("sin(x, y)")
    with pytest.raises(ExpressionError, match="takes 1 argument"):
        parse_expression("sin(*x)")
    with pytest.raises(ExpressionError, match="limit is"):
        parse_expression("x+" * 6000 + "x")
    for deep in ("-" * 300 + "x", "-" * 9000 + "x", "x" + "**x" * 3000):
        with pytest.raises(ExpressionError, match="nests deeper"):
            parse_expression(deep)
    with pytest.raises(ExpressionError, match="must be a string"):
        parse_expression(3)


def test_expressions_compute_what_numpy_computes():
    e = parse_expression("log(x1) + x1*x2 - sin(x2) + pi**2 / e - abs(-x1) + hypot(x1, x2)")
    assert e.variables == ("x1", "x2")
    x1, x2 = 2.0, 5.0
    expect = np.log(x1) + x1 * x2 - np.sin(x2) + np.pi**2 / np.e - abs(-x1) + np.hypot(x1, x2)
    assert float(e.as_function()(x1, x2)) == pytest.approx(expect, rel=1e-15)
    with np.errstate(over="ignore"):
        assert float(parse_expression("2**10**10").as_function(("x",))(1.0)) == np.inf  # no bignum hang
    with pytest.raises(ExpressionError, match="no value is given for it"):
        parse_expression("x*y").as_function(("x",))


def test_expression_functions_differentiate():
    f = parse_expression("log(x1) + x1*x2 - sin(x2)").as_function()
    assert [round(float(g), 6) for g in xformad.grad(f, argnums=(0, 1))(2.0, 5.0)] == [5.5, 1.716338]


# --- the command -----------------------------------------------------------------------------
def run_cli(*argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = cli_main(["explain", *argv])
    return rc, out.getvalue(), err.getvalue()


def test_cli_prints_the_three_traces():
    rc, out, err = run_cli("log(x1) + x1*x2 - sin(x2)", "--at", "x1=2", "x2=5")
    assert rc == 0 and err == ""
    assert "v₁  = ln v₋₁   = 0.693" in out
    assert "ẏ   = v̇₅                  = 5.5" in out
    assert "x̄1  = v̄₋₁            = 5.5" in out and "x̄2  = v̄₀             = 1.716" in out


def test_cli_refuses_hostile_input_without_running_it(tmp_path):
    marker = tmp_path / "pwned"
    rc, out, err = run_cli(f"__import__('os').system('touch {marker}')", "--at", "x=1")
    assert rc == 2 and out == "" and not marker.exists()
    assert err.startswith("error: ") and "not allowed in an expression" in err


def test_cli_point_errors():
    rc, _, err = run_cli("x*y", "--at", "x=1")
    assert rc == 2 and "uses y but --at gives no value for it: add y=..." in err
    rc, _, err = run_cli("x", "--at", "x=abc")
    assert rc == 2 and "must be a number or a comma-separated list" in err
    rc, _, err = run_cli("x", "--at", "x")
    assert rc == 2 and "NAME=VALUE pairs" in err
    rc, _, err = run_cli("x", "--at", "x=1", "x=2")
    assert rc == 2 and "gives x twice" in err
    rc, _, err = run_cli("2 + 3")
    assert rc == 2 and "no variables" in err


def test_cli_arrays_modes_and_dot():
    rc, out, _ = run_cli("sin(x) * w", "--at", "x=1,2,3", "w=2", "--mode", "reverse", "--dot")
    assert rc == 0 and "Forward tangent" not in out and "f64[3] [0.841, 0.909, 0.141]" in out
    assert 'digraph "primal"' in out
    rc, out, _ = run_cli("x*x", "--at", "x=3", "--mode", "forward", "--dot", "--graph", "derivative")
    assert rc == 0 and "Reverse adjoint" not in out and 'digraph "derivative program"' in out


@needs_dot
def test_cli_draws_pictures(tmp_path):
    png, svg = tmp_path / "g.png", tmp_path / "g.svg"
    rc, out, _ = run_cli("x*y", "--at", "x=1", "y=2", "--png", str(png), "--svg", str(svg))
    assert rc == 0 and f"wrote {png}" in out
    assert png.read_bytes()[:4] == b"\x89PNG" and "<svg" in svg.read_text()


def test_cli_without_graphviz_says_so(monkeypatch, tmp_path):
    monkeypatch.setenv("XFORMAD_DOT", "no-such-dot-program-xformad")
    rc, out, err = run_cli("x*y", "--at", "x=1", "y=2", "--svg", str(tmp_path / "g.svg"))
    assert rc == 2 and "Graphviz's `dot` program is not installed" in err
    assert "v₁" in out  # the tables were still printed


# --- the tutorial ---------------------------------------------------------------------------------
def test_tutorial_is_not_stale():
    pytest.importorskip("sympy")
    spec = importlib.util.spec_from_file_location(
        "gen_tutorial", os.path.join(ROOT, "docs", "gen_tutorial.py")
    )
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    with open(os.path.join(ROOT, "docs", "tutorial.md"), encoding="utf-8") as fh:
        committed = fh.read()
    assert committed == gen.build_tutorial(), (
        "docs/tutorial.md differs from what xformad prints now: run `PYTHONPATH=. python "
        "docs/gen_tutorial.py` and commit the result"
    )
