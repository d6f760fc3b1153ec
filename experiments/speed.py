"""Ten digits per setting and backend against the CPU's ceiling (chapter 14's `speed_rows`): the sgemm rate measured in
the same run, each setting's counted FLOPs, medians of 10 timed calls after a warm-up. Writes results/speed.json.

    python experiments/speed.py --threads 2        # run it on an otherwise idle machine
    python experiments/speed.py --threads 2 --numbers-only     # only the rows of one number (chapter 19b), merged into --out

Also times one 4-digit number ('2026', drawn by `write`) per setting and backend (chapter 14's `number_speed_rows`), under `numbers`,
and one UNet pass of the student's graph three ways (chapter 9a: one single-threaded session, one session with all the threads,
the batch split into shards side by side, as `OrtModel` runs it), under `passes`.
"""
import argparse, json
from pathlib import Path
import torch
from textdiff_mnist.bench import speed_rows, speed_table

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--threads', type=int, default=2); ap.add_argument('--repeats', type=int, default=10)
    ap.add_argument('--out', default='results/speed.json')
    ap.add_argument('--numbers-only', action='store_true', help="time only the number rows and merge them into --out's 'numbers'")
    a = ap.parse_args(); torch.set_num_threads(a.threads)
    from textdiff_mnist.bench import number_speed_rows
    if a.numbers_only:
        out = Path(a.out); sp = json.loads(out.read_text()) if out.exists() else {}
        sp['numbers'] = dict(number_speed_rows(repeats=a.repeats), command=f"python experiments/speed.py --threads {a.threads} --repeats {a.repeats} --numbers-only")
        tmp = out.with_name(out.name + '.tmp'); tmp.write_text(json.dumps(sp, indent=1, default=float) + '\n'); tmp.replace(out)
        print(json.dumps(sp['numbers'], indent=1, default=float)); raise SystemExit
    sp = speed_rows(repeats=a.repeats)
    # The teacher, guided at the default guidance: what the default cost before weights v4 (two passes per guided step)
    import time, subprocess, sys, numpy as np
    from textdiff_mnist.bench import counted_flops
    from textdiff_mnist.core import DIGIT_WORDS
    from textdiff_mnist.generation import generate, get_model, in_backend, bundled_weights
    from textdiff_mnist.checkpoint import weights_fingerprint
    m = get_model(bundled_weights(), 'cpu'); P = list(DIGIT_WORDS)
    flops = counted_flops(lambda: generate(P, checkpoint=m, backend='torch'))
    for b in ('torch', 'onnxruntime'):
        mm = in_backend(m, b); generate(P, checkpoint=mm); ts = []
        for _ in range(a.repeats):
            t0 = time.perf_counter(); generate(P, checkpoint=mm); ts.append(time.perf_counter() - t0)
        sec = float(np.median(ts)); rate = flops / sec / 1e9
        sp['rows'].append(dict(setting='teacher, guided (v3)', sampler='dpm', backend=b, images=10, seconds=sec, gflop=flops / 1e9, gflops_per_s=rate,
                               share_of_ceiling=rate / sp['ceiling_gflops'], ceiling_seconds=flops / 1e9 / sp['ceiling_gflops'], repeats=a.repeats,
                               weights=weights_fingerprint(m)))
    # A cold command line without PyTorch: a fresh process in which torch cannot be imported (the wheel test does it in a
    # real environment without torch); wall time and peak memory of `textdiff-mnist generate` writing ten digits
    block = ("import sys\nclass B:\n def find_spec(self, n, p=None, t=None):\n  if n.split('.')[0] in ('torch', 'torchvision'): "
             "raise ModuleNotFoundError(n, name=n)\nsys.meta_path.insert(0, B())\n"
             "from textdiff_mnist.cli import main; main(['generate', 'seven', 'a thick 3', '--n', '5', '--out', sys.argv[1]])")
    import tempfile
    with tempfile.TemporaryDirectory() as td:
        runs = []
        for i in range(a.repeats):
            t0 = time.perf_counter()
            r = subprocess.run(['/usr/bin/time', '-f', '%M', sys.executable, '-c', block, f'{td}/ten.png'], capture_output=True, text=True, check=True)
            runs.append((time.perf_counter() - t0, int(r.stderr.strip().splitlines()[-1]) / 1024))
    sp['cold_cli_torch_free'] = dict(seconds=float(np.median([w for w, _ in runs])), peak_mib=float(np.median([m_ for _, m_ in runs])),
                                     runs=len(runs), what="textdiff-mnist generate 'seven' 'a thick 3' --n 5, a fresh process, torch unimportable")
    sp['numbers'] = number_speed_rows(repeats=a.repeats, ceiling=sp['ceiling_gflops'])
    # One UNet pass, three ways (chapter 9a's `OrtModel` splits a batch into shards, one single-threaded session run per shard)
    from textdiff_mnist.runtime import OrtModel, bundled_export, _session
    d = bundled_export('textdiff_mnist_fast'); om = OrtModel(d, threads=a.threads)
    ways = dict(one_thread=_session(d/'unet.onnx', 1), one_session_all_threads=_session(d/'unet.onnx', a.threads))
    passes = []
    for batch in (1, 10):
        x = np.random.default_rng(0).standard_normal((batch, 1, 28, 28)).astype(np.float32)
        t, c = np.full(batch, 500), om.encode_np(list(DIGIT_WORDS)[:batch])
        feeds = dict(x=x, t=t.astype(np.int64), cond=c)
        fns = {k: (lambda s=s: s.run(None, feeds)) for k, s in ways.items()}
        fns['as_ortmodel'] = lambda: om(x, t, c)
        ts = {k: [] for k in fns}
        for _ in range(3 * a.repeats):                          # interleaved, so a slow moment of the machine hits all three alike
            for k, f in fns.items():
                if not ts[k]: f()
                t0 = time.perf_counter(); f(); ts[k].append(time.perf_counter() - t0)
        passes.append(dict(batch=batch, threads=a.threads, repeats=3 * a.repeats, **{f'{k}_ms': float(np.median(v) * 1e3) for k, v in ts.items()}))
    sp['passes'] = dict(rows=passes, network='textdiff_mnist_fast', what="one UNet pass, medians of interleaved calls; 'as_ortmodel' splits a batch of 2 or more into one shard per thread")
    sp['command'] = f"python experiments/speed.py --threads {a.threads} --repeats {a.repeats}"
    Path(a.out).write_text(json.dumps(sp, indent=1, default=float) + '\n'); print(speed_table(sp))
