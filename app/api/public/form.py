"""The built-in reporting form (举报表): zh-CN, plain HTML, no JavaScript, no cookies.

Every string that came from a user or the database is passed through
`html.escape`. Pages carry `Cache-Control: no-store` (a receipt must not stay
in a shared browser's cache), `Referrer-Policy: no-referrer`, and a Content
Security Policy that runs no script at all, applies only the page's own style
block (by its hash), posts forms only to this site and lets no other site frame
the page (clickjacking a tipster into sending a report); `nosniff` keeps a
browser from reading any answer as something it is not.
"""

from __future__ import annotations

import base64
import hashlib
from html import escape
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.api.deps import SessionDep, SettingsDep, runtime_of
from app.api.public.feedback_html import feedback_section
from app.api.public.tips import (
    PublicTipSubmission,
    accept_public_tip,
    client_address,
    multipart_doc,
    rate_limits,
    validate_zh,
)
from app.api.public.uploads import is_multipart, read_multipart, submission_from_fields
from app.errors import AppError, Unprocessable
from app.services.core.media import Upload
from app.services.tipline import intake_reference, satisfaction, tip_public

router = APIRouter(tags=["public form"])


def _form_body(schema: dict[str, Any], *media: str) -> dict[str, Any]:
    return {"requestBody": {"required": True, "content": {m: {"schema": schema} for m in media}}}


_RECEIPT_FORM = {
    "type": "object",
    "required": ["receipt"],
    "properties": {"receipt": {"type": "string", "maxLength": 64}},
}

_CSS = """
body{font-family:system-ui,"PingFang SC","Microsoft YaHei",sans-serif;margin:0;padding:1rem;
max-width:40rem;margin:auto;line-height:1.6;color:#222}
h1{font-size:1.4rem}label{display:block;margin-top:1rem;font-weight:bold}
input[type=text],input[type=tel],textarea,select{width:100%;box-sizing:border-box;font-size:1rem;
padding:.5rem;border:1px solid #888;border-radius:4px}
textarea{min-height:8rem}.types label{font-weight:normal;margin:.2rem 0}
button{margin-top:1.2rem;font-size:1.1rem;padding:.6rem 1.4rem;background:#b00;color:#fff;
border:0;border-radius:4px}.receipt{font-size:1.6rem;font-family:monospace;font-weight:bold;
padding:1rem;border:3px solid #b00;text-align:center;letter-spacing:.1rem;word-break:break-all}
.error{color:#b00}.note{color:#555;font-size:.9rem}.reply{border-left:4px solid #888;
padding-left:.6rem;margin:.6rem 0}
"""


_CSS_HASH = base64.b64encode(hashlib.sha256(_CSS.encode()).digest()).decode()
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": (
        f"default-src 'none'; style-src 'sha256-{_CSS_HASH}'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers without CSP level 2
    "X-Content-Type-Options": "nosniff",
}


def page(title: str, body: str, status: int = 200) -> HTMLResponse:
    html = (
        f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>{body}"
        f'<p class="note"><a href="/">我要举报</a> · <a href="/status">查询举报结果</a></p>'
        f"</body></html>"
    )
    return HTMLResponse(html, status_code=status, headers=PAGE_HEADERS)


async def form_fields(request: Request) -> dict[str, list[str]]:
    raw = (await request.body()).decode("utf-8", errors="replace")
    return parse_qs(raw, keep_blank_values=True)


def _one(fields: dict[str, list[str]], name: str) -> str:
    return (fields.get(name) or [""])[0]


_FILES = """<label for="attachments">照片、视频或文件（可不传，最多 5 个）</label>
<input type="file" id="attachments" name="attachments" multiple
 accept="image/jpeg,image/png,image/webp,image/gif,application/pdf,video/mp4,video/quicktime,video/3gpp">
<p class="note">照片上传后会自动去除拍摄地点、相机等信息。</p>"""


def _errors_html(exc: AppError) -> str:
    items = getattr(exc, "extras", {}).get("errors") or []
    lines = "".join(f"<li>{escape(str(e['loc'][-1]))}：{escape(str(e['msg']))}</li>" for e in items)
    return f'<div class="error"><p>{escape(str(exc.detail or exc.title))}</p><ul>{lines}</ul></div>'


def _input(name: str, label: str, maxlength: int, val: dict[str, str], kind: str = "text") -> str:
    return (
        f'<label for="{name}">{label}</label><input type="{kind}" id="{name}" '
        f'name="{name}" maxlength="{maxlength}" value="{val[name]}">'
    )


async def _render_form(
    request: Request, session: Any, fields: dict[str, list[str]], error: str = "", status: int = 200
) -> HTMLResponse:
    extras = runtime_of(request).extras
    chosen = set(fields.get("violation_types", []))
    boxes = "".join(
        f'<label><input type="checkbox" name="violation_types" value="{escape(v.code)}"'
        f"{' checked' if v.code in chosen else ''}> {escape(v.name_zh)}</label>"
        for v in await intake_reference.violation_types(extras, session)
    )
    picked = _one(fields, "jurisdiction_id")
    places = "".join(
        f'<option value="{pid}"{" selected" if str(pid) == picked else ""}>{escape(label)}</option>'
        for pid, label in await intake_reference.places(extras, session)
    )
    val = {
        k: escape(_one(fields, k))
        for k in ("description", "employer_name", "address", "contact_name", "contact_phone")
    }
    body = f"""<h1>举报非法用工</h1>
<p>您可以匿名举报。我们对举报人信息严格保密，有报必查。</p>{error}
<form method="post" action="/form" enctype="multipart/form-data">
<label for="description">情况描述（必填）</label>
<textarea id="description" name="description" required maxlength="5000">{val["description"]}\
</textarea>
{_input("employer_name", "单位或场所名称", 200, val)}
{_input("address", "地址或位置", 300, val)}
<label for="jurisdiction_id">所在县（市）、乡镇</label>
<select id="jurisdiction_id" name="jurisdiction_id">
<option value="">不清楚</option>{places}</select>
<fieldset class="types"><legend>问题类型（可多选）</legend>{boxes}</fieldset>
<p class="note">联系方式可以不填。填写后只有办案人员在需要时可以查看。</p>
{_input("contact_name", "称呼（可不填）", 100, val)}
{_input("contact_phone", "电话（可不填）", 40, val, "tel")}
{_FILES}
<button type="submit">提交举报</button>
</form>"""
    return page("举报非法用工", body, status)


