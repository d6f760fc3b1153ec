"""The default setting drawn with torch and with ONNX Runtime from the same seeds (chapter 14's `backend_parity`):
accuracy and Fréchet ratio per backend and seed, and the per-image largest pixel difference. Writes results/backend_parity.json.

    python experiments/backend_parity.py --threads 1
"""
import argparse, json
from pathlib import Path
import torch
from textdiff_mnist.bench import backend_parity

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--n-per-digit', type=int, default=200); ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--out', default='results/backend_parity.json')
    a = ap.parse_args(); torch.set_num_threads(a.threads)
    res = backend_parity(a.n_per_digit)
    res['command'] = f"python experiments/backend_parity.py --n-per-digit {a.n_per_digit} --threads {a.threads}"
    Path(a.out).write_text(json.dumps(res, indent=1, default=float) + '\n'); print(json.dumps(res['max_pixel_diff']))
