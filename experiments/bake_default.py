"""Bake the default's guidance (1.9, 'interval' schedule) into a copy of the bundled model: one network pass per
step instead of two on the guided steps (36 -> 20 passes for ten digits at 20 steps). Stage A of chapter 18's
distillation with the default's guidance; resumable. Writes OUT/baked.pt (a training-style checkpoint) and OUT/bake.json.

    python experiments/bake_default.py --out runs/bake --steps 1000
    python experiments/bake_default.py --out runs/bake --check      # chapter 14a's model check of OUT/baked.pt, unguided: OUT/check.json
"""
import argparse, copy, json, time
from dataclasses import asdict
from pathlib import Path
import torch
from textdiff_mnist.checkpoint import save_checkpoint, CKPT_FORMAT, weights_fingerprint
from textdiff_mnist.train import TrainingData
from textdiff_mnist.distill import DistillConfig, train_stage
from textdiff_mnist.generation import get_model, DEFAULT_GUIDANCE, DEFAULT_SCHEDULE

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--out', default='runs/bake'); ap.add_argument('--steps', type=int, default=1000)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--check', action='store_true', help="run chapter 14a's model check of OUT/baked.pt with guidance 0 (its guidance is baked in)")
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    if a.check: return check(out)
    teacher = get_model(device='cpu').eval()
    cfg = DistillConfig(guidance=DEFAULT_GUIDANCE, guidance_schedule=DEFAULT_SCHEDULE, bake_steps=a.steps, rounds=(), ckpt_every=100)
    student = copy.deepcopy(teacher)
    r = train_stage(student, teacher, TrainingData.mnist(), cfg, 0, a.steps, 0, out, log=lambda m: print(time.strftime('%H:%M:%S'), m, flush=True))
    card = dict(kind='guidance-baked', teacher=weights_fingerprint(teacher), guidance=DEFAULT_GUIDANCE, guidance_schedule=DEFAULT_SCHEDULE,
                recipe=asdict(cfg), result=r, command=f"python experiments/bake_default.py --out {a.out} --steps {a.steps} --threads {a.threads}")
    save_checkpoint(out/'baked.pt', dict(format=CKPT_FORMAT, model_config=student.config(), ema=student.state_dict(), card=json.dumps(card)))
    (out/'bake.json').write_text(json.dumps(dict(card, fingerprint=weights_fingerprint(student)), indent=1))
    print('done', weights_fingerprint(student))

def check(out: Path):
    "The model check (accuracy, Fréchet ratio at n = 2,000 x 2 seeds, distractors, lexicon, specks) of the baked network, run unguided in ONNX Runtime."
    import functools
    import textdiff_mnist.modelcheck as mc
    from textdiff_mnist.checkpoint import load_model
    from textdiff_mnist.generation import generate, in_backend
    mc.generate, mc.DEFAULT_GUIDANCE = functools.partial(generate, guidance=0.0), 0.0     # the check's default setting, unguided
    model = in_backend(load_model(out/'baked.pt'), 'onnxruntime')
    rec = mc.check_model(model)
    rec['note'] = 'guidance-baked network (experiments/bake_default.py), sampled unguided: dpm, 20 steps, onnxruntime backend'
    (out/'check.json').write_text(json.dumps(rec, indent=1, default=float)); print(json.dumps(rec['quality'], default=float)[:600])

if __name__ == '__main__': main()
