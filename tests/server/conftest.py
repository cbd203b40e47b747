import json

import pytest
from fastapi.testclient import TestClient

from xl_kpi.server import security
from xl_kpi.server.app import ServerConfig, create_app

PLANNING = "planning-token-0123456789abcdef"
SHOKO = "shoko-token-0123456789abcdef"
KANKYO = "kankyo-token-0123456789abcdef"


@pytest.fixture
def tokens_file(tmp_path):
    p = tmp_path / "tokens.json"
    p.write_text(json.dumps({"tokens": [
        {"token": PLANNING, "role": "planning"},
        {"token": SHOKO, "role": "department", "department": "商工労働部"},
        {"token": KANKYO, "role": "department", "department": "環境部"},
    ]}), encoding="utf-8")
    return p


@pytest.fixture
def config(tokens_file):
    return ServerConfig(tokens=security.load_tokens(tokens_file), base_url="https://kpi.city.example.jp",
                        max_body=2 * 1024 * 1024, max_book=1024 * 1024)


@pytest.fixture
def client(config):
    return TestClient(create_app(config), raise_server_exceptions=False)


def auth(token):
    return {"Authorization": f"Bearer {token}"}
