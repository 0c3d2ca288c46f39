"""The alert state machine: pending time, hysteresis, one firing per episode, no data, errors, levels."""
import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from runtime.alerts.machine import LEVELS, Observation, Rule, State, step

T0 = dt.datetime(2026, 11, 25, 8, 0, tzinfo=dt.timezone.utc)


def run(rule, observations, every_s=60, start=State()):
    """Feed observations a minute apart; return the states and all actions."""
    state, states, actions = start, [], []
    for i, seen in enumerate(observations):
        out = step(state, rule, seen, T0 + dt.timedelta(seconds=i * every_s))
        state = out.state
        states.append(state.state)
        actions += out.actions
    return states, actions, state


def rainfall(mm, warn_at=50, clear_below=30):
    """Warn (yellow) at ≥ 50 mm, red at ≥ 100; clear only below 30 (hysteresis)."""
    level = "red" if mm >= 100 else "yellow" if mm >= warn_at else None
    return Observation(level=level, clear=mm < clear_below)


def test_fires_after_its_pending_time_and_clears_only_below_the_clearing_rule():
    rule = Rule(pending_s=180, recover_s=120)
    series = [10, 60, 60, 60, 60, 45, 40, 35, 25, 20, 20, 10]
    states, actions, final = run(rule, [rainfall(x) for x in series])
    assert states == ["normal", "pending", "pending", "pending", "firing", "firing", "firing", "firing",
                      "recovering", "recovering", "normal", "normal"]
    assert actions == ["fire", "resolve"]  # one episode: fired once, resolved once
    assert final.episode == 1


def test_a_short_spike_does_not_fire():
    states, actions, _ = run(Rule(pending_s=180), [rainfall(x) for x in [10, 80, 80, 10, 10]])
    assert "firing" not in states and actions == []


def test_recovering_goes_back_to_firing_without_a_new_episode_and_escalation_notifies_again():
    rule = Rule(pending_s=0, recover_s=300)
    states, actions, final = run(rule, [rainfall(x) for x in [60, 20, 120, 20, 20, 20, 20, 20, 20]])
    assert states[:3] == ["firing", "recovering", "firing"]
    assert actions == ["fire", "escalate", "resolve"] and final.episode == 1 and final.state == "normal"


def test_no_data_policies():
    gap = Observation(has_data=False)
    assert run(Rule(nodata="nodata"), [gap])[0] == ["nodata"]
    assert run(Rule(nodata="keep"), [rainfall(60), gap], start=State())[0] == ["firing", "firing"]
    assert run(Rule(nodata="alerting"), [gap])[1] == ["fire"]
    firing = run(Rule(), [rainfall(60)])[2]
    assert run(Rule(nodata="ok"), [gap], start=firing)[1] == ["resolve"]


def test_errors_are_a_state_and_evaluation_resumes_after_them():
    states, actions, _ = run(Rule(), [Observation(error="timeout"), Observation(error="timeout"), rainfall(60)])
    assert states == ["error", "error", "firing"] and actions == ["error", "fire"]


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=150), min_size=1, max_size=60),
       st.integers(min_value=0, max_value=600), st.integers(min_value=0, max_value=600))
def test_every_episode_fires_once_and_resolves_at_most_once(series, pending_s, recover_s):
    states, actions, final = run(Rule(pending_s=pending_s, recover_s=recover_s), [rainfall(x) for x in series])
    assert actions.count("fire") == final.episode
    assert actions.count("fire") - actions.count("resolve") in (0, 1)
    assert all(s in ("normal", "pending", "firing", "recovering") for s in states)
    assert final.level in (None, *LEVELS)
