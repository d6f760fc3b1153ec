#!/usr/bin/env bash
# Time the README's test command without the install: the docs build, every notebook (2 workers), pytest.
#   tools/suite_time.sh TREE OUT [PYTHON]
# TREE is a checkout (e.g. a `git worktree` of another commit, chosen with PYTHONPATH); OUT gets one line per part
# with wall, user and sys seconds (GNU time), and OUT.*.log the parts' output. Compare two trees back to back on one machine.
TREE=$(cd "$1" && pwd); OUT=$(realpath "$2"); PY=${3:-$(pwd)/.venv/bin/python}
cd "$TREE"; export PYTHONPATH="$TREE"; T=/usr/bin/time
$T -f "docs wall %e user %U sys %S" -a -o "$OUT" "$PY" tools/build_docs.py > "$OUT.docs.log" 2>&1; echo "docs rc $?" >> "$OUT"
$T -f "notebooks wall %e user %U sys %S" -a -o "$OUT" "$PY" tools/run_all.py --workers 2 > "$OUT.nbs.log" 2>&1; echo "notebooks rc $?" >> "$OUT"
$T -f "pytest wall %e user %U sys %S" -a -o "$OUT" "$PY" -m pytest -q --durations=15 > "$OUT.pytest.log" 2>&1; echo "pytest rc $?" >> "$OUT"
