"""Clients generated from the committed documents work: proof with real generators.

Python: openapi-python-client generates a client from each document without one
warning; every module of it imports, and it drives a short flow against a real
`labourwatch serve --demo`. TypeScript: openapi-typescript's types for both
documents type-check a small openapi-fetch client (clients/typescript) under tsc.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from app.services.demo.demo import DEMO_PASSWORD
from tests.e2e.serving import BIN, running_serve

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "clients" / "python" / "openapi-python-client.yaml"
TYPESCRIPT = ROOT / "clients" / "typescript"
PACKAGES = {"internal.json": "lw_internal_client", "public.json": "lw_public_client"}


def generate(doc: str, package: str, out: Path) -> str:
    """The generator's own output; it formats the code with the venv's ruff."""
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(
        [
            str(BIN / "openapi-python-client"),
            "generate",
            "--path",
            str(ROOT / "openapi" / doc),
            "--meta",
            "none",
            "--output-path",
            str(out / package),
            "--config",
            str(CONFIG),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    return output


@pytest.fixture(scope="module")
def clients(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, ModuleType]]:
    out = tmp_path_factory.mktemp("clients")
    outputs = {doc: generate(doc, package, out) for doc, package in PACKAGES.items()}
    for doc, output in outputs.items():
        assert "warning" not in output.lower(), f"{doc}:\n{output}"
    sys.path.insert(0, str(out))
    try:
        yield {doc: importlib.import_module(package) for doc, package in PACKAGES.items()}
    finally:
        sys.path.remove(str(out))
        for name in [m for m in sys.modules if m.startswith(tuple(PACKAGES.values()))]:
            del sys.modules[name]


def test_every_generated_module_imports(clients: dict[str, ModuleType]) -> None:
    for package in clients.values():
        names = [m.name for m in pkgutil.walk_packages(package.__path__, package.__name__ + ".")]
        for name in names:
            importlib.import_module(name)
        assert len(names) > 10, names
    internal, public = (clients[d].__name__ for d in PACKAGES)
    importlib.import_module(f"{public}.api.public.submit_tip")
    importlib.import_module(f"{internal}.api.employers.list_employers")


def _module(package: ModuleType, path: str) -> Any:
    return importlib.import_module(f"{package.__name__}.{path}")


def test_a_generated_client_drives_a_real_server(
    clients: dict[str, ModuleType], tmp_path: Path
) -> None:
    internal, public = clients["internal.json"], clients["public.json"]
    Client, AuthenticatedClient = internal.Client, internal.AuthenticatedClient
    models = _module(internal, "models")
    issue_token = _module(internal, "api.auth.issue_token")
    get_me = _module(internal, "api.auth.get_me")
    create_employer = _module(internal, "api.employers.create_employer")
    list_employers = _module(internal, "api.employers.list_employers")
    get_queue = _module(internal, "api.queue.get_queue")
    pmodels = _module(public, "models")
    submit_tip = _module(public, "api.public.submit_tip")
    lookup_tip = _module(public, "api.public.lookup_tip")

    with running_serve("sqlite", tmp_path) as (base, _env), ExitStack() as open_clients:

        def login(username: str) -> Any:
            anonymous = open_clients.enter_context(Client(base_url=base))
            token = issue_token.sync(
                client=anonymous,
                body=models.IssueTokenBody(
                    grant_type=models.IssueTokenBodyGrantType.PASSWORD,
                    username=username,
                    password=DEMO_PASSWORD,
                ),
            )
            assert isinstance(token, models.TokenPublic), token
            assert token.token_type == "bearer"
            return open_clients.enter_context(
                AuthenticatedClient(base_url=base, token=token.access_token)
            )

        coordinator = login("coordinator")
        me = get_me.sync(client=coordinator)
        assert isinstance(me, models.MePublic) and me.role == models.Role.COORDINATOR

        names = {f"砖厂{i}号" for i in range(3)}
        for name in sorted(names):
            made = create_employer.sync(
                client=coordinator,
                body=models.EmployerCreate(
                    name=name,
                    industry=models.Industry.BRICK_KILN,
                    jurisdiction_id=me.jurisdiction.id,
                    address="黄骅市",
                ),
            )
            assert isinstance(made, models.EmployerPublic), made
        again = create_employer.sync_detailed(
            client=coordinator,
            body=models.EmployerCreate(
                name="砖厂0号",
                industry=models.Industry.BRICK_KILN,
                jurisdiction_id=me.jurisdiction.id,
                address="黄骅市",
            ),
        )
        if again.status_code == 409:  # the same name at the same place is one employer
            assert isinstance(again.parsed, models.ConflictProblem)
            assert again.parsed.existing_id is not None

        seen: list[str] = []
        cursor: Any = None
        for _ in range(20):
            page = list_employers.sync(
                client=coordinator, limit=1, **({"cursor": cursor} if cursor else {})
            )
            assert isinstance(page, models.EmployerPublicPage), page
            seen += [e.name for e in page.items]
            cursor = page.next_cursor
            if not cursor:
                break
        assert names <= set(seen) and len(seen) > 1

        officer = login("officer.labour")
        first = get_queue.sync_detailed(client=officer)
        assert first.status_code == 200 and isinstance(first.parsed, models.QueueItemPage)
        etag = first.headers["etag"]
        unchanged = get_queue.sync_detailed(client=officer, if_none_match=etag)
        assert unchanged.status_code == 304

        anyone = open_clients.enter_context(public.Client(base_url=base))
        receipt = submit_tip.sync(
            client=anyone,
            body=pmodels.PublicTipSubmission(
                description="砖厂里有人被关着，不让回家。",
                violation_types=["restriction_of_liberty"],
            ),
            idempotency_key="client-test-1",
        )
        assert isinstance(receipt, pmodels.TipReceipt), receipt
        status = lookup_tip.sync(client=anyone, body=pmodels.ReceiptIn(receipt=receipt.receipt))
        assert isinstance(status, pmodels.TipStatusPublic), status
        assert status.status == pmodels.TipStatusPublicStatus.RECEIVED
        unknown = lookup_tip.sync_detailed(
            client=anyone, body=pmodels.ReceiptIn(receipt="AAAA-AAAA-AAAA-AAAA-AAAA")
        )
        assert unknown.status_code == 404 and isinstance(unknown.parsed, pmodels.Problem)


@pytest.mark.skipif(
    shutil.which("npm") is None or shutil.which("node") is None,
    reason="node and npm are needed to type-check the TypeScript client",
)
def test_typescript_client_type_checks_against_both_documents() -> None:
    """`npm ci`, openapi-typescript on both documents, then `tsc --noEmit` on client.ts."""

    def npm(*args: str) -> None:
        done = subprocess.run(
            ["npm", *args], cwd=TYPESCRIPT, capture_output=True, text=True, timeout=600, check=False
        )
        assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]

    if not (TYPESCRIPT / "node_modules" / ".package-lock.json").exists():
        npm("ci", "--no-audit", "--no-fund")
    npm("run", "check")
