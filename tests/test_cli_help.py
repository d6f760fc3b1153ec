"""Every option of every `textdiff-mnist` subcommand (and of `python -m textdiff_mnist.serve`) says in its help what it
accepts and what it is when not given: a flag is off unless given; a required option says so; any other names its default
(the value itself, or what happens without it); a number states its range ("1 or more", "0 to 50", ...). The help is read as
`--help` prints it, after the parser's formatter (chapter 13's `_HelpFormatter` appends what a help string leaves out)."""
import argparse, re
import pytest
from textdiff_mnist.cli import build_parser

RANGE = re.compile(r'-?\d[\d,._]*\s*(?:to|or more)\b|\ba number\b', re.I)

def _parsers():
    "(name, parser) for each subcommand, and the server module's own parser."
    p = build_parser()
    sub = next(a for a in p._actions if isinstance(a, argparse._SubParsersAction))
    yield from sub.choices.items()
    try: from textdiff_mnist.serve import serve_parser
    except ImportError: return                                   # without the serve extra: the subcommands only
    yield 'python -m textdiff_mnist.serve', serve_parser()

def _numeric(a) -> bool:
    "Whether the option takes a number (its type turns '3' into an int or a float)."
    try: return a.type is not None and isinstance(a.type('3'), (int, float))
    except (TypeError, ValueError, argparse.ArgumentTypeError): return False

def _problems(name, parser):
    fmt = parser._get_formatter()
    for a in parser._actions:
        if not a.option_strings or isinstance(a, argparse._HelpAction): continue
        opt, h = f'{name} {a.option_strings[-1]}', fmt._expand_help(a) if a.help else ''
        if not h.strip(): yield f'{opt}: no help'; continue
        if a.nargs == 0: continue                                # a flag: off unless given
        if a.required:
            if 'required' not in h: yield f'{opt}: required, and its help does not say so: {h!r}'
            continue
        if not re.search(r'\bdefault\b', h, re.I) or re.search(r'default:? None\b', h):
            yield f'{opt}: its help does not say what it is when not given: {h!r}'
        elif a.default not in (None, False) and str(a.default) not in h.replace(',', ''):
            yield f'{opt}: its help does not name its default {a.default!r}: {h!r}'
        if _numeric(a) and not RANGE.search(h): yield f'{opt}: a number, and its help states no range: {h!r}'

def test_every_option_states_its_default_and_range():
    problems = [p for name, parser in _parsers() for p in _problems(name, parser)]
    assert not problems, '\n'.join(problems)

def test_help_renders():
    for name, parser in _parsers(): assert parser.format_help(), name     # every help string formats (a stray % would not)
