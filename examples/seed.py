"""The seed example of Baydin et al.: f(x1, x2) = ln(x1) + x1*x2 - sin(x2) at (2, 5).

Prints the value, both partial derivatives by reverse mode (grad) and forward mode (jvp),
and the Wengert list xformad traced, then the derivative program it built from it.
"""

import numpy as np

import xformad


def f(x1, x2):
    return np.log(x1) + x1 * x2 - np.sin(x2)


def main() -> None:
    x1, x2 = 2.0, 5.0
    value, (d1, d2) = xformad.value_and_grad(f, argnums=(0, 1))(x1, x2)
    print(f"f(2, 5)             = {value:.12f}")
    print(f"reverse  df/dx1     = {d1:.12f}")
    print(f"reverse  df/dx2     = {d2:.12f}")
    _, t1 = xformad.jvp(f, (x1, x2), (1.0, 0.0))
    _, t2 = xformad.jvp(f, (x1, x2), (0.0, 1.0))
    print(f"forward  df/dx1     = {t1:.12f}")
    print(f"forward  df/dx2     = {t2:.12f}")
    print("\nThe Wengert list of f (primal trace):")
    print(xformad.make_graph(f)(x1, x2))
    print("\nThe derivative program of grad(f) (forward sweep, then adjoints):")
    print(xformad.make_graph(xformad.grad(f, argnums=(0, 1)))(x1, x2))


if __name__ == "__main__":
    main()
