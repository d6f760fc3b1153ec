"Issue 28: numbers. The parser reads them without changing any one-digit reading; `write` draws them in one hand; the CLI writes strips and refuses bad input in one line."
import json, subprocess, sys
from pathlib import Path
import numpy as np, pytest, torch
from textdiff_mnist.captions import (read_prompt, parse_prompt, ParsedNumber, NumberError, require_digit, captions_for,
                                     distractor_prompts)

def test_numbers_parse():
    for q, d in [('2026', '2026'), ('007', '007'), ('555-0199', '5550199'), ('four two', '42'), ('a thick slanted 42', '42'),
                 ('2026, written thin', '2026'), ('I won 1984', '1984')]:
        assert read_prompt(q).digits == d, q
    assert read_prompt('a thick slanted 42').levels[:2] == (2, 2) and read_prompt('2026, written thin').levels[0] == 0

def test_one_digit_prompts_keep_their_reading():
    for q, d in [('seven 7', 7), ('a 5 for me', 5), ('give me a 9 too', 9), ('I won a 6', 6), ('my dog ate a 2', 2), ('-7', 7)]:
        assert read_prompt(q).digit == d, q
    lab, lev = np.arange(10).repeat(30), np.random.default_rng(0).integers(0, 3, (300, 3))
    qs = [q for h in (False, True) for q in captions_for(lab, lev, seed=1, heldout=h, filler=0.3, intensity=0.2)]
    qs += distractor_prompts(True)[0] + distractor_prompts(False)[0]
    assert all(read_prompt(q) == parse_prompt(q) for q in qs)

@pytest.mark.parametrize('bad,why', [('4 2', "'42'"), ('3.5', 'decimal'), ('-42', 'negative'), ('1234567890123', 'at most 12'),
                                     ('42, I mean four three', 'disagree'), ('42 or 43', 'disagree')])
def test_bad_numbers(bad, why):
    with pytest.raises(NumberError, match=why): read_prompt(bad)

def test_generate_points_to_write():
    with pytest.raises(ValueError, match='textdiff_mnist.write'): require_digit('2026')

def test_write():
    from textdiff_mnist import write, generate
    im, boxes = write('a thick 42', n=2, sampler='fast', backend='torch', return_boxes=True)
    assert im.shape[:3] == (2, 1, 28) and 0 <= im.min() and im.max() <= 1 and [len(b) for b in boxes] == [2, 2]
    assert all(0 <= x0 < x1 <= im.shape[-1] for b in boxes for x0, x1 in b)
    assert torch.equal(write('a thick 42', n=2, sampler='fast', backend='torch'), im)
    assert torch.equal(write('7', sampler='fast', backend='torch'), generate('7', sampler='fast', backend='torch'))

def test_write_runs_the_network_the_guidance_asks_for():
    # the default's guidance runs the guidance-baked network, another the teacher (as generate); a recipe whose weights are the
    # teacher's (made before the baked default) is redrawn by the teacher
    from textdiff_mnist import write
    from textdiff_mnist.numbers import number_recipe, rewrite
    from textdiff_mnist.generation import bundled_model, BUNDLED_WEIGHTS
    from textdiff_mnist.checkpoint import weights_fingerprint
    assert write('42', guidance=3.0, steps=2, backend='torch').shape[:3] == (1, 1, 28)
    teacher = bundled_model(BUNDLED_WEIGHTS, backend='torch')
    r = dict(number_recipe('42', steps=2, backend='torch'), weights=weights_fingerprint(teacher))
    assert torch.equal(rewrite(r)[0], write('42', steps=2, checkpoint=teacher, backend='torch'))

def test_cli_refuses_bad_numbers(tmp_path, capsys):
    from textdiff_mnist.cli import main
    out = tmp_path/'x.png'
    for bad in ('3.5', '-42', '4 2', '1234567890123'):
        with pytest.raises(SystemExit) as e: main(['generate', bad, '--out', str(out)])
        err = capsys.readouterr().err
        assert e.value.code == 2 and len(err.strip().splitlines()) == 1 and not out.exists(), err

