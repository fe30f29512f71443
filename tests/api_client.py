"""The API test client and its fixtures (the app on the test database and clock, demo users with tokens)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from api.app import create_app
from engine.db import Database
from tests.conftest import Clock
from tests.factories import create_user, deploy

MASH_USERS = {
    "rita": ["referrer"],
    "sam": ["mash_screener"],
    "pat": ["mash_screener"],
    "pc_police": ["mash_partner_police"],
    "hv_health": ["mash_partner_health"],
    "dsl_school": ["mash_partner_education"],
    "ola_other": ["mash_partner_other"],
    "maya": ["mash_manager"],
    "bea": ["mash_business_support"],
    "audrey": ["auditor"],
    "owen": ["process_owner"],
}


@dataclass
class ApiClient:
    """A test client that sends a user's bearer token and asserts the expected status."""

    client: FlaskClient
    tokens: dict[str, str]

    def call(self, method: str, path: str, user: str | None, expected: int, **kwargs: Any) -> Any:
        headers = kwargs.pop("headers", {})
        if user is not None:
            headers["Authorization"] = f"Bearer {self.tokens[user]}"
        response = self.client.open(path, method=method, headers=headers, **kwargs)
        assert response.status_code == expected, (response.status_code, response.get_data(as_text=True))
        return response.get_json() if response.is_json else response.get_data(as_text=True)

    def get(self, path: str, user: str | None, expected: int = 200, **kwargs: Any) -> Any:
        return self.call("GET", path, user, expected, **kwargs)

    def post(self, path: str, user: str | None, expected: int = 200, **kwargs: Any) -> Any:
        return self.call("POST", path, user, expected, **kwargs)


@pytest.fixture
def app(db: Database, clock: Clock) -> Flask:
    return create_app(db, clock=clock, SECRET_KEY="test-secret-key")


@pytest.fixture
def api(app: Flask, db: Database, clock: Clock) -> ApiClient:
    tokens = {name: create_user(db, username=name, groups=groups, now=clock()) for name, groups in MASH_USERS.items()}
    deploy(db, name="mash_screening.bpmn", now=clock())
    return ApiClient(app.test_client(), tokens)
