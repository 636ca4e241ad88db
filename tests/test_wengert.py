"""The printed IR: golden Wengert lists for the seed function and its derivative."""

from __future__ import annotations

import numpy as np

import xformad


def seed(x1, x2):
    return np.log(x1) + x1 * x2 - np.sin(x2)


SEED_GRAPH = """\
{ lambda v-1:f64[] v0:f64[] .
  let v1:f64[] = log v-1
      v2:f64[] = multiply v-1 v0
      v3:f64[] = add v1 v2
      v4:f64[] = sin v0
      v5:f64[] = subtract v3 v4
  in ( v5 ) }"""

SEED_GRAD_GRAPH = """\
{ lambda v-1:f64[] v0:f64[] .
  let v1:f64[] = log v-1
      v2:f64[] = multiply v-1 v0
      v3:f64[] = add v1 v2
      v4:f64[] = sin v0
      v5:f64[] = subtract v3 v4
      v6:f64[] = cos v0
      v7:f64[] = multiply -1.0 v6
      v8:f64[] = add v7 v-1
      v9:f64[] = divide 1 v-1
      v10:f64[] = add v0 v9
  in ( v10 v8 ) }"""


def test_seed_wengert_list():
    assert str(xformad.make_graph(seed)(2.0, 5.0)) == SEED_GRAPH


def test_seed_derivative_program():
    assert str(xformad.make_graph(xformad.grad(seed, argnums=(0, 1)))(2.0, 5.0)) == SEED_GRAD_GRAPH


def test_shapes_and_dtypes_on_every_binder():
    g = xformad.make_graph(lambda x, w: np.tanh(x @ w).sum(axis=0))(
        np.ones((4, 3), np.float32), np.ones((3, 2))
    )
    text = str(g)
    assert "v-1:f32[4,3] v0:f64[3,2]" in text
    assert "v1:f64[4,2] = matmul v-1 v0" in text
    assert "reduce_sum[axis=(0,) keepdims=False]" in text


def test_derivative_graph_runs_on_the_scheduler():
    from xformad import scheduler

    g = xformad.make_graph(xformad.grad(seed, argnums=(0, 1)))(2.0, 5.0)
    out = scheduler.run(g, [np.float64(3.0), np.float64(0.5)])
    expected = xformad.grad(seed, argnums=(0, 1))(3.0, 0.5)
    assert out == list(expected)


def test_to_dot_names_every_node():
    dot = xformad.make_graph(seed)(2.0, 5.0).to_dot()
    assert dot.startswith("digraph")
    for name in ("log", "multiply", "add", "sin", "subtract"):
        assert name in dot


def test_integer_labels_indexing_a_plain_array_are_guarded_inputs():
    def loss(w, labels):
        onehot = np.eye(3)[labels]  # numpy is handed the labels' value, which the graph guards
        return np.sum(onehot * w)

    w, labels = np.ones((4, 3)), np.array([0, 2, 1, 1])
    graph = xformad.make_graph(loss)(w, labels)
    assert [str(v.dtype) for v in graph.inputs] == ["float64", "int64"]
    assert "const:f64[4,3]" in str(graph)
    assert [g.kind for g in graph.guards] == ["array"] and graph.guards[0].var is graph.inputs[1]
