"""Issue 28's per-digit accuracy of numbers (chapter 19b's `number_accuracy`): the evaluator on the cut-outs of the chapter's
1,000 test numbers of 2 to 6 digits (number i drawn as `write(prompt_i, seed=i)`), with the default settings or the fast
sampler. Merges one entry into --out (`accuracy_default` or `accuracy`, the fast sampler's), written atomically at the end.

    python experiments/number_accuracy.py --setting default --out results/numbers.json     # dpm 20 steps, guidance 1.9, backend auto (about an hour on one thread)
    python experiments/number_accuracy.py --setting fast --out results/numbers.json        # the distilled student (minutes)

'default' takes whatever the library's defaults are when it runs (sampler, steps, guidance, schedule, backend, bundled weights),
so after a change of the default network the same command measures the new one; the entry records what ran.
"""
import argparse, json, os, platform, sys, time
from pathlib import Path

KEYS = dict(default='accuracy_default', fast='accuracy')

def cpu_name() -> str:
    try: return next(l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name'))
    except (OSError, StopIteration): return platform.processor() or platform.machine()

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--setting', choices=tuple(KEYS), default='default', help='default: the library defaults; fast: the distilled student')
    ap.add_argument('--count', type=int, default=1000, help='numbers (default 1000)')
    ap.add_argument('--seed', type=int, default=0, help='which test numbers (default 0: the chapter\'s)')
    ap.add_argument('--backend', default=None, help='auto, torch or onnxruntime (default: the library default)')
    ap.add_argument('--threads', type=int, default=1, help='torch and ONNX Runtime threads (default 1)')
    ap.add_argument('--out', default='results/numbers.json')
    a = ap.parse_args()
    import torch
    torch.set_num_threads(a.threads)
    from textdiff_mnist.generation import DEFAULT_BACKEND
    from textdiff_mnist.numbers import number_accuracy
    t0 = time.time(); last = [0.0]
    def progress(step, total):
        if time.time() - last[0] > 60 or step == total:
            last[0] = time.time(); print(f"{time.strftime('%H:%M:%S')} step {step}/{total} ({time.time() - t0:.0f} s)", flush=True)
    kw = dict(sampler='fast') if a.setting == 'fast' else {}
    r = number_accuracy(a.count, seed=a.seed, backend=a.backend or DEFAULT_BACKEND, progress=progress, **kw)
    r.update(setting=a.setting, machine=f"{cpu_name()}, {os.cpu_count()} cores", threads=a.threads, date=time.strftime('%Y-%m-%d'),
             command='python experiments/number_accuracy.py ' + ' '.join(sys.argv[1:]))
    out = Path(a.out); data = json.loads(out.read_text()) if out.exists() else {}
    data[KEYS[a.setting]] = r
    tmp = out.with_name(out.name + '.tmp'); tmp.write_text(json.dumps(data, indent=1) + '\n'); os.replace(tmp, out)
    print(json.dumps(r, indent=1))
