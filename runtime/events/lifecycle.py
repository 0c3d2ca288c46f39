"""The default lifecycle of an event: which action moves it from which status to which.

上报 → 受理 → 分拨 → 处置 → 审核 → 办结, with 退回, 退单, 转办, 督办, 延期, 挂起, 作废, 重办.
Pure data; service.py checks permissions and does the bookkeeping.
"""
from __future__ import annotations

STATUSES = {
    "reported": ("已上报", "Reported"),
    "accepted": ("已受理", "Accepted"),  # waiting for dispatch (the manual queue when nothing maps)
    "dispatched": ("已分拨", "Dispatched"),  # at a department, not yet taken up
    "handling": ("处置中", "Handling"),
    "reviewing": ("待审核", "Under review"),
    "closed": ("已办结", "Closed"),
    "suspended": ("已挂起", "Suspended"),
    "cancelled": ("已作废", "Cancelled"),
}
OPEN = ("reported", "accepted", "dispatched", "handling", "reviewing", "suspended")

# action: (statuses it applies to, status it leads to or None = decided by the service)
ACTIONS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "accept": (("reported",), "accepted"),           # 受理
    "dispatch": (("accepted", "reported"), "dispatched"),  # 分拨 (manual, or automatic at intake)
    "refuse": (("dispatched",), "accepted"),          # 退单: the department says it is not theirs
    "take": (("dispatched",), "handling"),            # 签收
    "transfer": (("dispatched", "handling"), "dispatched"),  # 转办 to another department
    "submit": (("handling",), "reviewing"),           # 处置完成，提交审核
    "approve": (("reviewing",), "closed"),            # 审核通过 → 办结
    "return": (("accepted", "dispatched", "handling", "reviewing"), None),  # 退回 to the previous step
    "reopen": (("closed",), "handling"),              # 重办
    "suspend": (OPEN[:-1], "suspended"),              # 挂起
    "resume": (("suspended",), None),                 # back to where it was
    "cancel": (OPEN, "cancelled"),                    # 作废
    "supervise": (OPEN, None),                        # 督办: no move, a note and a flag
    "extend": (("dispatched", "handling"), None),     # 延期申请 (granted by the ops center)
    "cc": (OPEN, None),                               # 抄送
    "send": ((), None),                               # 发送 to the next node: flow events only (steps.py)
    "jump": ((), None),                               # 跳转 to a named node: flow events only
    "comment": (OPEN + ("closed",), None),
}
ACTION_NAMES = {
    "report": "上报", "accept": "受理", "dispatch": "分拨", "refuse": "退单", "take": "签收", "transfer": "转办",
    "submit": "提交审核", "approve": "审核通过", "return": "退回", "reopen": "重办", "suspend": "挂起",
    "resume": "恢复", "cancel": "作废", "supervise": "督办", "extend": "延期", "cc": "抄送", "comment": "备注",
    "merge": "合并", "send": "发送", "jump": "跳转", "step": "进入环节", "flow": "按流程流转",
    "timer": "定时到期", "step_overdue": "环节超时", "step_due_soon": "环节即将到期", "migrate": "流程迁移", "refusal_upheld": "退单认定有责", "refusal_rejected": "退单不予认可",
}
# who does what: the ops center (event.dispatch) or the department the event is at (event.handle)
OPS_ACTIONS = {"accept", "dispatch", "approve", "reopen", "suspend", "resume", "cancel", "supervise", "extend"}
DEPARTMENT_ACTIONS = {"refuse", "take", "transfer", "submit"}
EITHER = {"return", "cc", "comment"}
# moves of the default lifecycle that an event following a flow makes by its nodes instead
DEFAULT_ONLY = {"accept", "refuse", "take", "submit", "approve"}
# `return` goes back one step
PREVIOUS = {"accepted": "reported", "dispatched": "accepted", "handling": "dispatched", "reviewing": "handling"}


def allowed(action: str, status: str) -> bool:
    entry = ACTIONS.get(action)
    return entry is not None and status in entry[0]


def target(action: str, status: str, previous: str | None = None) -> str:
    statuses, to = ACTIONS[action]
    if to is not None:
        return to
    if action == "return":
        return PREVIOUS[status]
    if action == "resume":
        return previous or "accepted"
    return status
