"""API tests share the client defined in tests/api_client.py (its fixtures load from tests/conftest.py)."""

from tests.api_client import MASH_USERS, ApiClient

__all__ = ["MASH_USERS", "ApiClient"]
