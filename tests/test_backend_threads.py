"""The backend selection is per thread: ``backends.using(...)`` in one thread is not seen by
another, a new thread starts on numpy, and nothing stays switched on after a thread ends."""

from __future__ import annotations

import threading

import numpy as np

import xformad
import xformad.backends as backends

from . import fake_device
from .fake_device import DeviceArray

TIMEOUT = 30  # seconds: a hung test fails instead of blocking the suite


def _run(target, *args) -> None:
    """Run ``target`` in a thread, re-raising what it raised here."""
    errors: list = []

    def body():
        try:
            target(*args)
        except BaseException as exc:  # noqa: BLE001 (handed to the test thread)
            errors.append(exc)

    t = threading.Thread(target=body)
    t.start()
    t.join(TIMEOUT)
    assert not t.is_alive(), "the thread did not finish"
    if errors:
        raise errors[0]


def test_a_using_block_is_not_seen_by_another_thread(fake_device_backend):
    numpy_backend = backends.active()
    assert numpy_backend is backends.get_backend("numpy")  # the registry's, after a reset
    inside, checked = threading.Event(), threading.Event()
    seen = {}

    def switcher():
        with backends.using(fake_device_backend):
            seen["own"] = backends.active()
            inside.set()
            assert checked.wait(TIMEOUT)
        seen["after"] = backends.active()

    def observer():
        assert inside.wait(TIMEOUT)
        seen["other"] = backends.active()
        seen["other_raw"] = backends._active.backend  # what Primitive.impl reads first
        checked.set()

    t1 = threading.Thread(target=switcher)
    t2 = threading.Thread(target=observer)
    t1.start()
    t2.start()
    t1.join(TIMEOUT)
    t2.join(TIMEOUT)
    assert seen["own"] is fake_device_backend
    assert seen["other"] is numpy_backend and seen["other_raw"] is None
    assert seen["after"] is numpy_backend
    assert backends.active() is numpy_backend  # the main thread never switched


def test_the_main_threads_backend_is_not_inherited_by_a_new_thread(fake_device_backend):
    seen = {}

    def child():
        seen["child"] = backends.active()
        # a numpy computation in the child runs on numpy, not on the parent's device
        seen["grad"] = xformad.grad(lambda x: np.sum(np.sin(x)))(np.array([0.0, 1.0]))

    with backends.using(fake_device_backend):
        _run(child)
        assert backends.active() is fake_device_backend
    assert seen["child"].name == "numpy"
    assert type(seen["grad"]) is np.ndarray
    np.testing.assert_allclose(seen["grad"], np.cos([0.0, 1.0]))


def test_nothing_stays_switched_on_after_a_thread_ends(fake_device_backend):
    def leaves_it_on():
        backends.using(fake_device_backend).__enter__()  # never exited
        assert backends.active() is fake_device_backend

    _run(leaves_it_on)
    assert backends.active().name == "numpy"
    seen = []
    _run(lambda: seen.append(backends.active()))
    assert seen[0].name == "numpy"


def test_transforms_in_concurrent_threads_each_keep_their_backend(fake_device_backend):
    """Device and host gradients computed at once in many threads: each result is on the
    side its inputs came from and has the right value."""
    n_threads, rounds = 8, 25
    barrier = threading.Barrier(n_threads)
    failures: list = []

    def f(x):
        return np.sum(np.tanh(x) * x)

    def expected(x):
        return np.tanh(x) + x * (1 - np.tanh(x) ** 2)

    def worker(k):
        try:
            x = np.linspace(-1.0, 1.0, 5) + k
            barrier.wait(TIMEOUT)
            for r in range(rounds):
                if (k + r) % 2:
                    g = xformad.grad(f)(fake_device.to_device(x))
                    assert type(g) is DeviceArray, type(g)
                    g = fake_device.to_host(g)
                else:
                    with backends.using(backends.get_backend("numpy")):
                        g = xformad.grad(f)(x)
                    assert type(g) is np.ndarray, type(g)
                np.testing.assert_allclose(g, expected(x), rtol=1e-12)
                assert backends._active.backend is None  # each transform switched back
        except BaseException as exc:  # noqa: BLE001
            failures.append(exc)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT)
    assert not any(t.is_alive() for t in threads)
    if failures:
        raise failures[0]
    assert backends.active().name == "numpy"


def test_nested_using_restores_each_level_per_thread(fake_device_backend):
    numpy_backend = backends.get_backend("numpy")

    def nested():
        with backends.using(fake_device_backend):
            with backends.using(numpy_backend):
                assert backends.active() is numpy_backend
            assert backends.active() is fake_device_backend
        assert backends._active.backend is None

    _run(nested)
    nested()
