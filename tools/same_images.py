"""Do two versions of the library draw the same images? Record the images of a fixed request list, then compare two records.

    python tools/same_images.py record OUT.npz      # with the library on sys.path (a checkout, or PYTHONPATH=...)
    python tools/same_images.py compare A.npz B.npz

The list: 40 prompts x 3 seeds with explicit settings, for the samplers dpm, ddim, ddpm and fast (`generate`),
for `restyle` (one drawn input), `interpolate` (40 prompt pairs, 3 frames) and the dataset writer (fast and dpm).
Everything runs on the CPU with one torch thread, so two records from the same machine should be bit-identical;
`compare` prints the largest absolute difference per entry (in units of 1/255 of the [0, 1] range too) and exits 1
if any entry differs by more than 1/255. It uses only the public functions that both versions have.
"""
import sys, tempfile, time
from pathlib import Path
import numpy as np

PROMPTS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine',
           '0', '1', '2', '3', '4', '5', '6', '7', '8', '9',
           'a thick 7', 'a thin slanted 4', 'the number 2, drawn thin', 'a wide 0', 'a narrow eight',
           'a bold 3 leaning left', 'a skinny nine', 'digit six, slanted right', 'a heavy 1', 'a 5 for me',
           'seven 7', 'a fluffy 8', 'sevn', 'a thck 2', 'an upright thin 9', 'a light wide four',
           'write a 6', 'number one, thick and narrow', 'three, leaning right', 'a chunky zero']
SEEDS = (0, 1, 2)
SETTINGS = dict(steps=20, guidance=1.9, guidance_schedule='interval')

def _input_image() -> np.ndarray:
    "A drawn digit-like stroke (a '3'-ish pair of arcs) as a uint8 64x64 picture, dark ink on white."
    from PIL import Image, ImageDraw
    im = Image.new('L', (64, 64), 255); d = ImageDraw.Draw(im)
    d.arc((16, 6, 46, 32), -160, 90, fill=0, width=6); d.arc((14, 30, 48, 60), -90, 160, fill=0, width=6)
    return np.asarray(im)

def record(out):
    import torch, warnings
    torch.set_num_threads(1); warnings.simplefilter('ignore')
    import textdiff_mnist
    from textdiff_mnist.generation import generate
    from textdiff_mnist.edit import restyle, interpolate
    from textdiff_mnist.fast import write_dataset
    res, t0 = {}, time.time()
    for sampler in ('dpm', 'ddim', 'ddpm', 'fast'):
        res[sampler] = torch.cat([generate(PROMPTS, seed=s, sampler=sampler, **SETTINGS) for s in SEEDS]).numpy()
    img = _input_image()
    res['restyle'] = torch.cat([restyle(img, p, strength=0.6, seed=s, **SETTINGS) for s in SEEDS for p in PROMPTS]).numpy()
    pairs = list(zip(PROMPTS, PROMPTS[1:] + PROMPTS[:1]))
    res['interpolate'] = torch.cat([interpolate(a, b, frames=3, seed_a=s, **SETTINGS) for s in SEEDS for a, b in pairs]).numpy()
    with tempfile.TemporaryDirectory() as d:
        for sampler, n in (('fast', 40), ('dpm', 40)):
            for s in SEEDS:
                p = write_dataset(Path(d)/f'{sampler}{s}.npz', n, sampler=sampler, seed=s, chunk=16, progress=False, **SETTINGS)
                with np.load(p) as z: res[f'dataset_{sampler}_{s}'] = z['images']
    np.savez(out, version=textdiff_mnist.__version__, source=textdiff_mnist.__file__, **res)
    print(f"recorded {sum(len(v) for v in res.values())} images in {len(res)} entries to {out} in {time.time() - t0:.0f} s")

def compare(a, b) -> int:
    A, B = np.load(a), np.load(b); bad = 0
    for k in sorted(set(A.files) | set(B.files) - {'version', 'source'}):
        if k in ('version', 'source'): continue
        if k not in A.files or k not in B.files: print(f"{k:16s} only in {'A' if k in A.files else 'B'}"); bad += 1; continue
        x, y = A[k].astype(np.float64), B[k].astype(np.float64)
        if x.shape != y.shape: print(f"{k:16s} shapes differ: {x.shape} vs {y.shape}"); bad += 1; continue
        scale = 255 if A[k].dtype == np.uint8 else 1
        d = np.abs(x - y).max() / scale; same = np.array_equal(A[k], B[k])
        print(f"{k:16s} {len(x):4d} images  {'bit-identical' if same else f'max |diff| {d:.3g} = {d * 255:.2f}/255'}")
        bad += d > 1 / 255 + 1e-12
    print('same images' if not bad else f'{bad} entries differ by more than 1/255')
    return 1 if bad else 0

if __name__ == '__main__':
    if len(sys.argv) == 3 and sys.argv[1] == 'record': record(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == 'compare': sys.exit(compare(sys.argv[2], sys.argv[3]))
    else: sys.exit(__doc__)
