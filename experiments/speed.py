"""Ten digits per setting and backend against the CPU's ceiling (chapter 14's `speed_rows`): the sgemm rate measured in
the same run, each setting's counted FLOPs, medians of 10 timed calls after a warm-up. Writes results/speed.json.

    python experiments/speed.py --threads 2        # run it on an otherwise idle machine
"""
import argparse, json
from pathlib import Path
import torch
from textdiff_mnist.bench import speed_rows, speed_table

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--threads', type=int, default=2); ap.add_argument('--repeats', type=int, default=10)
    ap.add_argument('--out', default='results/speed.json')
    a = ap.parse_args(); torch.set_num_threads(a.threads)
    sp = speed_rows(repeats=a.repeats)
    baked = Path('weights/textdiff_mnist_v3_baked')          # the guidance-baked default candidate (experiments/bake_default.py), unguided
    if baked.exists():
        import time, numpy as np
        from textdiff_mnist.bench import counted_flops
        from textdiff_mnist.core import DIGIT_WORDS
        from textdiff_mnist.generation import generate, get_model, in_backend
        from textdiff_mnist.checkpoint import weights_fingerprint
        m = get_model(baked, 'cpu'); P = list(DIGIT_WORDS)
        flops = counted_flops(lambda: generate(P, guidance=0.0, checkpoint=m, backend='torch'))
        for b in ('torch', 'onnxruntime'):
            mm = in_backend(m, b); generate(P, guidance=0.0, checkpoint=mm); ts = []
            for _ in range(a.repeats):
                t0 = time.perf_counter(); generate(P, guidance=0.0, checkpoint=mm); ts.append(time.perf_counter() - t0)
            sec = float(np.median(ts)); rate = flops / sec / 1e9
            sp['rows'].append(dict(setting='baked default', sampler='dpm', backend=b, images=10, seconds=sec, gflop=flops / 1e9, gflops_per_s=rate,
                                   share_of_ceiling=rate / sp['ceiling_gflops'], ceiling_seconds=flops / 1e9 / sp['ceiling_gflops'], repeats=a.repeats,
                                   weights=weights_fingerprint(m)))
    sp['command'] = f"python experiments/speed.py --threads {a.threads} --repeats {a.repeats}"
    Path(a.out).write_text(json.dumps(sp, indent=1, default=float) + '\n'); print(speed_table(sp))
