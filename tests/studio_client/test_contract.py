"""studio_client cannot drift from the API: its routes, arguments and job fields are checked
against the studio's own OpenAPI document."""

from __future__ import annotations

import ast
import dataclasses
import inspect
from pathlib import Path

import pytest

from studio_client import ROUTES, JobInfo, Output, Studio
from studio_client.client import FEATURE_ROUTES, camel

CLIENT = Path(__file__).resolve().parents[2] / "studio_client"


@pytest.fixture(scope="module")
def openapi(tmp_path_factory, models_dir) -> dict:
    """The document /api/v1/openapi.json serves, from an app on a data dir of its own."""
    from app import create_app
    from tests.conftest import _teardown, configure

    with pytest.MonkeyPatch.context() as monkeypatch:
        data = tmp_path_factory.mktemp("contract")
        configure(monkeypatch, data_dir=str(data), models_dir=str(models_dir), database_url="")
        document = create_app().openapi()
        _teardown()
    return document


def _paths(openapi: dict) -> dict:
    return {path.removeprefix("/api/v1"): ops for path, ops in openapi["paths"].items()}


def _schema(openapi: dict, schema: dict) -> dict:
    ref = schema.get("$ref", "")
    return openapi["components"]["schemas"][ref.rsplit("/", 1)[-1]] if ref else schema


def test_every_route_the_client_calls_exists(openapi):
    paths = _paths(openapi)
    missing = [(m, p) for m, p in sorted(ROUTES) if m not in paths.get(p, {})]
    assert missing == []


def test_every_feature_has_a_typed_method_whose_arguments_are_fields(openapi):
    paths = _paths(openapi)
    feature_routes = {p for p in paths if p.startswith("/jobs/") and "{" not in p}
    assert set(FEATURE_ROUTES.values()) == feature_routes
    for method, route in FEATURE_ROUTES.items():
        content = paths[route]["post"]["requestBody"]["content"]
        accepted = set()
        for media in content.values():
            accepted |= set(_schema(openapi, media["schema"])["properties"])
        parameters = inspect.signature(getattr(Studio, method)).parameters
        names = {camel(n) for n in parameters if n not in ("self", "idempotency_key")}
        assert names <= accepted, f"{method}: {sorted(names - accepted)} are not API fields"
        required = set()
        for media in content.values():
            required |= set(_schema(openapi, media["schema"]).get("required", []))
        positional = {camel(n) for n, p in parameters.items() if p.default is p.empty} - {"self"}
        assert required <= positional, f"{method} must require {sorted(required - positional)}"


def test_the_job_fields_the_client_reads_are_in_the_job_schema(openapi):
    job = _schema(
        openapi,
        _paths(openapi)["/jobs/{job_id}"]["get"]["responses"]["200"]["content"]["application/json"][
            "schema"
        ],
    )
    assert {f.name for f in dataclasses.fields(JobInfo)} <= set(job["properties"])
    output = openapi["components"]["schemas"]["OutputView"]["properties"]
    assert {f.name for f in dataclasses.fields(Output)} <= set(output)


def test_the_client_imports_nothing_from_the_studio():
    studio_packages = {"studio", "billing", "pipelines", "worker", "ui", "api", "app"}
    for path in CLIENT.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert node.module.split(".")[0] not in studio_packages, path.name
            if isinstance(node, ast.Import):
                assert not {a.name.split(".")[0] for a in node.names} & studio_packages


def test_the_documented_request_examples_are_valid_requests(openapi):
    from api.routes.jobs import request_examples
    from pipelines.registry import FEATURES

    assert set(request_examples()) == set(FEATURES)
    for feature_id, example in request_examples().items():
        feature = FEATURES[feature_id]
        if not feature.uploads:
            feature.validate(example)  # raises InputError naming a bad field
        else:
            known = {f.api_name for f in feature.fields}
            assert set(example) <= known
    body = _paths(openapi)["/jobs/image-generation"]["post"]["requestBody"]["content"]
    assert body["application/json"]["example"] == request_examples()["image_generation"]
