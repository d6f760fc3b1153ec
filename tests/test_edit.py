"""Edit chapter (18) from the outside: the MNIST-style conversion on pictures with known answers (PNG and JPEG files),
determinism, bad input through the API, the command line and the UI, and small restyle / interpolate / GIF runs."""
import numpy as np, pytest, torch
from PIL import Image, ImageDraw
from textdiff_mnist.edit import (to_mnist, restyle, interpolate, denoising_states, save_gif, restyle_recipe, replay_restyle,
                                 interpolation_labels)
from textdiff_mnist.generation import GenerationError, generate, read_recipe
from textdiff_mnist.cli import main

pytest_plugins = ['_fixtures']     # tiny_model, tiny_weights: one untrained tiny model for the whole session

BAR = torch.zeros(1, 28, 28); BAR[0, 5:25, 10:20] = 1        # a 40x80 bar, fitted into 20x20 and centred by mass

def bar_picture(bg, fg, size=(300, 200), at=(200, 40)):
    im = Image.new('RGB', size, bg); im.paste(fg, (at[0], at[1], at[0] + 40, at[1] + 80)); return im

@pytest.mark.parametrize('bg,fg', [('white', 'black'), ('black', 'white'), ((250, 240, 200), (20, 20, 120))])
def test_known_answer_png(tmp_path, bg, fg):
    bar_picture(bg, fg).save(tmp_path/'b.png')
    assert torch.allclose(to_mnist(tmp_path/'b.png'), BAR, atol=1e-6)

def test_known_answer_jpeg_and_transparency(tmp_path):
    bar_picture('white', 'black').save(tmp_path/'b.jpg', quality=85)
    x = to_mnist(tmp_path/'b.jpg')
    assert (x - BAR).abs().mean() < 0.01 and (x - BAR).abs().max() < 0.5           # lossy, but the same bar in the same place
    im = Image.new('RGBA', (100, 100), (0, 0, 0, 0)); ImageDraw.Draw(im).rectangle((40, 10, 59, 89), fill=(0, 0, 0, 255))
    y = to_mnist(im)[0]                                                             # black ink on a transparent background
    assert y[5:25, 12:17].min() > 0.99 and y.sum() == pytest.approx(100, abs=0.5)  # a 20x5 bar: 100 pixels of ink

def test_seed_determinism(tiny_model):
    tiny = tiny_model
    a = restyle(BAR[0].numpy(), 'a thick 1', 0.6, seed=5, n=2, steps=3, checkpoint=tiny)
    assert torch.equal(a, restyle(BAR[0].numpy(), 'a thick 1', 0.6, seed=5, n=2, steps=3, checkpoint=tiny))
    assert not torch.equal(a, restyle(BAR[0].numpy(), 'a thick 1', 0.6, seed=6, n=2, steps=3, checkpoint=tiny))
    f = interpolate('1', '7', frames=3, seed_a=1, steps=2, checkpoint=tiny)
    assert torch.equal(f, interpolate('1', '7', frames=3, seed_a=1, steps=2, checkpoint=tiny))

@pytest.mark.parametrize('kw,msg', [(dict(image=b'junk'), 'could not read'), (dict(image=np.zeros((30, 30))), 'looks blank'),
                                    (dict(strength=-0.1), 'strength must be'), (dict(strength=float('inf')), 'strength must be'),
                                    (dict(prompt='a cat'), 'digit'), (dict(n=0), 'n must be')])
def test_bad_input_api(tiny_model, kw, msg):
    args = dict(image=BAR[0].numpy(), prompt='a thick 1', strength=0.5, checkpoint=tiny_model) | kw
    with pytest.raises(GenerationError, match=msg): restyle(**args)

# (the console script itself, a separate process with its exit status and stderr, is run by tests/test_train_cli.py:
#  `main` is the same for every command)
@pytest.mark.parametrize('args,msg', [(['restyle', 'JUNK', 'a thick 3'], 'could not read'), (['restyle', 'IN', '7', '--strength', '2'], 'strength must be'),
                                      (['restyle', 'BLANK', '7'], 'looks blank'), (['restyle', 'IN', 'zebra'], 'digit'),
                                      (['interpolate', '1', 'zebra'], 'digit'), (['interpolate', '1', '7', '--out', 'OUT.jpg'], 'JPEG'),
                                      (['generate', '7', '--gif', 'OUT.png'], 'must end in .gif')])