def test_dataset_numbers(tmp_path, capsys):
    # `dataset --numbers`: an .npz of numbers padded to the widest, widths, string labels, boxes, prompts, seeds, recipe;
    # number i drawn as `write` draws it from its dataset seed; with --format mnist refused in one line, exit 2, nothing written
    from textdiff_mnist.cli import main
    from textdiff_mnist.fast import dataset_seed
    from textdiff_mnist.generation import model_for
    from textdiff_mnist.numbers import dataset_numbers, draw_numbers
    for extra in (['--format', 'mnist'], ['--format', 'mnist', '--n-test', '2']):
        with pytest.raises(SystemExit) as e: main(['dataset', '--numbers', '--n', '3', '--out', str(tmp_path/'m'), *extra])
        err = capsys.readouterr().err
        assert e.value.code == 2 and len(err.strip().splitlines()) == 1 and '--numbers' in err and not list(tmp_path.iterdir()), err
    out = tmp_path/'numbers.npz'
    main(['dataset', '--numbers', '--n', '3', '--chunk', '2', '--seed', '1', '--out', str(out), '--quiet', '--backend', 'torch'])
    assert sorted(p.name for p in tmp_path.iterdir()) == ['numbers.npz']          # the chunks are gone
    nums, prompts = dataset_numbers(3, 1)
    assert all(2 <= len(x) <= 6 for x in nums) and [read_prompt(q).digits for q in prompts] == nums
    with np.load(out) as z:
        assert z['labels'].tolist() == nums and z['prompts'].tolist() == prompts and z['images'].dtype == np.uint8
        assert z['images'].shape == (3, 28, z['widths'].max()) and z['boxes'].shape == (3, 6, 2)
        for i, x in enumerate(nums):
            b = z['boxes'][i]
            assert (b[len(x):] == -1).all() and (np.diff(b[:len(x)].ravel()) > 0).all() and b[len(x) - 1, 1] <= z['widths'][i]
            assert not z['images'][i, :, z['widths'][i]:].any()                     # padded with zeros
        assert z['seeds'].tolist() == [dataset_seed(1, i) for i in range(3)]
        assert json.loads(str(z['recipe']))['kind'] == 'number dataset'
        s, b = draw_numbers(model_for('fast', backend='torch'), prompts[:1], [dataset_seed(1, 0)], 'fast')[0]
        assert [list(x) for x in b] == z['boxes'][0, :len(b)].tolist()
        assert np.abs(np.round(s * 255) - z['images'][0, :, :s.shape[1]]).max() <= 1

@pytest.fixture(scope='module')
def number_client():
    from fastapi.testclient import TestClient
    from textdiff_mnist.serve import create_app, ServeSettings
    return TestClient(create_app(settings=ServeSettings(max_images=8), backend='torch'))

def test_serve_numbers(number_client, monkeypatch):
    # /v1/generate draws a number prompt (JSON: a strip per image with its width, boxes and number; the single-digit items
    # unchanged); the schema describes them; bad number prompts get the parser's marked 422 before any model time
    import base64, io
    from PIL import Image
    from textdiff_mnist import write
    import textdiff_mnist.serve as serve
    c = number_client
    r = c.post('/v1/generate', json=dict(prompts=['a thick 42', '7'], n=2, sampler='fast', format='json'))
    assert r.status_code == 200, r.text
    items = r.json()['images']
    im, boxes = write('a thick 42', n=2, sampler='fast', backend='torch', return_boxes=True)
    for it, b in zip(items[:2], boxes):
        assert (it['number'], it['digit'], it['boxes']) == ('42', None, [list(x) for x in b])
        assert Image.open(io.BytesIO(base64.b64decode(it['png']))).size == (it['width'], 28) and it['width'] == b[-1][1] + 3
    assert [set(it) for it in items[2:]] == [{'prompt', 'digit', 'seed', 'ignored', 'png'}] * 2 and items[2]['digit'] == 7
    r = c.post('/v1/generate', json=dict(prompt='2026', sampler='fast'))
    assert r.status_code == 200 and r.headers['content-type'] == 'image/png'
    from textdiff_mnist.numbers import rewrite
    from textdiff_mnist.generation import read_recipe
    (p := Path(__import__('tempfile').mkdtemp())/'n.png').write_bytes(r.content)
    assert read_recipe(p)['kind'] == 'number' and torch.equal(rewrite(p)[0], write('2026', sampler='fast', backend='torch'))
    spec = c.get('/openapi.json').json()
    ok = spec['paths']['/v1/generate']['post']['responses']['200']['content']['application/json']['schema']
    assert ok == {'$ref': '#/components/schemas/GenerateAnswer'}
    assert {'number', 'width', 'boxes'} <= set(spec['components']['schemas']['ImageAnswer']['properties'])
    assert 'number of 2 to 12' in spec['components']['schemas']['GenerateRequest']['properties']['prompt']['description']
    def no_model(*a, **k): raise AssertionError('the model ran')
    monkeypatch.setattr(serve, '_draw_until', no_model)
    for bad, why in [('4 2', "'42'"), ('3.5', 'decimal'), ('1234567890123', 'at most 12'), ('42, I mean four three', 'disagree')]:
        r = c.post('/v1/generate', json=dict(prompts=['2026', bad]))
        j = r.json()
        assert r.status_code == 422 and why in j['error'] and j['detail'] == [dict(loc=['body'], msg=j['error'], type='prompt_digit')], j

