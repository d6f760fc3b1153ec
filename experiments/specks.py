"""Stray ink specks in samples: the speck rate (chapter 5's `has_speck`) of a model's samples under sampler variants.

    python experiments/specks.py --checkpoint textdiff_mnist/weights/textdiff_mnist --n 1000 --out results/specks.json dpm20 g0 bf16
    python experiments/specks.py --list                 # the variants this script knows
    python experiments/specks.py --real --out results/specks.json   # only the real MNIST test/train rates
    python experiments/specks.py --n 2000 --quality --section final clip2.5 dpm20   # before/after, with accuracy and Fréchet ratio

results/specks.json was made by: `--real --endings dpm20 g0 noclamp`, then `clip2.5 ddpm20 eta0.5`, then `dpm10 ddim20`
(all --n 1000), then the before/after line above; with v2: `--n 2500 --section v2_final dpm20 clip2.5`, and
`--n 5000 --seed 100000 --quality --section v2_n5000 dpm20 clip2.5 clip2 clip2s clip2.5s` (the library's default since: clip2s).

Prompts are the ten digit words, balanced: image i asks for digit i % 10 with seed `--seed` + i, the same images in every
variant (so variants differ only by what they name). The sampling loop is chapter 10's `sample` step for step (checked
against it on a small batch before anything is measured), with hooks the library does not offer: no clamp of the x0
estimate, weights rounded to bf16, the starting noise clipped to [-c, c] (`init_clip`; with `init_rescale` then scaled back to unit variance, as the library's
`clip_noise` does), and other last steps (`--endings`):

  x0      the library's: at the last timestep jump to the clean-image estimate
  to0     step with the sampler from the last timestep to t = 0 and return x_0 as it is
  to0+x0  the same step, then the clean-image estimate at t = 0 (one more network pass)
  plus10  one more step, to t = 10, then jump to the estimate there (one more network pass)

Every variant also records the speck rate of the x0 estimate at each step (`x0_rates`) and, of the images with a speck at
the end, the fraction that already have one in that step's estimate (`final_seen`): where along the trajectory specks form.
Results are merged into `--out` under each variant's name, with n, seed and the wall time, so variants can be measured
in several runs. Uses one CPU thread unless --threads says otherwise.
"""
from __future__ import annotations
import argparse, copy, json, math, sys, time
from pathlib import Path
import numpy as np
import torch
from textdiff_mnist.core import DIGIT_WORDS, generator_for, atomic_write
from textdiff_mnist.checkpoint import load_model, weights_fingerprint
from textdiff_mnist.schedule import make_schedule, v_to_x0, from_model_space
from textdiff_mnist.samplers import Denoiser, sample, seeded_start, sampling_timesteps, noise_source, StepContext, STEPS
from textdiff_mnist.metrics import has_speck, conditional_accuracy, frechet_report

BASE = dict(sampler='dpm', steps=20, guidance=1.1, schedule='ramp', clamp=True, weights='stored', eta=0.0, init_clip=None, init_rescale=False)
VARIANTS = {   # name -> what differs from DPM-Solver++ 20 steps, guidance 1.1 ramp, clamped x0, unclipped noise (the library before clip2.5)
    'dpm20': {}, 'dpm10': dict(steps=10), 'dpm50': dict(steps=50), 'dpm100': dict(steps=100),
    'ddim20': dict(sampler='ddim'), 'ddpm20': dict(sampler='ddpm'), 'ddpm100': dict(sampler='ddpm', steps=100),
    'g0': dict(guidance=0.0), 'g3': dict(guidance=3.0), 'g1.1const': dict(schedule='constant'),
    'noclamp': dict(clamp=False), 'bf16': dict(weights='bf16'),
    'eta0.5': dict(sampler='ddim', eta=0.5), 'eta0.5s50': dict(sampler='ddim', eta=0.5, steps=50),
    'clip2': dict(init_clip=2.0), 'clip2s': dict(init_clip=2.0, init_rescale=True), 'clip2.5s': dict(init_clip=2.5, init_rescale=True), 'clip2.5': dict(init_clip=2.5), 'clip3': dict(init_clip=3.0),   # the starting noise clipped to [-c, c]
}
ENDINGS = ('x0', 'to0', 'to0+x0', 'plus10')

def clipped_std(c: float) -> float:
    "Standard deviation of a standard normal clipped to [-c, c]."
    phi, Phi = math.exp(-c * c / 2) / math.sqrt(2 * math.pi), 0.5 * (1 + math.erf(c / math.sqrt(2)))
    return math.sqrt((2 * Phi - 1) - 2 * c * phi + 2 * c * c * (1 - Phi))

