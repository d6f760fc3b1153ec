# %% [markdown]
# # Core helpers
#
# > Small utilities every other chapter leans on: digit names, image-batch conversion, seeding, and atomic file writes.

# %%
#| default_exp core

# %%
#| export
from __future__ import annotations
import os, random, tempfile
from contextlib import contextmanager
from pathlib import Path
import numpy as np
import torch

# %%
from fastcore.test import test_eq, test_fail

# %% [markdown]
# ## Digit names
#
# The model is conditioned on text, but underneath every prompt there is one of ten digits. `DIGIT_WORDS[d]` is the English word for digit `d`.

# %%
#| export
DIGIT_WORDS = ('zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine')

# %%
test_eq(DIGIT_WORDS[7], 'seven')
test_eq(len(DIGIT_WORDS), 10)

# %% [markdown]
# ## Image batches
#
# Images travel through the library in two forms: `uint8` arrays of shape `(N, 28, 28)` (how MNIST is stored, and how we save samples) and float tensors of shape `(N, 1, 28, 28)` in `[0, 1]` (what networks eat). `as_image_batch` accepts either (or a single image) and returns the float form; `to_uint8` goes back.

# %%
#| export
def as_image_batch(x) -> torch.Tensor:
    "Images as a float32 tensor `(N,1,28,28)` in [0,1], from uint8/float arrays or tensors of shape (28,28), (N,28,28) or (N,1,28,28)."
    t = torch.as_tensor(np.asarray(x) if not isinstance(x, torch.Tensor) else x)
    if t.dtype == torch.uint8: t = t.float() / 255.
    else: t = t.float()
    if t.ndim == 2: t = t[None]
    if t.ndim == 3: t = t[:, None]
    if t.ndim != 4 or t.shape[1:] != (1, 28, 28):
        raise ValueError(f"expected images of shape (N,28,28) or (N,1,28,28), got {tuple(t.shape)}")
    return t.clamp(0, 1)

def to_uint8(x) -> np.ndarray:
    "Images as a uint8 array `(N,28,28)`, from anything `as_image_batch` accepts."
    return (as_image_batch(x)[:, 0] * 255).round().to(torch.uint8).numpy()

# %%
u = np.arange(2*28*28, dtype=np.uint8).reshape(2, 28, 28)
f = as_image_batch(u)
test_eq(f.shape, (2, 1, 28, 28))
test_eq(to_uint8(f), u)
test_eq(as_image_batch(np.zeros((28, 28), np.float32)).shape, (1, 1, 28, 28))
test_fail(lambda: as_image_batch(np.zeros((3, 32, 32))), contains='28')

# %% [markdown]
# ## Seeds
#
# Reproducibility is a feature: the same seed must give the same image. `seed_everything` seeds Python, NumPy and torch at once; `generator_for` makes a private `torch.Generator` so that sampling does not depend on (or disturb) the global RNG.

# %%
#| export
def seed_everything(seed: int):
    "Seed Python's, NumPy's and torch's global RNGs."
    random.seed(seed); np.random.seed(seed % 2**32); torch.manual_seed(seed)

def generator_for(seed: int) -> torch.Generator:
    "A CPU `torch.Generator` seeded with `seed`."
    g = torch.Generator(); g.manual_seed(int(seed)); return g

# %%
seed_everything(0); a = torch.rand(3)
seed_everything(0); test_eq(torch.rand(3), a)
test_eq(torch.rand(2, generator=generator_for(5)), torch.rand(2, generator=generator_for(5)))

# %% [markdown]
# ## Atomic writes
#
# Anything we write (a data cache, a checkpoint, a PNG) must never be left half-written: a later load would trust a truncated file. `atomic_write` yields a temporary path in the same directory; only when the block finishes without error is it renamed over the destination (`os.replace` is atomic on POSIX). On error the temporary file is removed and the destination is untouched.

# %%
#| export
@contextmanager
def atomic_write(path):
    "Context manager yielding a temp path next to `path`; renamed to `path` only if the block succeeds."
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f'.{path.name}.', suffix='.tmp')
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        try: os.unlink(tmp)
        except FileNotFoundError: pass
        raise

# %%
import tempfile as _tf
d = Path(_tf.mkdtemp())
with atomic_write(d/'a.txt') as p: p.write_text('hello')
test_eq((d/'a.txt').read_text(), 'hello')
def _boom():
    with atomic_write(d/'a.txt') as p:
        p.write_text('half'); raise RuntimeError('interrupted')
test_fail(_boom, contains='interrupted')
test_eq((d/'a.txt').read_text(), 'hello')          # the old file survives
test_eq([f.name for f in d.iterdir()], ['a.txt'])   # and no temp file is left behind

# %% [markdown]
# ## Where things live
#
# Downloaded and derived data (the MNIST cache, attribute measurements) go to a per-user cache directory, which `TEXTDIFF_MNIST_CACHE` overrides. Weights shipped with the package live in `textdiff_mnist/weights/`.

# %%
#| export
def cache_dir() -> Path:
    "Per-user cache directory (`$TEXTDIFF_MNIST_CACHE`, else `~/.cache/textdiff_mnist`)."
    return Path(os.environ.get('TEXTDIFF_MNIST_CACHE') or Path.home()/'.cache'/'textdiff_mnist').expanduser()

def weights_dir() -> Path:
    "Directory of the weights bundled with the package."
    return Path(__file__).parent/'weights'

# %%
old = os.environ.get('TEXTDIFF_MNIST_CACHE')
os.environ['TEXTDIFF_MNIST_CACHE'] = '/tmp/xyz'
test_eq(cache_dir(), Path('/tmp/xyz'))
if old is None: del os.environ['TEXTDIFF_MNIST_CACHE']
else: os.environ['TEXTDIFF_MNIST_CACHE'] = old
