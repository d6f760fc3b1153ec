"The numpy twin of torch's CPU normal generator (chapter 06a): it imports no torch, and it draws torch's noise for the same seed."
import subprocess, sys
import numpy as np
import torch
from textdiff_mnist.noise import randn, np_noise_source, np_clip_noise
from textdiff_mnist.samplers import noise_source, clip_noise

def test_import_is_torch_free():
    code = "import sys, textdiff_mnist.noise; print('torch' in sys.modules)"
    assert subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True).stdout.strip() == 'False'

def test_matches_torch():
    for seed in (0, 1, 2**31, 2**32 + 5, 2**63 - 1):
        for n in (1, 7, 16, 17, 785):                      # the scalar path, a whole block, tails
            t = torch.randn(n, generator=torch.Generator().manual_seed(seed)).numpy()
            assert np.abs(randn(n, seed) - t).max() <= 1e-5, (seed, n)
    tsrc, nsrc = noise_source([3, 2**40 + 7]), np_noise_source([3, 2**40 + 7])
    first = nsrc()
    assert np.abs(np_clip_noise(first) - clip_noise(tsrc()).numpy()).max() <= 1e-5      # the starting noise
    assert np.abs(nsrc() - tsrc().numpy()).max() <= 1e-5                                   # a step's noise
