"""Variety of style in default samples, with and without the style prior (chapter 3's `complete_style`).

    python experiments/style_prior.py --out results/style_prior.json                  # the shipped file: seeds 0 1, g 0 1.1 2
    python experiments/style_prior.py --guidance 1.5 --readings prior --out results/style_prior.json   # then: completed prompts at 1.5
    python experiments/style_prior.py --seeds 0 --guidance 1.1 --out /tmp/sp.json     # one row pair
    python experiments/style_prior.py --guidance 1.7 --readings prior --schedule interval --out results/style_prior.json   # the default

For each seed and guidance, the accuracy prompts of chapter 14 (200 training-phrasing prompts per digit, none naming a
style) are sampled twice with the library's default sampler (DPM-Solver++, 20 steps), the same noise and
seeds both times (guidance on the `ramp` schedule unless --schedule says otherwise): once as the prompts are typed (`style_prior=False`), once with the styles they leave unsaid drawn by
`complete_style` (the library's default). Each row records accuracy, Fréchet distance / floor / ratio (chapter 5), the
speck rate, and the mean and standard deviation of the measured thickness, slant and width (chapter 2), beside those of
2,000 real training digits of the same seed's floor draw. Rows are merged into `--out` by name; a file holds the rows of one
weights file (`weights`: its fingerprint; results/style_prior.json is v2's, results/style_prior_v3.json v3's). One CPU thread unless
--threads says otherwise.
"""
from __future__ import annotations
import argparse, json, sys, time
from pathlib import Path
import numpy as np
import torch

from textdiff_mnist.attributes import measure_attributes
from textdiff_mnist.bench import accuracy_prompts
from textdiff_mnist.core import to_uint8, machine_label
from textdiff_mnist.checkpoint import weights_fingerprint
from textdiff_mnist.data import load_mnist
from textdiff_mnist.evaluator import load_evaluator
from textdiff_mnist.generation import get_model, image_seeds, run_sampler, DEFAULT_STEPS, DEFAULT_SAMPLER
from textdiff_mnist.samplers import GUIDANCE_SCHEDULES
from textdiff_mnist.metrics import conditional_accuracy, frechet_report, speck_rate, floor_indices


def spread(u8) -> dict:
    "Mean and standard deviation of thickness, slant and width of uint8 images (N,28,28)."
    a = measure_attributes(u8)
    return dict(attr_mean=a.mean(0).round(4).tolist(), attr_std=a.std(0).round(4).tolist())


def row(model, ev, seed: int, guidance: float, prior: bool, n_per_digit: int, schedule: str = 'ramp', batch: int = 250) -> dict:
    prompts, digits = accuracy_prompts(n_per_digit, seed)
    seeds = image_seeds(prompts, 1, seed)
    t0 = time.time()
    imgs = torch.cat([run_sampler(model, prompts[i:i + batch], seeds[i:i + batch], DEFAULT_SAMPLER, DEFAULT_STEPS, guidance, schedule,
                                  style_prior=prior) for i in range(0, len(prompts), batch)])
    fr, u8 = frechet_report(imgs, seed=seed, evaluator=ev), to_uint8(imgs)
    return dict(seed=seed, guidance=guidance, schedule=schedule, style_prior=prior, n=len(prompts), accuracy=conditional_accuracy(imgs, digits, ev),
                fid=fr['fid'], fid_floor=fr['floor'], fid_ratio=fr['ratio'], specks=speck_rate(u8), **spread(u8),
                seconds=round(time.time() - t0, 1))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--checkpoint', default=None); ap.add_argument('--out', default='results/style_prior.json')
    ap.add_argument('--seeds', type=int, nargs='+', default=[0, 1]); ap.add_argument('--guidance', type=float, nargs='+', default=[0.0, 1.1, 2.0])
    ap.add_argument('--readings', nargs='+', default=['typed', 'prior'], choices=('typed', 'prior'))
    ap.add_argument('--schedule', default='ramp', choices=GUIDANCE_SCHEDULES, help="guidance schedule (rows not on 'ramp' say so in their name)")
    ap.add_argument('--n-per-digit', type=int, default=200); ap.add_argument('--threads', type=int, default=1)
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    model, ev, out = get_model(a.checkpoint, 'cpu'), load_evaluator(), Path(a.out)
    res = json.loads(out.read_text()) if out.exists() else {}
    fp = weights_fingerprint(model)
    if res.get('weights', fp) != fp: sys.exit(f"error: {out} holds rows of the weights {res['weights']}, not {fp}: pass another --out")
    res['machine'] = machine_label(); res['weights'] = fp; res.setdefault('rows', {})
    real = load_mnist().train_x
    for seed in a.seeds:
        res.setdefault('real', {})[str(seed)] = spread(real[floor_indices(a.n_per_digit * 10, seed, 0)])
        for g in a.guidance:
            for prior in [r == 'prior' for r in a.readings]:
                r = row(model, ev, seed, g, prior, a.n_per_digit, a.schedule)
                res['rows'][f"seed{seed} g{g} {'prior' if prior else 'typed'}" + ('' if a.schedule == 'ramp' else f" {a.schedule}")] = r
                print(json.dumps(r), flush=True)
                out.parent.mkdir(parents=True, exist_ok=True); out.write_text(json.dumps(res, indent=1) + '\n')
    return res


if __name__ == '__main__':
    sys.exit(main() and 0)
