"""schemathesis hooks for `textdiff-mnist serve` (loaded by schemathesis.toml): the one exception to the API contract, made exact.

A prompt must name exactly one digit, as the prompt parser of chapter 3 (`textdiff_mnist.captions.require_digit`) reads it.
JSON Schema cannot state that rule, so a request the schema accepts may still be refused: with 422 and the parser's message.
schemathesis.toml lets positive_data_acceptance expect 422 for that reason, and the check below fails every *other* 422 to a
schema-valid request, so the exception is that one message and nothing else. This file runs in the contract's own virtual
environment (.venv-contract, without this package), so it knows the parser's three messages by their wording;
tests/test_contract.py checks that wording against `require_digit` itself.
"""
import re

HINT = "name one digit 0-9 as a word or numeral, e.g. 'a thick slanted seven' or 'a narrow 4'"

def is_parser_refusal(prompt: str, error: str) -> bool:
    "Whether `error` is the message `require_digit(prompt)` raises: the prompt is empty, names no digit, or names several."
    p = re.escape(repr(prompt))
    return bool(re.fullmatch(rf"(?:The prompt {p} is empty|No digit found in the prompt {p}|"
                             rf"The prompt {p} names several digits \([0-9](?:, [0-9])+\)): {re.escape(HINT)}\.", error, re.S))

def refusal_allowed(body, status: int, error) -> bool:
    "A schema-valid request `body` answered `status`: False only for a 422 whose `error` is not the parser's message for one of its prompts."
    if status != 422: return True
    prompts = [body['prompt']] if 'prompt' in body else list(body.get('prompts') or [])
    return isinstance(error, str) and any(isinstance(p, str) and is_parser_refusal(p, error) for p in prompts)

try: import schemathesis
except ImportError: schemathesis = None          # imported by tests/test_contract.py in the project's environment: the functions only

if schemathesis is not None:
    @schemathesis.check
    def only_parser_refusals(ctx, response, case):
        "A schema-valid request is refused with 422 only as the exception allows: the prompt parser's message for one of its prompts."
        meta = case.meta
        if meta is None or not meta.generation.mode.is_positive or response.status_code != 422 or not isinstance(case.body, dict):
            return None
        try: error = response.json().get('error')
        except Exception: error = None
        if not refusal_allowed(case.body, response.status_code, error):
            raise AssertionError(f"a schema-valid request was refused with 422 for another reason than the prompt parser's: {error!r}")
        return None
