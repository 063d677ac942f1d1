"""Fixtures: a real `sync-emulator` process and Twilio's official Python client aimed at it.

The binary comes from $SYNC_EMULATOR_BIN (scripts/test sets it) or target/debug. Each test gets
its own fresh Sync Service, so tests do not see each other's objects.
"""

import os
import pathlib
import subprocess
import uuid

import pytest
from twilio.rest import Client

ACCOUNT_SID = "AC" + "c0" * 16
AUTH_TOKEN = "conformance-token"
ROOT = pathlib.Path(__file__).resolve().parents[2]


def _binary():
    path = os.environ.get("SYNC_EMULATOR_BIN") or str(ROOT / "target" / "debug" / "sync-emulator")
    if not os.path.exists(path):
        pytest.exit(f"sync-emulator binary not found at {path}; run cargo build first", 2)
    return path


class Emulator:
    """A running emulator process; `base_url` is read from its READY line."""

    def __init__(self, *extra_args):
        self.proc = subprocess.Popen(
            [_binary(), "--port", "0", "--data", ":memory:",
             "--account-sid", ACCOUNT_SID, "--auth-token", AUTH_TOKEN, *extra_args],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )
        self.base_url = None
        for _ in range(10):
            line = self.proc.stdout.readline()
            if line.startswith("READY "):
                self.base_url = line.split(" ", 1)[1].strip()
                break
        if self.base_url is None:
            self.stop()
            raise RuntimeError("sync-emulator did not print a READY line")

    def client(self, account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN):
        client = Client(account_sid, auth_token)
        client.sync.base_url = self.base_url
        return client

    def stop(self):
        self.proc.kill()
        self.proc.wait(timeout=10)


@pytest.fixture(scope="session")
def emulator():
    emu = Emulator()
    yield emu
    emu.stop()


@pytest.fixture
def client(emulator):
    return emulator.client()


@pytest.fixture
def service(client):
    """A fresh Sync Service context for one test."""
    created = client.sync.v1.services.create(friendly_name=f"test-{uuid.uuid4().hex[:8]}")
    yield client.sync.v1.services(created.sid)
    client.sync.v1.services(created.sid).delete()


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"
