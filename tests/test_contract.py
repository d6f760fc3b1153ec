"""The API contract: schemathesis, a property-based OpenAPI tester, against the real server, under the committed schemathesis.toml.

A bounded run here (all checks, 20 examples per operation, seed 1) against the session's live server; `make contract` runs the
full one (100 examples) against `textdiff-mnist serve` with its default limits (tools/contract.py). schemathesis lives in a
virtual environment of its own, .venv-contract, made by `make test` (and `make contract`) at the version the Makefile pins:
without it these tests skip, except under CI (env CI set), where they fail.
"""
import json, os, re, subprocess, sys, tomllib, urllib.error, urllib.request
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT/'tools'))
import contract, contract_hooks                 # tools/: the runner, and the hooks' functions (schemathesis itself is not needed here)

def _need_contract_venv():
    if not contract.ST.exists():
        (pytest.fail if os.environ.get('CI') else pytest.skip)(
            f'{contract.ST} is missing: `make test` or `make contract` creates the contract environment (required when CI is set)')

def _pinned() -> str: return re.search(r'^SCHEMATHESIS_VERSION := (\S+)$', (ROOT/'Makefile').read_text(), re.M).group(1)

def test_contract_venv_has_the_pinned_schemathesis():
    _need_contract_venv()
    out = subprocess.run([str(contract.ST), '--version'], capture_output=True, text=True, check=True).stdout
    assert out.split()[-1] == _pinned(), out

def test_the_configuration_makes_exactly_one_exception():
    # every check runs (the CLI says --checks all; nothing here turns one off), and the only change to what a check expects is
    # 422 for a schema-valid request, which the hook's own check then narrows to the prompt parser's message
    cfg = tomllib.loads((ROOT/'schemathesis.toml').read_text())
    assert cfg['hooks'] == 'tools/contract_hooks.py' and (ROOT/cfg['hooks']).exists()
    assert cfg['checks'] == {'positive_data_acceptance': {'expected-statuses': ['2xx', '3xx', '401', '403', '404', '409', '429', '5xx', '422']}}
    assert set(cfg) == {'hooks', 'checks', 'generation', 'cache'} and cfg['generation'] == {'database': 'none'}
    assert '--checks' in (cmd := contract.st_command('http://x')) and cmd[cmd.index('--checks') + 1] == 'all'

def _post(url, body):
    req = urllib.request.Request(url + '/v1/generate', json.dumps(body).encode(), {'Content-Type': 'application/json'})
    try:
        with urllib.request.urlopen(req) as r: return r.status, None
    except urllib.error.HTTPError as e: return e.code, json.loads(e.read())

def test_the_hook_allows_the_parser_refusal_only(live_server):
    # the exception in the hook (schemathesis.toml) against the real server's answers: the prompt parser's refusal passes,
    # any other 422 does not; and the server's mark is the one the hook looks for
    from textdiff_mnist.serve import PARSER_REFUSAL
    assert contract_hooks.PARSER_REFUSAL == PARSER_REFUSAL
    for body in [dict(prompt='a banana'), dict(prompt=''), dict(prompts=['3', '3 or 4']), dict(prompt='4 2'), dict(prompt='3.5'),
                 dict(prompts=['2026', '1234567890123'])]:
        status, answer = _post(live_server, body)
        assert status == 422 and contract_hooks.refusal_allowed(status, answer), (body, answer)
    for body in [dict(prompt='3', n=0), dict(prompt='3', prompts=['4']), dict(prompts=['3'] * 5, n=4), dict(prompt='3', seed=-1.5)]:
        status, answer = _post(live_server, body)
        assert status == 422 and not contract_hooks.refusal_allowed(status, answer), (body, answer)
    assert contract_hooks.refusal_allowed(200, None) and not contract_hooks.refusal_allowed(422, {'error': 'x'})

def test_contract(live_server):
    _need_contract_venv()
    p, took = contract.run_contract(live_server, max_examples=20, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout[-6000:] + p.stderr[-2000:]
    print(f'schemathesis, 20 examples: {took:.1f} s')     # about 30 s on 2 idle cores; the machine's load is not the test's to judge
