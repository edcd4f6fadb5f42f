"""Schema-driven run: schemathesis generates requests from /api/v1/openapi.json against the WSGI app.

Every operation, with an admin token on a small seeded world: random ids and the ids of real firms
and milestones. Asserts no server error and that every response conforms to the document (status
code documented, content type, body schema). Negative (schema-violating) requests must not cause
a server error either.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from tests.api.helpers import world  # noqa: F401  (fixture)

EXAMPLES = 25


def _run(strategy, headers, checks=None):
    @given(case=strategy)
    @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def run(case):
        if checks is None:
            case.call_and_validate(headers=headers)
        else:
            case.call_and_validate(headers=headers, checks=checks)

    run()


@pytest.fixture
def schema(app, world):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


def _operations(schema):
    return [r.ok() for r in schema.get_all_operations()]


def test_every_operation_conforms_with_random_ids(schema, world):
    headers = {"Authorization": f"Bearer {world['tokens']['admin']}"}
    ops = _operations(schema)
    labels = {op.label for op in ops}
    assert {
        "GET /firms",
        "GET /firms/{firm_id}",
        "GET /firms/{firm_id}/assessment",
        "GET /firms/{firm_id}/roadmap",
        "PATCH /firms/{firm_id}/milestones/{milestone_id}",
        "GET /goals",
    } <= labels
    for op in ops:
        _run(op.as_strategy(), headers)


def test_every_firm_operation_conforms_on_real_firms(schema, world):
    firm = world["firms"]["same"]
    for who in ("admin", "officer", "firm"):
        headers = {"Authorization": f"Bearer {world['tokens'][who]}"}
        for op in _operations(schema):
            if "{firm_id}" not in op.path:
                continue
            params = {"firm_id": firm.id}
            if "{milestone_id}" in op.path:
                params["milestone_id"] = world["milestones"][firm.id]
            _run(op.as_strategy(path_parameters=params), headers)


def test_negative_requests_cause_no_server_error(schema, world):
    headers = {"Authorization": f"Bearer {world['tokens']['admin']}"}
    for op in _operations(schema):
        if op.path == "/openapi.json":
            continue
        _run(op.as_strategy(generation_mode=GenerationMode.NEGATIVE), headers, checks=[not_a_server_error])
