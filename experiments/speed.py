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
    sp['command'] = f"python experiments/speed.py --threads {a.threads} --repeats {a.repeats}"
    Path(a.out).write_text(json.dumps(sp, indent=1, default=float) + '\n'); print(speed_table(sp))
