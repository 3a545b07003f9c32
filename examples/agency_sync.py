"""Keep an agency system in step with its labourwatch queue (needs only httpx).

    LW_URL=http://127.0.0.1:8000 LW_CLIENT_ID=… LW_CLIENT_SECRET=… \\
        python examples/agency_sync.py poll [--once] [--accept [--file-prefix HH]]
                                            [--cursor-file FILE]
    … python examples/agency_sync.py document ASSIGNMENT_ID --kind KIND --number OURS \
                                              --facts "…" [--basis "…"] [--deadline DATE]
    … python examples/agency_sync.py conclude ASSIGNMENT_ID --summary "…"
    LW_WEBHOOK_SECRET=whsec_… python examples/agency_sync.py webhook [--port 8787] [--once]

`poll` asks /api/v1/queue/changes?since=<cursor> and keeps the cursor in a file,
so a restart resumes where it stopped; `--accept` accepts new assignments, and
with `--file-prefix` files each one (立案) under the agency system's own number
(HH-2026-0001, …; the sequence is kept in a file next to the cursor), so
labourwatch issues none and the 60-working-day clock starts.
`document` reports a paper the agency system issued itself (an instruction, a penalty
notice or decision, a transfer, an inquiry record) under its own number, so the office
supervises it on the same record; `conclude` reports that the agency's own case is
finished (结案).
`webhook` receives pushed events and checks their Standard Webhooks signature.

The service account needs the scopes `queue:read` and `queue:write` (accept, file,
document and conclude are all queue writes of its own agency).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import os
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import httpx


def token(client: httpx.Client) -> str:
    r = client.post(
        "/api/v1/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": os.environ["LW_CLIENT_ID"],
            "client_secret": os.environ["LW_CLIENT_SECRET"],
        },
    )
    r.raise_for_status()
    return str(r.json()["access_token"])


def next_number(state: Path, prefix: str) -> str:
    """The agency system's own case number: PREFIX-YEAR-NNNN from a local sequence."""
    year = time.localtime().tm_year
    seen = json.loads(state.read_text()) if state.exists() else {}
    n = seen.get(str(year), 0) + 1
    state.write_text(json.dumps({**seen, str(year): n}))
    return f"{prefix}-{year}-{n:04d}"


def take_on(client: httpx.Client, assignment_id: str, args: argparse.Namespace) -> None:
    """Accept, then file under our own number. A repeat after a crash is harmless: a
    409 says it was done already (accepted, or filed — the detail names the number)."""
    done = client.post(f"/api/v1/assignments/{assignment_id}/accept")
    print(f"  accept → {done.status_code}", flush=True)
    if not args.file_prefix or done.status_code not in (200, 409):
        return
    number = next_number(Path(f"{args.cursor_file}.numbers"), args.file_prefix)
    filed = client.post(
        f"/api/v1/assignments/{assignment_id}/file",
        json={"external_number": number, "note": "本系统立案"},
    )
    if filed.status_code == 200:
        f = filed.json()
        print(f"  filed {f['number']} investigate_by={f['investigate_by']}", flush=True)
    else:
        print(f"  file → {filed.status_code} {filed.json().get('detail', '')}", flush=True)


def document(args: argparse.Namespace) -> None:
    with httpx.Client(base_url=os.environ["LW_URL"], timeout=30) as client:
        client.headers["Authorization"] = f"Bearer {token(client)}"
        body = {
            "kind": args.kind,
            "facts": args.facts,
            "legal_basis": args.basis,
            "external_number": args.number,
        }
        if args.deadline:
            body["deadline"] = args.deadline
        r = client.post(f"/api/v1/assignments/{args.assignment_id}/documents", json=body)
        print(
            f"document → {r.status_code} {r.json().get('number', r.json().get('detail'))}",
            flush=True,
        )
        if r.status_code >= 400:
            raise SystemExit(1)


def conclude(args: argparse.Namespace) -> None:
    with httpx.Client(base_url=os.environ["LW_URL"], timeout=30) as client:
        client.headers["Authorization"] = f"Bearer {token(client)}"
        r = client.post(
            f"/api/v1/assignments/{args.assignment_id}/conclude", json={"summary": args.summary}
        )
        print(
            f"conclude → {r.status_code} {r.json().get('status', r.json().get('detail'))}",
            flush=True,
        )
        if r.status_code >= 400:
            raise SystemExit(1)


