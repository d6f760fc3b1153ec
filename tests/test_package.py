"""End-to-end: the sdist and the wheel built from it (what a release would upload) pass `twine check`; the wheel, installed
(not editable) into a fresh virtual environment, runs `textdiff-mnist demo`: the shipped weights and every data file are inside the package."""
import os, subprocess, sys, sysconfig, venv, zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

def test_wheel_installs_and_runs(tmp_path):
    wheels = tmp_path/'wheels'
    # `python -m build` (the dev extra's `build`): the sdist, then the wheel built from the unpacked sdist, so a file
    # missing from the sdist fails here too; `twine check --strict` reads both as an index would (metadata, README).
    r = subprocess.run([sys.executable, '-m', 'build', '-o', str(wheels), str(ROOT)], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, (r.stdout + r.stderr)[-3000:]
    (sdist,), (whl,) = wheels.glob('textdiff_mnist-*.tar.gz'), wheels.glob('textdiff_mnist-*.whl')
    import textdiff_mnist, tarfile
    assert sdist.name == f'textdiff_mnist-{textdiff_mnist.__version__}.tar.gz', sdist.name      # the version is __init__'s
    assert f'textdiff_mnist-{textdiff_mnist.__version__}/textdiff_mnist/weights/textdiff_mnist/model.safetensors' in tarfile.open(sdist).getnames()
    r = subprocess.run([sys.executable, '-m', 'twine', 'check', '--strict', str(sdist), str(whl)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stdout.count('PASSED') == 2, r.stdout + r.stderr
    names = zipfile.ZipFile(whl).namelist()
    for net in ('textdiff_mnist', 'textdiff_mnist_fast', 'evaluator'):      # each shipped network: a pretrained directory (chapter 9)
        for f in ('model.safetensors', 'config.json', 'README.md'): assert f'textdiff_mnist/weights/{net}/{f}' in names, (net, f)
    assert 'textdiff_mnist/cli.py' in names and not [n for n in names if n.endswith('.pt')], names   # no pickle shipped
    env_dir = tmp_path/'env'
    venv.create(env_dir, with_pip=False)
    py = env_dir/'bin'/'python'
    site = Path(subprocess.check_output([py, '-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])'], text=True).strip())
    # The dependencies (torch, numpy, ...) come from this environment's site-packages, appended as a plain path:
    # its .pth files (among them the editable install of this checkout) are not processed, so only the wheel provides textdiff_mnist.
    (site/'deps.pth').write_text(sysconfig.get_paths()['purelib'] + '\n')
    r = subprocess.run([sys.executable, '-m', 'pip', '--python', str(py), 'install', '--no-deps', '-q', str(whl)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    work = tmp_path/'work'; work.mkdir()                  # far from the checkout, so nothing is imported from it
    env = {k: v for k, v in os.environ.items() if k not in ('PYTHONPATH', 'VIRTUAL_ENV')}
    where = subprocess.run([py, '-c', 'import textdiff_mnist.generation as g; print(g.__file__); print(g.bundled_weights())'],
                           cwd=work, capture_output=True, text=True, env=env)
    assert where.returncode == 0, where.stderr
    assert all(line.startswith(str(env_dir)) for line in where.stdout.split()), where.stdout
    r = subprocess.run([env_dir/'bin'/'textdiff-mnist', 'demo', 'a thick 3', '--n', '2', '--out', 'demo.png'],
                       cwd=work, capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    assert (work/'demo.png').stat().st_size > 1000
