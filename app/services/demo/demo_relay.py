"""The reporter's loop in the demo: 12345 work orders with their numbers, a tip handed
up to the city's office (转办), and a tipster's follow-up reaching the police on the case.

Dated like the rest of the story (days from today, China time) and played in its order.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import TYPE_CHECKING

from app.services.demo.demo_data import RECEIPT_KEY, RECEIPT_PRINCIPAL, RECEIPT_TIP, TIPS
from app.services.tipline import relay, tip_privacy, tip_transfers

if TYPE_CHECKING:
    from app.services.demo.demo_story import Story

WORK_ORDERS: dict[str, str] = {"yongsheng_phone": "0157", "bohai_12345": "0088"}
"""Tips that came from the 12345 centre, with their work order's serial of the day."""

TRANSFERS: dict[str, tuple[str, str]] = {
    "bohai_12345": ("11:00", "企业在沧州渤海新区，由市里管理，转市领导小组办公室办理。"),
}
"""Tips the county office handed up to the city's office: (time on the tip's day, reason)."""

FOLLOWUPS: tuple[tuple[str, int, str, str], ...] = (
    (
        "hongda_web",
        -9,
        "07:40",
        "补充：工棚后面还有个小院也关着人。昨晚老板把两个孩子用面包车拉走了，说是送到别的窑上。",
    ),
)
"""What a tipster added by receipt later: (tip, day, time, message). Only the tip whose
receipt the demo prints can be followed up (its receipt is derived again)."""


def work_order(key: str, day: date) -> tuple[str, str] | None:
    serial = WORK_ORDERS.get(key)
    return None if serial is None else ("12345", f"HH{day:%Y%m%d}-{serial}")


Event = tuple[int, str, Callable[[], Awaitable[None]]]


def events(story: Story) -> list[Event]:
    """(day, time, what) for the transfers and follow-ups of the story."""
    out: list[Event] = []
    for t in TIPS:
        if t.key in TRANSFERS:
            at, reason = TRANSFERS[t.key]
            out.append((t.day, at, _transfer(story, t.key, reason)))
    for key, day, at, message in FOLLOWUPS:
        out.append((day, at, _followup(story, key, message)))
    return out


def _receipt(story: Story, key: str) -> str:
    if key != RECEIPT_TIP:
        raise ValueError(f"the demo knows the receipt of {RECEIPT_TIP} only")
    description = next(t.description for t in TIPS if t.key == key)
    keys = tip_privacy.keys_of(story.settings)
    return tip_privacy.derived_receipt(keys, RECEIPT_PRINCIPAL, RECEIPT_KEY, description.encode())


def _transfer(story: Story, key: str, reason: str) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        assert story.county.parent_id is not None
        await tip_transfers.transfer_tip(
            story.session,
            story.office,
            settings=story.settings,
            tip_id=story.tips[key],
            jurisdiction_id=story.county.parent_id,
            reason=reason,
        )

    return run


def _followup(story: Story, key: str, message: str) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        await relay.add_followup(
            story.session,
            settings=story.settings,
            receipt=_receipt(story, key),
            message=message,
        )

    return run
