"""Flow runtime figures: the same six-step flow, one gateway and one timer, run for
10,000 instances by the platform's flow engine and by SpiffWorkflow, a BPMN 2.0 engine, side by
side.

    python bench/flows.py                     # the issue's size: 10,000 instances each
    python bench/flows.py --instances 200     # a quick look

SpiffWorkflow is needed for the benchmark only: `.venv/bin/pip install -r bench/requirements.txt`.

The flow: start → 受理 accept → gateway 是否紧急 (priority in ['urgent', 'critical'] → 应急处置 fast,
else 处置 handle) → 回访等待 wait (a one-hour timer) → 回访 visit → 审核 review → end. The platform
runs it as a flow document (built below, checked by runtime.flows.document.validate), SpiffWorkflow
as bench/six_steps.bpmn. Each engine compiles its definition once, outside the timing; each
instance is created with its priority (half of them take the urgent branch), has every open task
completed until the timer waits, has its clock moved past the hour so the timer fires, then has
the rest completed until it ends. Both runs must end every instance with the same urgent / normal
split, and the timer must hold before the hour, or the script stops with an error. The two
engines take turns for --rounds rounds (3); each figure is its engine's median round.

The last line is one JSON object: flow_instances_per_s, spiffworkflow_instances_per_s, ...
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import statistics
import sys
import time
from importlib import metadata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from runtime.flows.document import Known, validate  # noqa: E402
from runtime.flows.engine import Engine, Instance  # noqa: E402
from tongguan.permissions import ROLES  # noqa: E402

BPMN = Path(__file__).resolve().parent / "six_steps.bpmn"
NOW = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.timezone.utc)
PRIORITIES = ("urgent", "normal", "critical", "low")  # i % 4: half take the urgent branch
URGENT = {"urgent", "critical"}
PAST_THE_WAIT = dt.timedelta(minutes=61)  # both clocks move this far once the timer waits
WARM_UP = 50


def task_node(node_id: str, name: str, role: str) -> dict:
    return {"id": node_id, "type": "task", "name": name, "assign": {"kind": "role", "value": role}}


DOCUMENT = {
    "nodes": [
        {"id": "start", "type": "start"},
        task_node("accept", "受理", "dispatcher"),
        {"id": "urgent", "type": "exclusive", "name": "是否紧急"},
        task_node("fast", "应急处置", "handler"),
        task_node("handle", "处置", "handler"),
        {"id": "wait", "type": "timer", "name": "回访等待", "wait": {"value": 1, "unit": "hours"}},
        task_node("visit", "回访", "dispatcher"),
        task_node("review", "审核", "leader"),
        {"id": "end", "type": "end"},
    ],
    "edges": [
        {"id": "e1", "from": "start", "to": "accept"},
        {"id": "e2", "from": "accept", "to": "urgent"},
        {"id": "e3", "from": "urgent", "to": "fast",
         "condition": "priority in ['urgent', 'critical']"},
        {"id": "e4", "from": "urgent", "to": "handle", "default": True},
        {"id": "e5", "from": "fast", "to": "wait"},
        {"id": "e6", "from": "handle", "to": "wait"},
        {"id": "e7", "from": "wait", "to": "visit"},
        {"id": "e8", "from": "visit", "to": "review"},
        {"id": "e9", "from": "review", "to": "end"},
    ],
}


class WrongRun(AssertionError):
    pass


def check(condition: bool, message: str) -> None:
    if not condition:  # not `assert`: the checks must hold under python -O too
        raise WrongRun(message)


# --- the platform's flow engine ------------------------------------------------------------


def compile_flow() -> Engine:
    problems = validate(DOCUMENT, Known(roles=set(ROLES)))
    check(not problems, f"the flow document does not validate: {[p.as_dict() for p in problems]}")
    return Engine(DOCUMENT)


def run_flow(engine: Engine, priority: str) -> list[str]:
    """One instance from start to end; returns the tasks done, in order."""
    instance = Instance(engine, {"priority": priority}, NOW)
    done = []
    while not instance.ended:
        tasks = [t for t in instance.open if t.kind == "task"]
        if tasks:
            for token in tasks:
                done.append(token.node)
                instance.send(token)
        else:  # only the timer is open
            instance.advance(PAST_THE_WAIT.total_seconds() / 3600)
            check(instance.fire_timers() == 1, f"the timer did not fire ({priority})")
    return done


def flow_timer_holds(engine: Engine) -> None:
    instance = Instance(engine, {"priority": "normal"}, NOW)
    for _ in range(2):
        instance.send(next(t for t in instance.open if t.kind == "task"))
    check([t.kind for t in instance.open] == ["timer"], "the platform flow is not waiting at the timer")
    instance.advance(59 / 60)
    check(instance.fire_timers() == 0, "the platform's timer fired before its hour")


# --- SpiffWorkflow -----------------------------------------------------------------------


def import_spiff():
    try:
        from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnParser, BpmnValidator
        from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
        from SpiffWorkflow.util.task import TaskState
    except ImportError as exc:
        raise SystemExit(f"SpiffWorkflow is not installed ({exc}); it is needed for this benchmark only:\n"
                         "    .venv/bin/pip install -r bench/requirements.txt") from None
    return BpmnParser, BpmnValidator, BpmnWorkflow, TaskState


def compile_spiff():
    BpmnParser, BpmnValidator, _, _ = import_spiff()
    parser = BpmnParser(validator=BpmnValidator())  # checks the file against the BPMN 2.0 schema
    parser.add_bpmn_file(str(BPMN))
    return parser.get_spec("six_steps")


def pass_the_hour(wait_task, by: dt.timedelta) -> None:
    """Move this instance's clock past the timer's wait.

    SpiffWorkflow 3.2 has no clock to inject: DurationTimerEventDefinition.has_fired computes
    `now + duration` the first time the catch event is updated, stores it as an ISO string in the
    task's internal data (`event_value`), and from then on fires once that instant is earlier than
    datetime.now(timezone.utc). Moving the stored instant back by `by` is the same as the wall
    clock moving forward by `by` for this instance, keeps the one-hour duration as parsed from the
    BPMN, and is how some applications built on SpiffWorkflow move a timer (the serializer
    saves and restores the same field). A shorter duration would change the flow, and patching
    datetime would slow every timer check in the run, not only this one.
    """
    due = dt.datetime.fromisoformat(wait_task.internal_data["event_value"])
    wait_task.internal_data["event_value"] = (due - by).isoformat()


def run_spiff(spec, priority: str, BpmnWorkflow, TaskState) -> list[str]:
    workflow = BpmnWorkflow(spec)
    workflow.get_next_task(state=TaskState.READY).data["priority"] = priority  # the start event's data
    workflow.do_engine_steps()
    done = []
    while not workflow.is_completed():
        tasks = workflow.get_tasks(state=TaskState.READY, manual=True)
        if tasks:
            for task in tasks:
                done.append(task.task_spec.name)
                task.run()
        else:  # only the timer is waiting
            waiting = workflow.get_tasks(state=TaskState.WAITING)
            check(len(waiting) == 1 and waiting[0].task_spec.name == "wait",
                  f"SpiffWorkflow is stuck at {[t.task_spec.name for t in waiting]} ({priority})")
            pass_the_hour(waiting[0], PAST_THE_WAIT)
            workflow.refresh_timers()
        workflow.do_engine_steps()
    return done


def spiff_timer_holds(spec, BpmnWorkflow, TaskState) -> None:
    workflow = BpmnWorkflow(spec)
    workflow.get_next_task(state=TaskState.READY).data["priority"] = "normal"
    workflow.do_engine_steps()
    before = dt.datetime.now(dt.timezone.utc)
    for _ in range(2):
        workflow.get_tasks(state=TaskState.READY, manual=True)[0].run()
        workflow.do_engine_steps()
    after = dt.datetime.now(dt.timezone.utc)
    waiting = workflow.get_tasks(state=TaskState.WAITING)
    check([t.task_spec.name for t in waiting] == ["wait"], "SpiffWorkflow is not waiting at the timer")
    due = dt.datetime.fromisoformat(waiting[0].internal_data["event_value"])
    check(before + dt.timedelta(hours=1) <= due <= after + dt.timedelta(hours=1),
          f"SpiffWorkflow's timer is not due an hour after it was reached: {due}")
    pass_the_hour(waiting[0], dt.timedelta(minutes=59))
    workflow.refresh_timers()
    workflow.do_engine_steps()
    check(not workflow.get_tasks(state=TaskState.READY, manual=True),
          "SpiffWorkflow's timer fired before its hour")


# --- the run -----------------------------------------------------------------------------


def run_all(name: str, run_one, n: int) -> dict:
    """Every instance once, checked; the seconds it took and the branch counts."""
    paths = {"fast": 0, "handle": 0}
    t = time.perf_counter()
    for i in range(n):
        priority = PRIORITIES[i % len(PRIORITIES)]
        done = run_one(priority)  # returns only once the instance has ended
        branch = "fast" if priority in URGENT else "handle"
        check(done == ["accept", branch, "visit", "review"], f"{name}, instance {i} ({priority}) went {done}")
        paths[branch] += 1
    seconds = time.perf_counter() - t
    expected_fast = sum(PRIORITIES[i % len(PRIORITIES)] in URGENT for i in range(n))
    check(paths["fast"] == expected_fast,
          f"{name} sent {paths['fast']} instances the urgent way, not {expected_fast}")
    return {"seconds": seconds, "fast": paths["fast"], "handle": paths["handle"],
            "ended": paths["fast"] + paths["handle"]}


def summary(rounds: list[dict], n: int) -> dict:
    seconds = statistics.median(r["seconds"] for r in rounds)
    return {**rounds[-1], "seconds": round(seconds, 3), "per_s": round(n / seconds, 1),
            "rounds_s": [round(r["seconds"], 3) for r in rounds]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--instances", type=int, default=10_000)
    ap.add_argument("--rounds", type=int, default=3, help="each engine's figure is the median round")
    args = ap.parse_args()
    n = args.instances
    _, _, BpmnWorkflow, TaskState = import_spiff()

    engine = compile_flow()
    flow_timer_holds(engine)
    spec = compile_spiff()
    spiff_timer_holds(spec, BpmnWorkflow, TaskState)
    engines = {"platform": lambda p: run_flow(engine, p),
               "SpiffWorkflow": lambda p: run_spiff(spec, p, BpmnWorkflow, TaskState)}
    for run_one in engines.values():  # imports, caches and the allocator settle before any timing
        for i in range(WARM_UP):
            run_one(PRIORITIES[i % len(PRIORITIES)])
    rounds: dict[str, list[dict]] = {name: [] for name in engines}
    for r in range(args.rounds):  # alternating, so a busy spell on the machine hits both
        for name, run_one in engines.items():
            print(f"[round {r + 1}/{args.rounds}] {name}: {n:,} instances ...", flush=True)
            rounds[name].append(run_all(name, run_one, n))
    flow, spiff = summary(rounds["platform"], n), summary(rounds["SpiffWorkflow"], n)

    figures = {
        "instances": n,
        "flow_instances_per_s": flow["per_s"],
        "spiffworkflow_instances_per_s": spiff["per_s"],
        "flow_seconds": flow["seconds"],
        "spiffworkflow_seconds": spiff["seconds"],
        "rounds": args.rounds,
        "flow_rounds_s": flow["rounds_s"],
        "spiffworkflow_rounds_s": spiff["rounds_s"],
        "ratio": round(flow["per_s"] / spiff["per_s"], 1),
        "ended": {"flow": flow["ended"], "spiffworkflow": spiff["ended"]},
        "urgent_normal": {"flow": [flow["fast"], flow["handle"]],
                          "spiffworkflow": [spiff["fast"], spiff["handle"]]},
        "spiffworkflow_version": metadata.version("SpiffWorkflow"),
        "python": platform.python_version(),
    }
    print()
    print(f"{'':<34}{'platform flow':>16}{'SpiffWorkflow ' + figures['spiffworkflow_version']:>22}")
    for label, a, b in (
        ("instances ended", f"{flow['ended']:,}", f"{spiff['ended']:,}"),
        ("  urgent / normal path", f"{flow['fast']:,} / {flow['handle']:,}",
         f"{spiff['fast']:,} / {spiff['handle']:,}"),
        ("seconds (median round)", f"{flow['seconds']:.2f}", f"{spiff['seconds']:.2f}"),
        ("instances per second", f"{flow['per_s']:,.0f}", f"{spiff['per_s']:,.0f}"),
    ):
        print(f"{label:<34}{a:>16}{b:>22}")
    print(f"  (platform / SpiffWorkflow = {figures['ratio']}×)")
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
