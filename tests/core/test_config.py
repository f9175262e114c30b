from __future__ import annotations

import stat
from pathlib import Path

import pytest

from qyzmet.config import ConfigError, database_settings, load_config


def test_postgres_url() -> None:
    db = database_settings("postgresql://app:s%40cret@db.internal:5433/qyzmet?sslmode=require")
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["USER"], db["PASSWORD"], db["HOST"], db["PORT"], db["NAME"]) == (
        "app",
        "s@cret",
        "db.internal",
        "5433",
        "qyzmet",
    )
    bound = {"server_side_binding": True, "prepare_threshold": 5}
    assert db["OPTIONS"] == {"sslmode": "require", "options": "-c jit=off", **bound}
    told = database_settings(
        "postgresql://db/qyzmet?options=-c%20work_mem%3D64MB&prepare_threshold=off"
    )
    assert told["OPTIONS"] == {
        "options": "-c work_mem=64MB",
        "server_side_binding": True,
        "prepare_threshold": None,
    }, "the URL's own options stand"


def test_sqlite_urls() -> None:
    assert database_settings("sqlite:////var/lib/q.sqlite3")["NAME"] == "/var/lib/q.sqlite3"
    assert database_settings("sqlite:///./var/q.sqlite3")["NAME"] == "/./var/q.sqlite3"


def test_unknown_scheme_is_explained() -> None:
    with pytest.raises(ConfigError, match="postgresql:// or sqlite:///"):
        database_settings("mysql://x/y")


def test_secret_key_is_generated_once_and_private(tmp_path: Path) -> None:
    first = load_config({"QYZMET_HOME": str(tmp_path)})
    second = load_config({"QYZMET_HOME": str(tmp_path)})
    assert first.secret_key == second.secret_key
    assert len(first.secret_key) >= 50
    key_file = tmp_path / "secret.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert first.database_url == f"sqlite:///{tmp_path / 'qyzmet.sqlite3'}"


def test_environment_wins(tmp_path: Path) -> None:
    config = load_config(
        {
            "QYZMET_HOME": str(tmp_path),
            "QYZMET_SECRET_KEY": "k" * 60,
            "QYZMET_DEBUG": "true",
            "QYZMET_DATABASE_URL": "postgresql://postgres@127.0.0.1/x",
        }
    )
    assert (config.secret_key, config.debug) == ("k" * 60, True)
    assert not (tmp_path / "secret.key").exists()