def prompts_seeds(n: int, seed: int):
    "The digit words, balanced over the ten digits, and one seed per image."
    return [DIGIT_WORDS[i % 10] for i in range(n)], [seed + i for i in range(n)]

def rounded(model, weights: str):
    "The model as stored ('stored'), or a copy with every parameter rounded to bf16 and back ('bf16')."
    if weights == 'stored': return model
    if weights != 'bf16': raise ValueError(f"unknown weights {weights!r}")
    m = copy.deepcopy(model)
    with torch.no_grad():
        for p in m.parameters(): p.copy_(p.bfloat16().float())
    return m

@torch.inference_mode()
def run_batch(model, prompts, seeds, sampler='dpm', steps=20, guidance=1.1, schedule='ramp', clamp=True, endings=('x0',),
              eta=0.0, init_clip=None, init_rescale=False):
    "One batch along the sampler's trajectory: {ending: images in [0,1]} and the x0 estimates of every step (list of (N,1,28,28))."
    sched = make_schedule(model.cfg.schedule, model.cfg.T); T = sched.T
    ts = sampling_timesteps(T, steps)
    cond, noise = model.encode(prompts), noise_source(seeds)
    x = noise() if init_clip is None else noise().clamp(-init_clip, init_clip)
    if init_clip is not None and init_rescale: x = x / clipped_std(init_clip)     # back to unit variance
    step, ctx, x0s = STEPS[sampler], StepContext(sched.alpha_bar, eta, noise), []
    den = Denoiser(model, guidance, schedule, clamp=clamp)          # chapter 10's guided denoiser, the clamp optional
    est = lambda x, t: den(x, t, cond)
    for i, t in enumerate(ts):
        x0 = est(x, t); x0s.append(from_model_space(x0))
        if i + 1 < len(ts): x = step(x, x0, t, ts[i + 1], ctx)
    out, last = {}, ts[-1]
    for e in endings:          # each ending starts from the same state; the solver's memory is copied for each
        c = StepContext(ctx.alpha_bar, ctx.eta, ctx.noise, dict(ctx.memory))
        if e == 'x0': y = x0
        elif e == 'to0': y = step(x, x0, last, 0, c) if last > 0 else x0
        elif e == 'to0+x0': y = est(step(x, x0, last, 0, c), 0) if last > 0 else x0
        elif e == 'plus10': y = est(step(x, x0, last, 10, c), 10) if last > 10 else x0
        else: raise ValueError(f"unknown ending {e!r}; expected one of {', '.join(ENDINGS)}")
        out[e] = from_model_space(y)
    return out, x0s

def check_loop(model):
    "The loop above, library settings without the noise clip, must give chapter 10's `sample` images exactly (4 images, 5 steps, dpm and ddim)."
    p, s = prompts_seeds(4, 123)
    for sampler in ('dpm', 'ddim'):
        ours = run_batch(model, p, s, sampler, 5, 1.1, 'ramp')[0]['x0']
        den = Denoiser(model, 1.1, 'ramp'); x, ts, noise = seeded_start(den, s, 5, noise_clip=None)
        with torch.inference_mode(): lib = from_model_space(sample(den, x, ts, model.encode(p), STEPS[sampler], noise))
        if not torch.equal(ours, lib): sys.exit(f"specks.py: the loop differs from samplers.sample ({sampler}): fix it first")

def wilson(k: int, n: int, z: float = 1.96):
    "95% Wilson interval of a rate k/n."
    p = k / n; d = 1 + z * z / n; c = (p + z * z / (2 * n)) / d; h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return [round(max(0.0, c - h), 5), round(c + h, 5)]