def test_serve_mixed_recipe_and_digit_limit(number_client, monkeypatch, capsys):
    # a request mixing digits and numbers answers a grid whose recipe (kind 'mixed') `rewrite` redraws pixel for pixel; a request
    # whose numbers make more digits than the server's limit (8 here) gets the parser's marked 422, before any model time
    import base64, io, tempfile
    from PIL import Image
    from textdiff_mnist.numbers import rewrite
    from textdiff_mnist.generation import read_recipe
    import textdiff_mnist.serve as serve
    c, body = number_client, dict(prompts=['42', '7'], n=2, sampler='fast')
    items = c.post('/v1/generate', json=dict(body, format='json')).json()['images']
    (p := Path(tempfile.mkdtemp())/'mixed.png').write_bytes(c.post('/v1/generate', json=body).content)
    assert read_recipe(p)['kind'] == 'mixed'
    again = rewrite(p)
    assert [it.get('boxes') for it in items] == [[list(x) for x in b] if b else None for _, b in again]
    for it, (im, _) in zip(items, again):
        assert np.array_equal(np.asarray(Image.open(io.BytesIO(base64.b64decode(it['png'])))), np.round(im.numpy() * 255).astype(np.uint8))
    from textdiff_mnist.cli import main                                   # and from a shell: redrawn, the labelled grid not compared
    main(['regenerate', str(p)]); assert '4 images (digits and numbers)' in capsys.readouterr().out
    with pytest.raises(SystemExit) as e: main(['regenerate', str(p), '--out', str(p.with_name('x.npz'))])
    assert e.value.code == 2 and '--out' in capsys.readouterr().err and not p.with_name('x.npz').exists()
    def no_model(*a, **k): raise AssertionError('the model ran')
    monkeypatch.setattr(serve, '_draw_until', no_model)
    for bad, why in [(dict(prompts=['2026', '7'], n=2), 'make 10 digits'), (dict(prompt='123456789', n=1), 'makes 9 digits')]:
        r = c.post('/v1/generate', json=bad); j = r.json()
        assert r.status_code == 422 and why in j['error'] and j['detail'] == [dict(loc=['body'], msg=j['error'], type='prompt_digit')], j

def test_cli_regenerates_numbers(tmp_path, capsys):
    # `textdiff-mnist regenerate FILE` redraws a number's strips from the recipe in the .npz, checks the pixels; a changed file: exit 2, one line
    from textdiff_mnist.cli import main
    f = tmp_path/'n.npz'
    main(['generate', '42', '--sampler', 'fast', '--backend', 'torch', '--out', str(f)]); capsys.readouterr()
    main(['regenerate', str(f)])
    assert 'within 2/255' in capsys.readouterr().out
    with np.load(f) as z: zz = dict(z)
    zz['images'][0, 14, 8] ^= 0x80; np.savez(tmp_path/'changed.npz', **zz)
    with pytest.raises(SystemExit) as e: main(['regenerate', str(tmp_path/'changed.npz'), '--out', str(tmp_path/'x.npz')])
    err = capsys.readouterr().err
    assert e.value.code == 2 and len(err.strip().splitlines()) == 1 and 'differ' in err and not (tmp_path/'x.npz').exists(), err

def test_ui_numbers(tmp_path):
    # the notebook UI shows a number's strips (drawn by `write`), saves them with their recipe, and says the parser's refusals
    from textdiff_mnist.ui import GeneratorUI
    from textdiff_mnist import write
    ui = GeneratorUI(prompt='a thin 2026', n=2, sampler='fast', backend='torch', debounce=0)
    ui.button.click()
    im, boxes = write('a thin 2026', n=2, sampler='fast', backend='torch', return_boxes=True)
    assert torch.equal(ui.images, im) and ui.boxes == boxes and ui.recipe['kind'] == 'number', ui.status.value
    ui.save_path.value = str(tmp_path/'s.npz'); ui.save_button.click()
    with np.load(tmp_path/'s.npz') as z: assert z['labels'].tolist() == ['2026', '2026']
    ui.prompt.value = '3.5'; ui.button.click()
    assert 'decimal' in ui.status.value and torch.equal(ui.images, im)
