"""/api/v1/inbox: the signed-in user's notifications."""
from __future__ import annotations

from flask.views import MethodView

from tongguan.api import Blueprint, current_actor
from tongguan.db import get_session

from . import service
from .schemas import InboxCountOut, InboxPage, InboxQuery, InboxReadIn

blp = Blueprint("inbox", __name__, url_prefix="/api/v1", description="Inbox (站内消息)")


@blp.route("/inbox")
class Inbox(MethodView):
    @blp.arguments(InboxQuery, location="query")
    @blp.response(200, InboxPage)
    def get(self, args):
        """My messages, newest first."""
        return service.inbox_list(get_session(), current_actor(), **args)


@blp.route("/inbox/unread")
class InboxUnread(MethodView):
    @blp.response(200, InboxCountOut)
    def get(self):
        """How many of my messages are unread."""
        return {"unread": service.inbox_unread(get_session(), current_actor())}


@blp.route("/inbox/read")
class InboxRead(MethodView):
    @blp.arguments(InboxReadIn)
    @blp.response(200, InboxCountOut)
    def post(self, data):
        """Mark messages (or all) read; answers how many are still unread."""
        db = get_session()
        service.inbox_mark_read(db, current_actor(), data.get("ids"))
        db.commit()
        return {"unread": service.inbox_unread(db, current_actor())}
