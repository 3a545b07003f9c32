"""A 12345 hotline bridge: work orders in, status back out (办结反馈). Needs only httpx.

    LW_URL=http://127.0.0.1:8000 LW_CLIENT_ID=… LW_CLIENT_SECRET=… \\
        python examples/bridge_12345.py order --number HH20261204-0001 \\
            --content "…" [--type wage_arrears] [--place JURISDICTION_ID] [--phone …]
    LW_WEBHOOK_SECRET=whsec_… python examples/bridge_12345.py webhook [--port 8788] [--count N]

`order` enters a 12345 work order (工单) as a tip of the office the service account
belongs to, keeping its number as `external_ref {system: "12345", id}`: sending the
same work order again is a 409 naming the tip that has it, which the bridge reports as
already taken in (no second tip). The reporter's phone goes in encrypted; the receipt
in the answer is what the 12345 operator may read out.

`webhook` receives labourwatch's `tip.status_changed` events, checks each one's
Standard Webhooks signature (as `agency_sync.py` does), and prints the feedback it
would send back to the 12345 platform: 办结反馈 once the tip is handled (or not
taken up), 过程反馈 while it is worked on, transferred or extended — with the office's
latest reply as the answer and the reporter's satisfaction once known. A real bridge
would POST that JSON to the platform's feedback interface instead of printing it.

The service account needs the scopes `tips:write` (work orders) and `queue:write`
(to register its webhook endpoint, `POST /api/v1/webhooks`).
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
from typing import Any

import httpx

SYSTEM = "12345"
FINAL = {"handled": "办结", "rejected": "不予受理"}


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


def order(args: argparse.Namespace) -> None:
    body: dict[str, Any] = {
        "channel": "phone",
        "description": args.content,
        "violation_types": args.type,
        "external_ref": {"system": SYSTEM, "id": args.number},
    }
    if args.place:
        body["jurisdiction_id"] = args.place
    if args.employer:
        body["employer_name"] = args.employer
    if args.phone:
        body["contact"] = {"phone": args.phone}
    with httpx.Client(base_url=os.environ["LW_URL"], timeout=30) as client:
        client.headers["Authorization"] = f"Bearer {token(client)}"
        r = client.post("/api/v1/tips", json=body)
    if r.status_code == 409 and r.json().get("existing_id"):
        print(f"work order {args.number} is tip {r.json()['existing_id']} already", flush=True)
        return
    if r.status_code != 201:
        print(f"order → {r.status_code} {r.json().get('detail')}", flush=True)
        raise SystemExit(1)
    made = r.json()
    print(
        f"work order {args.number} → tip {made['id']} receipt={made['receipt']} "
        f"triage_due_at={made['triage_due_at']}",
        flush=True,
    )


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


def feedback(data: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """What goes back to the 12345 platform for one event, or None if the tip is not a
    12345 work order. The field names are this example's; map them to your platform's."""
    ref = data.get("external_ref") or {}
    if ref.get("system") != SYSTEM:
        return None
    reply = data.get("latest_reply") or {}
    notices = data.get("notices") or []
    final = data["status"] in FINAL
    return (
        "办结反馈" if final else "过程反馈",
        {
            "workOrderNo": ref["id"],
            "status": FINAL.get(data["status"], data["status_label"]),
            "reply": reply.get("message", ""),
            "replyTime": reply.get("at"),
            "progress": notices[-1]["message"] if notices else "",
            "expectedBy": notices[-1]["expected_by"] if notices else None,
            "satisfaction": data.get("satisfaction"),
        },
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
            self.send_response(204)
            self.end_headers()
            if event["type"] != "tip.status_changed":
                return
            out = feedback(event["data"])
            if out is None:
                print(f"tip {event['data']['tip_id']}: not a 12345 work order", flush=True)
                return
            kind, payload = out
            print(f"{kind} {json.dumps(payload, ensure_ascii=False)}", flush=True)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = HTTPServer((args.host, args.port), Handler)
    print(f"listening on http://{args.host}:{server.server_port}/", flush=True)
    if args.count:
        for _ in range(args.count):
            server.handle_request()
    else:
        server.serve_forever()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    o = sub.add_parser("order")
    o.add_argument("--number", required=True, help="the 12345 work order number (工单号)")
    o.add_argument("--content", required=True, help="what the caller reported (诉求内容)")
    o.add_argument("--type", action="append", default=[], help="a violation type (repeat)")
    o.add_argument("--place", help="jurisdiction id; default: the office's own area")
    o.add_argument("--employer", help="the employer's name as the caller gave it")
    o.add_argument("--phone", help="the caller's phone (kept encrypted)")
    w = sub.add_parser("webhook")
    w.add_argument("--host", default="127.0.0.1")
    w.add_argument("--port", type=int, default=8788)
    w.add_argument("--count", type=int, default=0, help="handle this many requests, then exit")
    args = parser.parse_args(argv)
    if args.mode == "order":
        order(args)
    else:
        webhook(args)


if __name__ == "__main__":
    main()
