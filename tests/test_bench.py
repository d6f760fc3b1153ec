"""End-to-end: `textdiff-mnist bench --quick --edit 1` runs with the bundled weights, writes well-formed, plausible results (with the edit rows of
chapter 17), and fails cleanly on a bad checkpoint.

This is the suite's one real quick benchmark (about two minutes on 2 cores); chapter 14 runs a much smaller one in process."""
import json, subprocess, sys
from pathlib import Path
from textdiff_mnist.report import check_results, load_results, COLUMNS, EDIT_COLUMNS

CLI = str(Path(sys.executable).parent/'textdiff-mnist')   # the console script of this environment

def test_bench_quick(tmp_path):
    out = tmp_path/'bench'
    r = subprocess.run([CLI, 'bench', '--quick', '--edit', '1', '--threads', '1', '--out', str(out)], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    assert '(default)' in r.stdout and 'this machine' in r.stdout            # the table, with its machine
    rows, meta = load_results(out)
    check_results(rows)
    assert [r['kind'] for r in rows].count('real') == 1
    assert [r['edit'] for r in rows if r['kind'] == 'edit'] == ['style'] * 6 + ['digit', 'interpolate', 'interpolate', 'gif']
    assert meta['edit'] == 1 and {r['n'] for r in rows if r.get('edit') in ('style', 'digit')} == {10}     # 1 test digit per class
    assert meta['quick'] is True and meta['machine']['cpu_count'] >= 1 and meta['machine']['torch']
    assert meta['memory']['model_load_mib'] > 0 and meta['failures']['worst']
    table = (out/'results.md').read_text()
    assert meta['machine_label'] in table and all(r['setting'] in table for r in rows)
    header = (out/'results.csv').read_text().splitlines()[0].split(',')
    assert header == list(COLUMNS + EDIT_COLUMNS)
    for f in ('results.md', 'steps.png', 'time.png', 'styles.png', 'failures.png', 'curves.png'):
        assert (out/f).stat().st_size > 0
    assert not [f for f in out.iterdir() if f.name.endswith('.tmp')]     # no half-written files

def test_bench_bad_checkpoint(tmp_path):
    bad = tmp_path/'bad.pt'; bad.write_bytes(b'not a checkpoint')
    r = subprocess.run([CLI, 'bench', '--quick', '--checkpoint', str(bad), '--out', str(tmp_path/'o')],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 2 and 'bad.pt' in r.stderr and 'Traceback' not in r.stderr
    assert not (tmp_path/'o'/'results.json').exists()
