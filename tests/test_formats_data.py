"""Synthetic data in the field's format (issue 26, chapter 19): `textdiff-mnist dataset --format mnist` writes MNIST's
IDX files, and torchvision reads them as it reads the real MNIST; bad input is one line, exit 2, and nothing written."""
import json, os, subprocess
from pathlib import Path
import pytest
import torch
import torchvision                   # in the dev extra, as pytest is
from textdiff_mnist.captions import parse_prompt
from textdiff_mnist.cli import main
pytest.register_assert_rewrite('_fixtures')
from _fixtures import CLI


def test_mnist_format_read_by_torchvision(tmp_path):
    out = tmp_path/'synth'                       # --n 18: --n-test defaults to 18 // 6 = 3; the fast sampler, the bundled student
    res = subprocess.run([CLI, 'dataset', '--format', 'mnist', '--out', str(out), '--n', '18', '--chunk', '8', '--quiet'],
                         capture_output=True, text=True, env={**os.environ, 'OMP_NUM_THREADS': '1'}, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith('wrote 18 training and 3 test images to '), res.stdout
    raw = out/'MNIST'/'raw'
    assert sorted(os.listdir(out)) == ['MNIST']                               # no parts or staging folder left
    assert {'train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte',
            'train-prompts.json', 't10k-prompts.json', 'recipe.json'} == set(os.listdir(raw))
    assert (raw/'train-images-idx3-ubyte').read_bytes()[:16] == bytes.fromhex('00000803 00000012 0000001c 0000001c')
    seeds = {}
    for train, n, split in ((True, 18, 'train'), (False, 3, 't10k')):
        ds = torchvision.datasets.MNIST(out, train=train, download=False)
        assert len(ds) == n and ds.data.shape == (n, 28, 28) and ds.data.dtype == torch.uint8
        img, label = ds[0]
        assert img.size == (28, 28) and isinstance(label, int)               # a PIL image and an int, as for the real MNIST
        rec = json.loads((raw/f'{split}-prompts.json').read_text())
        assert [parse_prompt(p).digits for p in rec['prompts']] == [(t,) for t in ds.targets.tolist()]
        assert ds.data.float().std() > 10                                    # digits, not a blank page
        seeds[split] = rec['seeds']
    assert len(set(seeds['train'] + seeds['t10k'])) == 21                    # test images have seeds of their own
    recipe = json.loads((raw/'recipe.json').read_text())
    assert (recipe['format'], recipe['n'], recipe['n_test'], recipe['sampler']) == ('mnist', 18, 3, 'fast')

@pytest.mark.parametrize('args, msg', [
    (['--n-test', '3', '--out', '{d}/s.npz'], '--n-test is the size of the test split of --format mnist'),      # npz has no split
    (['--format', 'mnist', '--out', '{d}/file'], 'is not a directory'),
    (['--format', 'mnist', '--out', '{d}/done'], 'already exists'),
    (['--format', 'mnist', '--out', '{d}/s.npz'], 'writes a directory'),
    (['--format', 'mnist', '--n', '5', '--out', '{d}/new'], 'give --n-test'),
    (['--format', 'mnist', '--n', '-4', '--out', '{d}/new'], 'expected a positive integer'),
    (['--format', 'mnist', '--n-test', '0', '--out', '{d}/new'], 'expected a positive integer'),
    (['--format', 'mnist', '--n', '10000000', '--out', '{d}/new'], 'at most 10000000'),
    (['--format', 'idx', '--out', '{d}/new'], "invalid choice: 'idx'"),
])
def test_dataset_bad_input(tmp_path, capsys, args, msg):
    (tmp_path/'file').write_text('x'); (tmp_path/'done'/'MNIST').mkdir(parents=True)
    before = sorted(tmp_path.rglob('*'))
    with pytest.raises(SystemExit) as e: main(['dataset', '--quiet', *[a.format(d=tmp_path) for a in args]])   # the console script's entry
    err = capsys.readouterr().err
    assert e.value.code == 2 and msg in err and err.count('\n') == 1, err
    assert sorted(tmp_path.rglob('*')) == before                             # nothing written
