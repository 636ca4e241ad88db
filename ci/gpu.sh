#!/usr/bin/env bash
# Issue 5's GPU check, one command on a CUDA machine (no network needed):
#   ci/gpu.sh [LOG_DIR]
# 1. the gpu-marked tests (cupy backend: the primitive table, programs, placement, fused
#    kernels), 2. the GPU benchmarks (benchmarks/bench_gpu.py), each under its own time
# limit so the whole run stays under 8 minutes on an H100. Needs cupy, torch (CUDA), jax
# (CUDA), numpy, pluggy and pytest installed; the repo is used in place (PYTHONPATH=.).
# Logs and bench_gpu.json go to LOG_DIR (default: $OUT if set, else ./gpu-logs).
# Exit status: 0 only if the tests passed and every benchmark gradient was right.
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH=.
export NVIDIA_TF32_OVERRIDE=0 CUPY_TF32=0 XLA_PYTHON_CLIENT_PREALLOCATE=false
PY="${PYTHON:-python3}"
LOG_DIR="${1:-${OUT:-gpu-logs}}"
mkdir -p "$LOG_DIR"
start=$(date +%s)

echo "== machine"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || echo "nvidia-smi: not found"
"$PY" - <<'PY' || { echo "FAILED: the cupy backend is not usable here (see above)"; exit 2; }
import numpy, xformad.backends as b
ok, why = b.available_backends()["cupy"].availability()
import cupy
print(f"cupy {cupy.__version__}, numpy {numpy.__version__}, CUDA runtime {cupy.cuda.runtime.runtimeGetVersion()}")
for name in ("torch", "jax"):
    try:
        module = __import__(name)
        print(f"{name} {module.__version__}")
    except Exception as exc:
        print(f"{name}: not importable ({exc})")
print("xformad cupy backend:", "usable" if ok else f"NOT usable: {why}")
raise SystemExit(0 if ok else 1)
PY

# the backend's own tests first (a fresh machine spends most of this compiling cupy
# kernels, cached for the benchmarks after), then gpu-marked cases elsewhere in tests/
PYTEST=("$PY" -m pytest -q -m gpu -p no:cacheprovider --continue-on-collection-errors -rfE)
echo "== gpu tests: the cupy backend (limit 150 s)"
timeout -s INT 150 "${PYTEST[@]}" tests/test_cupy.py tests/test_backends.py 2>&1 | tee "$LOG_DIR/gpu_tests.txt" | tail -30
tests_rc=${PIPESTATUS[0]}
echo "== gpu tests: the rest of tests/ (limit 60 s)"
timeout -s INT 60 "${PYTEST[@]}" tests/ --ignore=tests/test_cupy.py --ignore=tests/test_backends.py 2>&1 \
    | tee "$LOG_DIR/gpu_tests_rest.txt" | tail -15
rest_rc=${PIPESTATUS[0]}
[ "$rest_rc" = 5 ] && rest_rc=0  # 5: no gpu-marked test there
[ "$tests_rc" = 0 ] && tests_rc=$rest_rc

echo "== gpu benchmarks (limit 220 s)"
timeout -s INT 220 "$PY" benchmarks/bench_gpu.py --json "$LOG_DIR/bench_gpu.json" 2>&1 | tee "$LOG_DIR/bench_gpu.txt"
bench_rc=${PIPESTATUS[0]}

echo "== summary ($(( $(date +%s) - start )) s)"
echo "gpu tests:      $([ "$tests_rc" = 0 ] && echo passed || echo "FAILED (rc=$tests_rc, see $LOG_DIR/gpu_tests.txt)")"
echo "gpu benchmarks: $([ "$bench_rc" = 0 ] && echo done || echo "FAILED (rc=$bench_rc, see $LOG_DIR/bench_gpu.txt)")"
[ "$tests_rc" = 0 ] && [ "$bench_rc" = 0 ]
