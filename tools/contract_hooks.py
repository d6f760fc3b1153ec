"""schemathesis hooks for `textdiff-mnist serve` (loaded by schemathesis.toml): the one exception to the API contract, made exact.

A prompt must name exactly one digit, as the prompt parser of chapter 3 (`textdiff_mnist.captions.require_digit`) reads it.
JSON Schema cannot state that rule, so a request the schema accepts may still be refused: with 422 and the parser's message.
The server marks that refusal, and only that one: its `detail` is a single entry of type 'prompt_digit' whose `msg` is the
`error` (chapter 16, `PARSER_REFUSAL`). schemathesis.toml lets positive_data_acceptance expect 422 for that reason, and the
check below fails every *other* 422 to a schema-valid request, so the exception is that refusal and nothing else.
This file runs in the contract's own virtual environment (.venv-contract, without this package); tests/test_contract.py
imports its functions in the project's environment and checks them against the server.
"""
PARSER_REFUSAL = 'prompt_digit'

def refusal_allowed(status: int, answer) -> bool:
    "Whether answering a schema-valid request with `status` and JSON `answer` keeps the contract: not a 422 unless the parser's refusal."
    if status != 422: return True
    detail = answer.get('detail') if isinstance(answer, dict) else None
    return (isinstance(detail, list) and len(detail) == 1 and isinstance(detail[0], dict)
            and detail[0].get('type') == PARSER_REFUSAL and isinstance(answer.get('error'), str) and detail[0].get('msg') == answer['error'])

try: import schemathesis
except ImportError: schemathesis = None          # imported by tests/test_contract.py in the project's environment: the functions only

if schemathesis is not None:
    @schemathesis.check
    def only_parser_refusals(ctx, response, case):
        "A schema-valid request is refused with 422 only as the exception allows: the prompt parser's refusal, marked as such."
        meta = case.meta
        if meta is None or not meta.generation.mode.is_positive or response.status_code != 422: return None
        try: answer = response.json()
        except Exception: answer = None
        if not refusal_allowed(response.status_code, answer):
            raise AssertionError(f"a schema-valid request was refused with 422 for another reason than the prompt parser's: {answer!r}")
        return None