def measure(model, name: str, n: int, seed: int, endings, batch_size: int = 250, quality: bool = False) -> dict:
    "Results of one variant: {entry name: record}, one entry per ending."
    cfg = {**BASE, **VARIANTS[name]}
    m = rounded(model, cfg['weights'])
    prompts, seeds = prompts_seeds(n, seed)
    t0 = time.time(); outs, traj = {e: [] for e in endings}, []
    for i in range(0, n, batch_size):
        o, x0s = run_batch(m, prompts[i:i + batch_size], seeds[i:i + batch_size], cfg['sampler'], cfg['steps'],
                           cfg['guidance'], cfg['schedule'], cfg['clamp'], endings, cfg['eta'], cfg['init_clip'], cfg['init_rescale'])
        for e in endings: outs[e].append(o[e])
        traj.append(torch.stack(x0s))
    secs = time.time() - t0
    traj = torch.cat(traj, 1)
    x0_specks = np.stack([has_speck(xs) for xs in traj])            # (steps, n)
    res = {}
    for e in endings:
        images = torch.cat(outs[e]); sp = has_speck(images); k = int(sp.sum())
        key = name if e == 'x0' else f"{name}/{e}"
        res[key] = dict(cfg, ending=e, n=n, seed=seed, specks=k, rate=k / n, ci95=wilson(k, n), seconds=round(secs, 1),
                        x0_rates=[round(float(r), 4) for r in x0_specks.mean(1)],
                        final_seen=[round(float(x0_specks[j][sp].mean()), 3) if k else None for j in range(len(x0_specks))],
                        speck_seeds=[seeds[j] for j in np.flatnonzero(sp)])
        if quality:            # does a change that removes specks cost accuracy or variety? (chapter 5's metrics)
            res[key].update(accuracy=conditional_accuracy(images, [i % 10 for i in range(n)]),
                            fid_ratio=round(frechet_report(images)['ratio'], 4))
        q = f"  accuracy {res[key]['accuracy']:.4f}  fid_ratio {res[key]['fid_ratio']:.3f}" if quality else ''
        print(f"{key:18s} n={n} seed={seed}: {k} specks, rate {k / n:.2%}  {res[key]['ci95']}{q}  ({secs:.0f}s)", flush=True)
    return res

def real_rates() -> dict:
    "Speck rates of the real MNIST test and training digits."
    from textdiff_mnist.data import load_mnist
    mn = load_mnist(); out = {}
    for split, x in (('mnist_test', mn.test_x), ('mnist_train', mn.train_x)):
        sp = np.concatenate([has_speck(x[i:i + 5000]) for i in range(0, len(x), 5000)]); k = int(sp.sum())
        out[split] = dict(n=len(x), specks=k, rate=k / len(x), ci95=wilson(k, len(x)))
        print(f"{split}: {k} of {len(x)} with a speck, {k / len(x):.2%}", flush=True)
    return out

def save(path: Path, data: dict):
    with atomic_write(path) as tmp: Path(tmp).write_text(json.dumps(data, indent=1) + '\n')

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('variants', nargs='*', help=f"variants to measure: {', '.join(VARIANTS)}")
    ap.add_argument('--checkpoint', default=None, help='weights file (default: the bundled weights)')
    ap.add_argument('--n', type=int, default=1000, help='images per variant')
    ap.add_argument('--seed', type=int, default=0, help='seed of the first image (image i uses seed + i)')
    ap.add_argument('--out', default='results/specks.json', help='JSON file the results are merged into')
    ap.add_argument('--endings', action='store_true', help=f"also measure the other last steps: {', '.join(ENDINGS[1:])}")
    ap.add_argument('--quality', action='store_true', help="also record each variant's conditional accuracy and Fréchet ratio")
    ap.add_argument('--section', default='variants', help="key of --out the results go under (e.g. 'final' for the before/after run)")
    ap.add_argument('--real', action='store_true', help='also measure the real MNIST test and training digits')
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--list', action='store_true', help='list the variants and exit')
    a = ap.parse_args(argv)
    if a.list:
        for k, v in VARIANTS.items(): print(f"{k:10s} {v or 'the library default'}")
        return
    bad = [v for v in a.variants if v not in VARIANTS]
    if bad: ap.error(f"unknown variant(s) {', '.join(bad)}; --list shows them")
    if a.n < 1: ap.error('--n must be >= 1')
    torch.set_num_threads(a.threads)
    out = Path(a.out); data = json.loads(out.read_text()) if out.exists() else {}
    data.setdefault('definition', dict(threshold=96, max_pixels=6, connectivity=8,
                    prompts='digit words, image i asks for digit i % 10 with seed + i'))
    if a.real: data['real'] = real_rates(); save(out, data)
    if not a.variants: return
    from textdiff_mnist.generation import bundled_weights
    ckpt = Path(a.checkpoint) if a.checkpoint else bundled_weights()
    model = load_model(ckpt)
    check_loop(model)
    data['checkpoint'] = dict(path=ckpt.name, fingerprint=weights_fingerprint(model))
    data.setdefault(a.section, {})
    for v in a.variants:
        data[a.section].update(measure(model, v, a.n, a.seed, ENDINGS if a.endings else ('x0',), quality=a.quality))
        save(out, data)                                  # after each variant, so an interrupted run keeps what it measured

if __name__ == '__main__': main()
