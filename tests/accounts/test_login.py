"""Browser login: sessions, CSRF, throttling."""
from tests.conftest import PASSWORD, csrf_from


def test_the_login_page_is_served_in_chinese_by_default(client, org):
    res = client.get("/login")
    assert res.status_code == 200
    assert "登录" in res.get_data(as_text=True)


def test_a_user_logs_in_and_sees_the_navigation(client, make_user, login):
    make_user("chen", "author")
    res = login("chen")
    assert res.status_code == 302
    page = client.get("/").get_data(as_text=True)
    for label in ("目录", "场景构建", "事件", "数据与指标", "报告", "系统管理"):
        assert label in page


def test_a_page_redirects_an_anonymous_visitor_to_login(client, org):
    res = client.get("/admin/users")
    assert res.status_code == 302 and "/login" in res.headers["Location"]


def test_a_login_form_without_csrf_token_is_refused(client, make_user):
    make_user("chen", "author")
    res = client.post("/login", data={"username": "chen", "password": PASSWORD})
    assert res.status_code == 400
    assert client.get("/").status_code == 302  # still logged out


def test_five_bad_passwords_throttle_even_the_right_one(client, make_user, login):
    make_user("chen", "author")
    for _ in range(5):
        assert login("chen", "wrong-password").status_code == 401
    res = login("chen", PASSWORD)
    assert res.status_code == 429
    assert "登录失败次数过多" in res.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_a_good_login_clears_earlier_failures(client, make_user, login):
    make_user("chen", "author")
    for _ in range(4):
        login("chen", "wrong-password")
    assert login("chen").status_code == 302
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/").get_data(as_text=True))})
    for _ in range(4):
        assert login("chen", "wrong-password").status_code == 401
    assert login("chen").status_code == 302


def test_session_writes_to_the_api_need_the_csrf_header(client, make_user, login):
    make_user("boss", "admin")
    login("boss", PASSWORD)
    body = {"code": "x1", "name": "新部门", "level": "city"}
    assert client.post("/api/v1/departments", json=body).status_code == 400
    token = csrf_from(client.get("/").get_data(as_text=True))
    assert client.post("/api/v1/departments", json=body, headers={"X-CSRFToken": token}).status_code == 201


def test_switching_the_language_to_english(client, make_user, login):
    make_user("chen", "author")
    login("chen")
    token = csrf_from(client.get("/").get_data(as_text=True))
    client.post("/locale", data={"locale": "en", "next": "/", "csrf_token": token})
    page = client.get("/").get_data(as_text=True)
    assert "Catalog" in page and "Reports" in page
    assert 'lang="en"' in page


def test_an_open_redirect_after_login_is_not_followed(client, make_user):
    make_user("chen", "author")
    token = csrf_from(client.get("/login").get_data(as_text=True))
    res = client.post("/login?next=https://evil.example/", data={"username": "chen", "password": PASSWORD, "csrf_token": token})
    assert res.headers["Location"] == "/"
