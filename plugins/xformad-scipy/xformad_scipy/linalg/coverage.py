"""What this family serves: (qualified scipy name, differentiable arguments, note) triples,
from which the lead generates docs/coverage.md."""

from __future__ import annotations

_TRIANGLE = "reads one triangle (the other gets a zero gradient); real only"

COVERAGE = [
    (
        "scipy.linalg.solve_triangular",
        "a, b",
        "trans 0/1/2/'N'/'T'/'C', lower, unit_diagonal (the diagonal is then not read); "
        "only the triangle read is differentiated; real or complex; batched as scipy",
    ),
    ("scipy.linalg.cholesky", "a", f"lower; {_TRIANGLE}"),
    (
        "scipy.linalg.cho_factor",
        "a",
        f"lower; returns scipy's c exactly (the other triangle holds a's entries); {_TRIANGLE}",
    ),
    ("scipy.linalg.cho_solve", "c, b", "(c, lower); only c's factor triangle is read; real only"),
    ("scipy.linalg.lu_factor", "a", "square a; piv: integer, no derivative; real or complex"),
    ("scipy.linalg.lu_solve", "lu, b", "trans 0/1/2; piv: integer, no derivative; real or complex"),
    (
        "scipy.linalg.solve",
        "a, b",
        "assume_a: None, gen, sym, her/pos (real only), diagonal, tridiagonal, banded, "
        "upper/lower triangular, each read as scipy reads it; lower, transposed",
    ),
    (
        "scipy.linalg.inv",
        "a",
        "assume_a: None, gen, sym, her/pos (real only), upper/lower triangular, diagonal "
        "(scipy leaves the off-diagonal entries unchanged: so does the derivative); lower",
    ),
    ("scipy.linalg.det", "a", "batched; at a singular a the gradient raises LinAlgError"),
    ("scipy.linalg.expm", "A", "Fréchet derivative by the block-triangular trick; real or complex; batched"),
    (
        "scipy.linalg.sqrtm",
        "A",
        "principal branch: an eigenvalue on the closed negative real axis raises; disp=/blocksize= raise",
    ),
    (
        "scipy.linalg.logm",
        "A",
        "principal branch: an eigenvalue on the closed negative real axis raises; disp= raises",
    ),
    ("scipy.linalg.solve_sylvester", "a, b, q", "real or complex; batched"),
    ("scipy.linalg.solve_banded", "ab, b", "(l, u): integers; unread corners of ab get zero gradient"),
    (
        "scipy.linalg.eigh",
        "a",
        "lower, eigvals_only, driver; reads one triangle; eigenvector gradients are infinite "
        "at repeated eigenvalues; b=, subset_by_index=, subset_by_value=, complex a: raise",
    ),
    (
        "scipy.linalg.svd",
        "a",
        "scipy's values, np.linalg.svd's derivative rules; full_matrices, compute_uv, lapack_driver; "
        "completed vectors of a non-square full_matrices=True svd have no derivative; real or complex",
    ),
    (
        "scipy.linalg.qr",
        "a",
        "real a with m >= n; mode 'economic', 'r' (scipy's zero rows kept), 'full' (square a); "
        "pivoting=True, mode='raw', a wide a, complex a: raise",
    ),
    (
        "scipy.linalg.pinv",
        "a",
        "real a; atol, rtol constants; exact where the rank is locally constant; return_rank=True raises",
    ),
    (
        "scipy.linalg.eig",
        "a",
        "right either way; scipy's complex w (real v for real eigenvalues); eigenvector gradients "
        "are infinite at repeated eigenvalues; b=, left=True, homogeneous_eigvals=True raise",
    ),
    ("scipy.linalg.block_diag", "*arrs", "scipy's own code runs on traced values (no interception)"),
    ("scipy.linalg.toeplitz", "c, r", "gathers of c and r; batched (n-d c, r) as scipy"),
    ("scipy.linalg.circulant", "c", "a gather of c; batched as scipy"),
    ("scipy.linalg.hankel", "c, r", "gathers of c and r; batched as scipy, with its FutureWarning"),
]