def poll(args: argparse.Namespace) -> None:
    cursor_file = Path(args.cursor_file)
    since = int(cursor_file.read_text()) if cursor_file.exists() else 0
    with httpx.Client(base_url=os.environ["LW_URL"], timeout=30) as client:
        client.headers["Authorization"] = f"Bearer {token(client)}"
        while True:
            r = client.get("/api/v1/queue/changes", params={"since": since, "limit": 100})
            if r.status_code == 401:  # token expired: get a new one
                client.headers["Authorization"] = f"Bearer {token(client)}"
                continue
            r.raise_for_status()
            page = r.json()
            for item in page["items"]:
                a = item["assignment"]
                print(
                    f"{item['seq']} {item['change']} assignment={item['assignment_id']} "
                    f"case={item['case_id']} status={a['status']} "
                    f"employer={a['employer_name']} due={a['due_at']}",
                    flush=True,
                )
                if args.accept and item["change"] == "created" and a["status"] == "pending":
                    take_on(client, item["assignment_id"], args)
            since = page["next_since"]
            cursor_file.write_text(str(since))  # only after the items were handled
            if args.once and not page["items"]:
                return
            if not page["items"]:
                time.sleep(args.interval)


def verify(secret: str, headers: dict[str, str], body: bytes, tolerance: int = 300) -> bool:
    """Standard Webhooks: v1,base64(HMAC-SHA256(key, f"{id}.{timestamp}.{body}"))."""
    msg_id, ts = headers.get("webhook-id", ""), headers.get("webhook-timestamp", "0")
    if not ts.isdigit() or abs(time.time() - int(ts)) > tolerance:
        return False
    key = base64.b64decode(secret.removeprefix("whsec_"))
    mac = hmac.new(key, f"{msg_id}.{ts}.".encode() + body, hashlib.sha256).digest()
    expected = base64.b64encode(mac).decode()
    return any(
        hmac.compare_digest(sig.split(",", 1)[-1], expected)
        for sig in headers.get("webhook-signature", "").split()
        if sig.startswith("v1,")
    )


def webhook(args: argparse.Namespace) -> None:
    secret = os.environ["LW_WEBHOOK_SECRET"]

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            headers = {k.lower(): v for k, v in self.headers.items()}
            if not verify(secret, headers, body):
                self.send_response(401)
                self.end_headers()
                print("rejected: bad signature", flush=True)
                return
            event = json.loads(body)
            a = event["data"]["assignment"]
            print(
                f"{event['type']} {event['data']['change']} assignment={a['id']} "
                f"case={a['case_id']} status={a['status']} employer={a['employer_name']} "
                f"id={headers['webhook-id']}",
                flush=True,
            )
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = HTTPServer((args.host, args.port), Handler)
    print(f"listening on http://{args.host}:{server.server_port}/", flush=True)
    if args.once:
        server.handle_request()
    else:
        server.serve_forever()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    p = sub.add_parser("poll")
    p.add_argument("--once", action="store_true", help="stop when nothing is new")
    p.add_argument("--accept", action="store_true", help="accept new assignments")
    p.add_argument("--file-prefix", help="and file each under our own number PREFIX-YEAR-NNNN")
    p.add_argument("--cursor-file", default="labourwatch.cursor")
    p.add_argument("--interval", type=float, default=10.0)
    d = sub.add_parser("document")
    d.add_argument("assignment_id")
    d.add_argument("--kind", required=True, help="rectification_instruction, penalty_notice, …")
    d.add_argument("--number", required=True, help="our own document number")
    d.add_argument("--facts", required=True)
    d.add_argument("--basis", action="append", default=[], help="a legal basis (repeat)")
    d.add_argument("--deadline", help="YYYY-MM-DD, for an instruction")
    c = sub.add_parser("conclude")
    c.add_argument("assignment_id")
    c.add_argument("--summary", required=True, help="what the agency did (结案情况)")
    w = sub.add_parser("webhook")
    w.add_argument("--host", default="127.0.0.1")
    w.add_argument("--port", type=int, default=8787)
    w.add_argument("--once", action="store_true", help="handle one request, then exit")
    args = parser.parse_args(argv)
    if args.mode == "poll":
        poll(args)
    elif args.mode == "document":
        document(args)
    elif args.mode == "conclude":
        conclude(args)
    else:
        webhook(args)


if __name__ == "__main__":
    main()