def test_bad_input_cli(tmp_path, capsys, args, msg):
    bar_picture('white', 'black').save(tmp_path/'in.png'); Image.new('L', (40, 40), 255).save(tmp_path/'blank.png')
    (tmp_path/'junk.png').write_bytes(b'junk')
    sub = {'IN': str(tmp_path/'in.png'), 'BLANK': str(tmp_path/'blank.png'), 'JUNK': str(tmp_path/'junk.png'), 'OUT.jpg': str(tmp_path/'o.jpg'), 'OUT.png': str(tmp_path/'o.png')}
    argv = [sub.get(a, a) for a in args]
    if '--out' not in argv: argv += ['--out', str(tmp_path/'o.png')]
    with pytest.raises(SystemExit) as e: main(argv)
    err = capsys.readouterr().err
    assert e.value.code == 2 and err.count('\n') == 1 and msg in err, err
    assert list(tmp_path.iterdir()) and not [p for p in tmp_path.iterdir() if p.name.startswith('o.')]

def test_small_runs_bundled(tmp_path, capsys):
    bar_picture('white', 'black').save(tmp_path/'in.png')
    main(['restyle', str(tmp_path/'in.png'), 'a thick 1', '--strength', '0.4', '--steps', '4', '--out', str(tmp_path/'r.npz')])
    rec = read_recipe(tmp_path/'r.npz')
    with np.load(tmp_path/'r.npz') as z: imgs = z['images']
    assert imgs.shape == (1, 28, 28) and rec == restyle_recipe(tmp_path/'in.png', 'a thick 1', 0.4, steps=4)
    assert np.array_equal(imgs, (replay_restyle(rec, tmp_path/'in.png') * 255).round().to(torch.uint8)[:, 0].numpy())
    main(['interpolate', 'a thin 1', 'a thick 7', '--frames', '4', '--steps', '4', '--out', str(tmp_path/'s.npz')])
    with np.load(tmp_path/'s.npz') as z:
        assert z['images'].shape == (4, 28, 28) and list(z['prompts']) == interpolation_labels('a thin 1', 'a thick 7', 4)
    main(['generate', '3', '--n', '2', '--steps', '4', '--out', str(tmp_path/'g.png'), '--gif', str(tmp_path/'g.gif')])
    with Image.open(tmp_path/'g.gif') as g: assert g.n_frames == 5
    assert 'wrote the denoising (5 frames)' in capsys.readouterr().out

def test_ui_bad_and_good(tiny_weights):
    from textdiff_mnist.ui import EditUI, UPLOAD_SOURCE
    ui = EditUI(checkpoint=tiny_weights, steps=2)
    ui.source.value = UPLOAD_SOURCE; ui.restyle_button.click()
    assert 'no picture uploaded' in ui.status.value and ui.images is None
    ui.interp_button.click()
    assert ui.images.shape == (8, 1, 28, 28) and '⚠' not in ui.status.value

def test_edit_rows_for_the_benchmark(tmp_path, tiny_model):
    """Chapter 17's measurements as benchmark rows (chapter 14) survive saving and are shown in the table. The rows' kinds,
    settings, frames, well-formedness (`row_problems`) and log lines are chapter 17's checks (`edit_rows` of its tiny model,
    2 steps); the bundled model's rows, through `textdiff-mnist bench --quick --edit 1`, are tests/test_bench.py's. So here the
    session's untrained tiny model at 2 steps is enough: what is tested is the bookkeeping, not the pictures."""
    from textdiff_mnist.edit import edit_rows
    from textdiff_mnist.evaluator import load_evaluator
    from textdiff_mnist.report import save_results, load_results, results_table, edit_summary
    rows = edit_rows(tiny_model, load_evaluator(), per_digit=1, n_pairs=2, steps=2, label='test box')
    assert len(rows) == 10 and rows[-1]['frames'] == 3 and rows[-1]['bytes'] > 0 and all(r['sec_per_image'] > 0 for r in rows)
    save_results(rows, {}, tmp_path)
    assert load_results(tmp_path)[0] == json_roundtrip(rows)
    table = results_table(rows)
    assert all(f"| {r['setting']} | {r['n']} |" in table and edit_summary(r) in table for r in rows)

def json_roundtrip(rows):
    "What JSON holds of `rows` as `save_results` promises it: floats to 6 significant digits, NaN as null, numpy scalars as Python's."
    import json, math
    def c(v):
        if isinstance(v, (float, np.floating)): return float(f"{float(v):.6g}") if math.isfinite(v) else None
        if isinstance(v, np.integer): return int(v)
        if isinstance(v, dict): return {k: c(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)): return [c(x) for x in v]
        return v
    return json.loads(json.dumps(c(rows)))
