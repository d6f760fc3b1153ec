"""End-to-end: the sdist and the wheel built from it (what a release would upload) pass `twine check`; the wheel, installed
(not editable) into a fresh virtual environment, runs `textdiff-mnist demo`: the shipped weights and every data file are inside the package.
Installed again into an environment without PyTorch (the light install: no extras), `textdiff-mnist generate` and the server work there."""
import json, os, re, subprocess, sys, sysconfig, time, urllib.request, venv, zipfile
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
    for net in ('textdiff_mnist', 'textdiff_mnist_baked', 'textdiff_mnist_fast', 'evaluator'):   # each shipped network: a pretrained directory (chapter 9)
        for f in ('model.safetensors', 'config.json', 'README.md'): assert f'textdiff_mnist/weights/{net}/{f}' in names, (net, f)
        if net != 'evaluator':                                              # and its graphs for ONNX Runtime (chapter 9a)
            for f in ('manifest.json', 'text_encoder.onnx', 'unet.onnx'): assert f'textdiff_mnist/weights/{net}/onnx/{f}' in names, (net, f)
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

    _torch_free(whl, tmp_path, env)

TORCH = re.compile(r'^(torch|torchvision|torchgen|functorch|triton|nvidia)([-_.]|$)', re.I)

def _torch_free(whl, tmp_path, env):
    """The light install: the wheel in a fresh environment whose dependencies are this environment's packages less PyTorch
    (and what comes only with it), linked one by one into a folder of their own. `generate` writes ten digits there, with a
    recipe saying ONNX Runtime drew them, in under 150 MiB; a number is written and redrawn from its recipe; the server answers a
    request; a command that needs torch says so."""
    deps = tmp_path/'deps-torch-free'; deps.mkdir()
    for entry in Path(sysconfig.get_paths()['purelib']).iterdir():
        if not TORCH.match(entry.name) and entry.suffix != '.pth': (deps/entry.name).symlink_to(entry)
    env_dir = tmp_path/'light'; venv.create(env_dir, with_pip=False)
    py, tdm = env_dir/'bin'/'python', env_dir/'bin'/'textdiff-mnist'
    site = Path(subprocess.check_output([py, '-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])'], text=True).strip())
    (site/'deps.pth').write_text(str(deps) + '\n')
    r = subprocess.run([sys.executable, '-m', 'pip', '--python', str(py), 'install', '--no-deps', '-q', str(whl)], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    work = tmp_path/'light-work'; work.mkdir()
    r = subprocess.run([py, '-c', 'import importlib.util; print(importlib.util.find_spec("torch"))'], cwd=work, capture_output=True, text=True, env=env)
    assert r.stdout.strip() == 'None', r.stdout + r.stderr                 # no torch to be found: really the light install
    t0 = time.perf_counter()
    r = subprocess.run(['/usr/bin/time', '-f', '%M', tdm, 'generate', 'seven', 'a thick 3', '--n', '5', '--out', 'ten.png'],
                       cwd=work, capture_output=True, text=True, env=env, timeout=120)
    wall = time.perf_counter() - t0
    assert r.returncode == 0, r.stderr[-3000:]
    peak_mib = int(r.stderr.strip().splitlines()[-1]) / 1024
    recipe = json.loads(subprocess.check_output([tdm, 'recipe', 'ten.png'], cwd=work, text=True, env=env))
    assert recipe['backend'] == 'onnxruntime' and len(recipe['seeds']) == 10, recipe
    print(f"torch-free cold generate of ten digits: {wall:.2f} s wall, {peak_mib:.0f} MiB peak")
    assert peak_mib <= 150, peak_mib                                         # the bound (the full install: 688 MiB)
    for cmd in (['generate', 'a thick 2026', '--n', '2', '--out', 'num.png'], ['regenerate', 'num.png']):   # a number: one pen, measured in numpy
        r = subprocess.run([tdm, *cmd], cwd=work, capture_output=True, text=True, env=env, timeout=120)
        assert r.returncode == 0, r.stderr[-3000:]
    assert 'within 2/255' in r.stdout, r.stdout
    r = subprocess.run([tdm, 'train', '--tiny', '--out', 'runs'], cwd=work, capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 2 and r.stderr.count('\n') == 1 and "pip install 'textdiff-mnist[torch]'" in r.stderr, r.stderr
    import socket
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); port = s.getsockname()[1]
    server = subprocess.Popen([tdm, 'serve', '--port', str(port)], cwd=work, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent/'tools'))
        from serve_harness import wait_healthy
        wait_healthy(server, f'http://127.0.0.1:{port}', 60, 'the torch-free server')
        req = urllib.request.Request(f'http://127.0.0.1:{port}/v1/generate', json.dumps(dict(prompt='a thick 7', n=2, format='json')).encode(),
                                     {'Content-Type': 'application/json'})
        with urllib.request.urlopen(req, timeout=60) as resp: body = json.loads(resp.read())
        assert [im['digit'] for im in body['images']] == [7, 7] and body['weights'] == recipe['weights'], body.keys()
    finally:
        server.terminate(); server.wait(10)
