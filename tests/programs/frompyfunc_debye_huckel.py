"""Ion activity coefficients of an electrolyte mixture by the extended Debye-Hueckel law,
the per-ion formula a Python function turned into a ufunc with np.frompyfunc(f, 2, 1) and
applied to (charge, ionic strength); the object result is cast with .astype(float). Fit of
the concentrations to measured log activity coefficients."""

import numpy as np

from . import Program


def log10_activity(charge, ionic_strength, A=0.509, Ba=1.3):
    s = np.sqrt(ionic_strength)
    return -A * charge**2 * s / (1.0 + Ba * s)


def activity_misfit(conc, charges, observed):
    ionic_strength = 0.5 * np.sum(conc * charges**2)
    log_gamma = np.frompyfunc(log10_activity, 2, 1)(charges, ionic_strength).astype(float)
    return np.sum((log_gamma - observed) ** 2) + 0.01 * np.sum(conc * charges) ** 2


def make_args(rng):
    charges = np.array([1.0, -1.0, 2.0, -2.0, 1.0])
    conc = np.array([0.05, 0.07, 0.02, 0.01, 0.01])
    observed = np.frompyfunc(log10_activity, 2, 1)(charges, 0.12).astype(float)
    return conc * np.exp(0.1 * rng.standard_normal(5)), charges, observed


PROGRAM = Program(
    "frompyfunc_debye_huckel",
    activity_misfit,
    make_args,
    order=2,
    autograd=False,
    jax=True,
    note="the np.frompyfunc ufunc refuses autograd's boxes (its __array_ufunc__ returns NotImplemented)",
)
