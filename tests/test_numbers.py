"Issue 28: numbers. The parser reads them without changing any one-digit reading; `write` draws them in one hand; the CLI writes strips and refuses bad input in one line."
import subprocess, sys
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

def test_cli_refuses_bad_numbers(tmp_path, capsys):
    from textdiff_mnist.cli import main
    out = tmp_path/'x.png'
    for bad in ('3.5', '-42', '4 2', '1234567890123'):
        with pytest.raises(SystemExit) as e: main(['generate', bad, '--out', str(out)])
        err = capsys.readouterr().err
        assert e.value.code == 2 and len(err.strip().splitlines()) == 1 and not out.exists(), err
