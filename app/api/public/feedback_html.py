"""The satisfaction question on the status page (no router: form.py shows it)."""

from __future__ import annotations

from html import escape

from app.models.reporter_loop import FeedbackAsk

REHANDLING_WORDS = {
    "open": "您的不满意评价已转交办理机关重新办理（重办），请留意答复。",
    "reopened": "办理机关已重新立案办理，办结后会再次征求您的意见。",
    "answered": "办理机关已就您的评价作出答复，见下方办理回复。",
    "withdrawn": "",
}


def feedback_section(ask: FeedbackAsk, receipt: str) -> str:
    """The question once the tip is handled, the answer given, and any re-handling."""
    parts: list[str] = []
    if ask.rehandling and REHANDLING_WORDS.get(ask.rehandling):
        parts.append(f'<p id="rehandling">{escape(REHANDLING_WORDS[ask.rehandling])}</p>')
    if not ask.asked:
        return "".join(parts)
    if ask.satisfied is not None:
        said = "满意" if ask.satisfied else "不满意"
        parts.append(f'<p>您的评价：<strong id="satisfied">{said}</strong></p>')
    can_answer = ask.satisfied is None or ask.changeable_until is not None
    if can_answer:
        until = (
            f'<p class="note">可在 {escape(ask.changeable_until.strftime("%Y-%m-%d %H:%M"))} UTC '
            "前修改评价。</p>"
            if ask.changeable_until
            else ""
        )
        parts.append(
            f"""<h2>您对处理结果满意吗？</h2>{until}
<form method="post" action="/status/feedback">
<input type="hidden" name="receipt" value="{escape(receipt)}">
<label><input type="radio" name="satisfied" value="yes" required> 满意</label>
<label><input type="radio" name="satisfied" value="no"> 不满意（将转交重新办理）</label>
<label for="comment">意见（可不填）</label>
<textarea id="comment" name="comment" maxlength="1000"></textarea>
<button type="submit">提交评价</button></form>"""
        )
    return "".join(parts)
