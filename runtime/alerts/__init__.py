"""Indicator alerts (指标预警): rules, the state machine, evaluation by the job interface."""
