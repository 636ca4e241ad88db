"""``python -m xformad explain``: every malformed input is one line ``error: ...`` on stderr
with exit code 2 (as argparse's own errors), never a traceback, and says what to do."""

from __future__ import annotations

import contextlib
import io
import os
import pathlib
import subprocess
import sys

import pytest

import xformad
from xformad.__main__ import main as cli_main
from xformad.errors import InvalidArgumentError
from xformad.expr import ExpressionError, parse_expression

BIG = "9" * 400  # a 400-digit integer: beyond float64 (about 1.8e308)


def run_cli(*argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = cli_main(["explain", *argv])
    return rc, out.getvalue(), err.getvalue()


def refused(*argv) -> str:
    """Run the command, check it failed cleanly, return its one error line."""
    rc, out, err = run_cli(*argv)
    assert rc == 2, (rc, out, err)
    assert out == ""
    assert err.startswith("error: ") and err.endswith("\n") and err.count("\n") == 1, err
    assert "Traceback" not in err
    assert len(err) < 1200, "the message must not echo a huge input back"
    return err


CASES = [
    # (argv, what the message must say)
    ((f"x + {BIG}", "--at", "x=1"), "is too large for float64"),
    ((f"{BIG} * x", "--at", "x=1"), "999999999999999…999999999999999"),
    (("1e400 * x", "--at", "x=1"), "'1e400' in the expression is too large for float64"),
    (("x + " + "1" * 5000, "--at", "x=1"), "a number in the expression has thousands of digits"),
    (("x", "--at", f"x={BIG}"), "--at x ('999999999999999…999999999999999') is too large for float64"),
    (("x", "--at", f"x=1,{BIG}"), "--at x: entry 2"),
    (("x", "--at", "x=1e400"), "too large for float64"),
    (("x", "--at", "lambda=2"), "lambda is a Python keyword, so an expression cannot use it as a variable"),
    (("x", "--at", "None=2"), "None is a Python keyword"),
    (("x", "--at", "True=2"), "True is a Python keyword"),
    (("x", "--at", "sin=2"), "sin is the name of a math function"),
    (("x", "--at", "_x=2"), "starts with an underscore"),
    (("x", "--at", "x-1=2"), "'x-1' is not a variable name"),
    (("x*y", "--at", "x=1,2,3", "y=1,2"), "lists of different lengths (x has 3, y has 2 values)"),
    (("x", "--at", "x=1", "--digits", "-5"), "must be a whole number from 0 to 20, got -5"),
    (("x", "--at", "x=1", "--digits", "1000"), "from 0 to 20, got 1000"),
    (("", "--at", "x=1"), "the expression is empty"),
    (("   ", "--at", "x=1"), "the expression is empty"),
    (("foo(x)", "--at", "x=1"), "the function foo is not allowed"),
    (("np.sin(x)", "--at", "x=1"), "calling anything but a math function"),
    (("sin(x, x)", "--at", "x=1"), "sin takes 1 argument(s), got 2"),
    (("x +", "--at", "x=1"), "cannot parse 'x +'"),
    (("x\0", "--at", "x=1"), "cannot parse"),
    (("x\udcff", "--at", "x=1"), "bytes that are not UTF-8"),
    (("(" * 300 + "x" + ")" * 300, "--at", "x=1"), "too many nested parentheses"),
    (("x", "--at", "x="), "no value after ="),
    (("x", "--at", "=3"), "the variable name before = is missing"),
    (("x", "--at", " =3"), "the variable name before = is missing"),
    (("x", "--at", "x"), "NAME=VALUE pairs"),
    (("x", "--at", "x=nan"), "--at x ('nan') is nan"),
    (("x", "--at", "x=NaN"), "is nan"),
    (("x", "--at", "x=inf"), "--at x ('inf') is infinite"),
    (("x", "--at", "x=-Infinity"), "is infinite"),
    (("x", "--at", "x=1,nan,3"), "--at x: entry 2 ('nan') is nan"),
    (("x", "--at", "x=1,,2"), "an entry of the list is empty"),
    (("x", "--at", "x=1,"), "an entry of the list is empty"),
    (("x", "--at", "x=,"), "an entry of the list is empty"),
    (("x", "--at", "x=abc"), "'abc' is not a number"),
    (("x", "--at", "x=1j"), "'1j' is not a number"),
    (("x", "--at", "x=1", "x=2"), "gives x twice"),
    (("x", "--at", "ｘ=1", "x=2"), "gives x twice"),  # NFKC: the parser's spelling of names
    (("x*y", "--at", "x=1"), "uses y but --at gives no value for it: add y=..."),
    (("x", "--at", "X=1"), "names are case-sensitive: --at gives X for x"),
    (("2 + 3",), "no variables"),
    (("x",), "uses x but --at gives no value"),
]


@pytest.mark.parametrize("argv, says", CASES, ids=[repr(c[0])[:60] for c in CASES])
def test_malformed_input_is_one_clear_line(argv, says):
    err = refused(*argv)
    assert says in err, err


def test_a_400_digit_literal_is_refused_before_anything_runs():
    with pytest.raises(ExpressionError, match="too large for float64"):
        parse_expression(f"x + {BIG}")
    with pytest.raises(ExpressionError, match="too large for float64"):
        parse_expression(f"-{BIG}")
    # a large but finite literal is fine
    assert parse_expression("1e308 * x").variables == ("x",)


def test_explain_checks_digits():
    with pytest.raises(InvalidArgumentError, match="from 0 to 20") as info:
        xformad.explain(lambda x: x * x, 2.0, digits=-1)
    assert isinstance(info.value, ValueError)
    for bad in (21, 2.5, True, "3"):
        with pytest.raises(InvalidArgumentError):
            xformad.explain(lambda x: x * x, 2.0, digits=bad)
    assert "= 4" in str(xformad.explain(lambda x: x * x, 2.0, digits=0))
    assert str(xformad.explain(lambda x: x / 3, 1.0, digits=20))


def test_edge_values_that_are_fine():
    # a list broadcasts against single numbers, unused variables are allowed, unicode names
    # fold as the parser folds them, tiny numbers underflow to 0 quietly
    rc, out, err = run_cli("x*y", "--at", "x=1,2,3", "y=5")
    assert rc == 0 and err == "" and "f64[3] [5, 5, 5]" in out
    rc, out, err = run_cli("ｘ*2", "--at", "x=2")
    assert rc == 0 and err == ""
    rc, out, err = run_cli("x", "--at", "x=1e-400", "y=1,2")
    assert rc == 0 and err == ""
    rc, out, err = run_cli("x", "--at", "x=1_000")
    assert rc == 0 and "1000" in out


def test_singular_points_run_and_say_so_without_numpy_warnings():
    rc, out, err = run_cli("log(x) + 1/y", "--at", "x=-1", "y=0")
    assert rc == 0 and "nan" in out and "inf" in out
    assert err.startswith("note: the value or a derivative is nan or inf") and err.count("\n") == 1
    assert "RuntimeWarning" not in err


def test_argparse_own_errors_exit_2():
    with contextlib.redirect_stderr(io.StringIO()) as err, pytest.raises(SystemExit) as info:
        cli_main(["explain", "x", "--at", "x=1", "--digits", "abc"])
    assert info.value.code == 2 and "invalid int value: 'abc'" in err.getvalue()


def _run_module(*argv, env_extra=None):
    root = str(pathlib.Path(__file__).parents[1])
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([root, os.environ.get("PYTHONPATH", "")]))
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, "-m", "xformad", "explain", *argv],
        capture_output=True,
        timeout=120,
        cwd=root,
        env=env,
    )


def test_as_a_process_exit_code_2_and_no_traceback():
    done = _run_module("x*y", "--at", "x=1,2,3", "y=1,2")
    assert done.returncode == 2 and done.stdout == b""
    err = done.stderr.decode()
    assert err.startswith("error: --at gives lists of different lengths") and "Traceback" not in err


def test_undecodable_bytes_on_the_command_line():
    done = _run_module(os.fsdecode(b"x\xff"), "--at", "x=1")
    assert done.returncode == 2 and b"not UTF-8" in done.stderr and b"Traceback" not in done.stderr


def test_a_terminal_that_cannot_show_the_notation():
    done = _run_module("x", "--at", "x=1", env_extra={"PYTHONIOENCODING": "ascii"})
    err = done.stderr.decode("ascii")
    assert done.returncode == 2 and "Traceback" not in err
    assert "PYTHONIOENCODING=utf-8" in err
    done = _run_module(f"x + {BIG}", "--at", "x=1", env_extra={"PYTHONIOENCODING": "ascii"})
    err = done.stderr.decode("ascii")  # the message itself is made printable
    assert done.returncode == 2 and "too large for float64" in err and "Traceback" not in err
