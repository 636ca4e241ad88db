"""Kalman filter log-likelihood of a noisy random walk with drift, in the noise log-variances."""

import numpy as np

from . import Program


def kalman_loglik(log_noise, observations):
    q, r = np.exp(log_noise)
    F = np.array([[1.0, 1.0], [0.0, 1.0]])
    H = np.array([[1.0, 0.0]])
    Q = q * np.eye(2)
    mean, cov = np.zeros(2), np.eye(2)
    loglik = 0.0
    for y in observations:
        mean = F @ mean
        cov = F @ cov @ F.T + Q
        innovation = y - H @ mean
        S = H @ cov @ H.T + r
        gain = cov @ H.T @ np.linalg.inv(S)
        mean = mean + gain @ innovation
        cov = (np.eye(2) - gain @ H) @ cov
        loglik = loglik - 0.5 * (np.log(2 * np.pi * S[0, 0]) + innovation[0] ** 2 / S[0, 0])
    return loglik


def make_args(rng):
    truth = np.cumsum(0.3 + 0.1 * rng.standard_normal(15))
    return np.log(np.array([0.05, 0.2])), truth + 0.4 * rng.standard_normal(15)


PROGRAM = Program("kalman_filter", kalman_loglik, make_args, order=2)
