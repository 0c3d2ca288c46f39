"""The event core (事件服务中心): events from intake to close, dispatch, deadlines and metrics."""