@router.get("/", response_class=HTMLResponse)
async def form_page(request: Request, session: SessionDep) -> HTMLResponse:
    """The form; `?employer=…&jurisdiction_id=…` (a poster's QR code) pre-fills the site."""
    query = request.query_params
    prefill = {
        "employer_name": [query.get("employer", "")[:200]],
        "jurisdiction_id": [query.get("jurisdiction_id", "")[:64]],
    }
    return await _render_form(request, session, prefill)


@router.post(
    "/form",
    response_class=HTMLResponse,
    status_code=201,
    openapi_extra=_form_body(multipart_doc(), "multipart/form-data"),
)
async def form_submit(request: Request, session: SessionDep, settings: SettingsDep) -> HTMLResponse:
    """The form sent (as the page sends it, multipart; a urlencoded form without files is
    taken too): a page with the receipt (201), or the form again with its mistakes
    marked (422), or a page saying why it could not be taken."""
    uploads: list[Upload] = []
    try:
        if is_multipart(request):
            sent = await read_multipart(request, settings, strict=False)
            fields, uploads = sent.fields, sent.uploads
        else:
            fields = await form_fields(request)
    except AppError as exc:
        return page(
            "暂时无法提交",
            f'<h1>暂时无法提交</h1><p class="error">{escape(str(exc.detail or exc.title))}</p>',
            exc.status,
        )
    try:
        body = validate_zh(PublicTipSubmission, submission_from_fields(fields))
        done = await accept_public_tip(request, session, settings, body, uploads=uploads)
    except Unprocessable as exc:
        return await _render_form(request, session, fields, _errors_html(exc), 422)
    except AppError as exc:
        return page(
            "暂时无法提交",
            f'<h1>暂时无法提交</h1><p class="error">{escape(str(exc.detail or exc.title))}</p>',
            exc.status,
        )
    body_html = f"""<h1>举报已收到</h1>
<p>这是您的回执码：</p><p class="receipt" id="receipt">{escape(done.receipt)}</p>
<p><strong>请妥善保存回执码</strong>（抄下来或拍照）。它只显示这一次，是查询处理结果和补充情况的唯一凭证，
丢失后无法找回。</p>
<p><a href="/status">查询举报结果</a></p>"""
    return page("举报已收到", body_html, 201)


def _status_form(receipt: str = "", error: str = "") -> str:
    return f"""<h1>查询举报结果</h1>{error}
<form method="post" action="/status"><label for="receipt">回执码</label>
<input type="text" id="receipt" name="receipt" autocomplete="off" value="{escape(receipt)}"
 placeholder="XXXX-XXXX-XXXX-XXXX-XXXX"><button type="submit">查询</button></form>"""


@router.get("/status", response_class=HTMLResponse)
async def status_page() -> HTMLResponse:
    """The page where a tipster types the receipt to see what became of the tip."""
    return page("查询举报结果", _status_form())


@router.post(
    "/status",
    response_class=HTMLResponse,
    openapi_extra=_form_body(_RECEIPT_FORM, "application/x-www-form-urlencoded"),
)
async def status_lookup(
    request: Request, session: SessionDep, settings: SettingsDep
) -> HTMLResponse:
    """The tip's status and the office's replies, as a page (404 page for an unknown
    receipt)."""
    receipt = _one(await form_fields(request), "receipt").strip()[:64]
    try:
        await rate_limits(request).check_lookup(
            tip_public.receipt_key(settings, receipt), client_address(request)
        )
        found = await tip_public.lookup_tip(session, settings=settings, receipt=receipt)
        ask = await satisfaction.feedback_ask(session, settings=settings, receipt=receipt)
    except AppError as exc:
        error = f'<p class="error">{escape(str(exc.detail or exc.title))}</p>'
        return page("查询举报结果", _status_form(receipt, error), exc.status)
    replies = "".join(
        f'<div class="reply"><p class="note">{escape(at.strftime("%Y-%m-%d %H:%M"))}'
        f" UTC</p><p>{escape(m)}</p></div>"
        for at, m in found.replies
    )
    outcome = f"<p>处理结果：{escape(found.outcome)}</p>" if found.outcome else ""
    notices = "".join(f'<p class="notice">{escape(n.message)}</p>' for n in found.notices)
    body = f"""<h1>查询举报结果</h1>
<p>提交时间：{escape(found.submitted_at.strftime("%Y-%m-%d %H:%M"))} UTC</p>
<p>状态：<strong id="status">{escape(found.status_label)}</strong></p>{outcome}{notices}
<h2>办理回复</h2>{replies or "<p>暂无回复。</p>"}{feedback_section(ask, receipt)}"""
    return page("查询举报结果", body)
