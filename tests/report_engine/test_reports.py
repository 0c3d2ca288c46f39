"""Report templates rendered to PDF over real data, archived, served, and refused when they reach
for Python internals; on SQLite and PostgreSQL."""
import datetime as dt
import re
import shutil
import subprocess

from sqlalchemy import select

from report_engine import render, service as reports
from report_engine.models import ReportRun
from tongguan.files.models import StoredFile

from .conftest import TITLE, expected

DATE = dt.date(2026, 11, 25)


def pdf_text(path) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_a_weekly_report_renders_a_pdf_whose_chinese_text_and_numbers_match_the_data(app, session, system, weekly,
                                                                                      tmp_path):
    run = reports.report_render(session, system, "city_weekly", {"date": DATE},
                                storage_path=app.config["STORAGE_PATH"])
    session.commit()
    assert run.state == "succeeded", run.message
    assert (run.period_start, run.period_end, run.attempts) == (dt.date(2026, 11, 19), DATE, 1)
    assert run.pages >= 3  # cover, contents, body

    stored, path = reports.report_run_pdf(session, system, run.id, storage_path=app.config["STORAGE_PATH"])
    assert stored.mime == "application/pdf" and path.read_bytes().startswith(b"%PDF")
    text = flat(pdf_text(path))
    total, closed = expected(), expected(closed=True)
    assert (total, closed) == (6, 3)  # the fixture as this test reads it
    assert TITLE in text and "2026年11月19日至2026年11月25日" in text and "目录" in text
    assert f"本周共受理事件{total}件，办结{closed}件，办结率{closed / total * 100:.1f}%" in text
    assert f"办结量较上周增加{closed - expected(offset_days=7, closed=True)}" in text
    for district in ("江东区", "江西区", "江北区"):
        assert f"{district}本周受理{expected(district=district)}件" in text
    assert f"合计{total}" in text  # the table's totals row
    assert "第1页/共" in text or "第2页/共" in text  # page numbers in the margin boxes

    fonts = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout
    cjk = [line for line in fonts.splitlines() if "Noto-Sans-CJK-SC" in line]
    assert cjk and all(" yes " in line for line in cjk), fonts  # embedded (and subset), the SC glyph shapes
    shutil.copyfile(path, tmp_path / "weekly.pdf")  # kept with the test's files, to look at

    # the archive: parameters, the revision, the digest of exactly the values shown
    row = session.scalar(select(ReportRun).where(ReportRun.id == run.id))
    values = render.resolve(session, system, weekly, render.period_of("weekly", DATE), render.ZoneInfo("Asia/Shanghai"))
    assert values["events_total"] == total and values["by_district"][0] == {"district": "江东区", "events": 3}
    assert row.digest == render.digest_of(values) and len(row.digest) == 64
    assert row.template_code == "city_weekly" and row.template_revision == 1 and row.title == TITLE
    assert session.get(StoredFile, row.pdf_file_id).size == path.stat().st_size


def test_a_template_reaching_python_internals_is_refused_with_its_line(app, client, session, admin_headers, weekly):
    url = f"/api/v1/report-templates/{weekly.id}"
    etag = client.get(url, headers=admin_headers).headers["ETag"]
    res = client.patch(url, json={"body": "<p>第一行</p>\n{{ ''.__class__.__mro__ }}"},
                       headers={**admin_headers, "If-Match": etag})
    assert res.status_code == 200 and res.json["revision"] == 2

    res = client.post(f"{url}/preview", json={"date": "2026-11-25"}, headers=admin_headers)
    assert res.status_code == 422 and res.mimetype == "application/problem+json"
    assert "第 2 行" in res.json["errors"]["body"][0] and "__class__" in res.json["errors"]["body"][0]

    res = client.post("/api/v1/report-templates/by-code/city_weekly/render", json={"date": "2026-11-25"},
                      headers=admin_headers)
    assert res.status_code == 422 and "第 2 行" in res.json["errors"]["body"][0]
    run = client.get(f"/api/v1/reports/{res.json['run_id']}", headers=admin_headers).json
    assert run["state"] == "failed" and "__class__" in run["message"] and run["attempts"] == 1
    assert client.get(f"/api/v1/reports/{run['id']}/pdf", headers=admin_headers).status_code == 404


def test_a_syntax_error_is_refused_on_save_and_nothing_changes(client, admin_headers, weekly):
    url = f"/api/v1/report-templates/{weekly.id}"
    etag = client.get(url, headers=admin_headers).headers["ETag"]
    res = client.patch(url, json={"body": "<p>\n{% for x in %}</p>"}, headers={**admin_headers, "If-Match": etag})
    assert res.status_code == 422 and "第 2 行" in res.json["errors"]["body"][0]
    assert client.get(url, headers=admin_headers).json["revision"] == 1


def test_templates_are_created_changed_with_if_match_listed_and_deleted(client, admin_headers, make_user, bearer):
    author = bearer(make_user("writer", "author"))
    res = client.post("/api/v1/report-templates", json={
        "code": "flood_daily", "name": "防汛日报", "body": "<h2>概况</h2><p>{{ report.date|date('short') }}</p>",
        "variables": [{"name": "x", "code": "events"}, {"name": "x", "code": "closed"}]}, headers=author)
    assert res.status_code == 422 and "variables" in res.json["errors"]["json"]
    res = client.post("/api/v1/report-templates", json={
        "code": "flood_daily", "name": "防汛日报", "cover": None,
        "body": "<h2>概况</h2><p>{{ report.date|date('short') }}</p>"}, headers=author)
    assert res.status_code == 201 and res.json["state"] == "draft" and res.json["cover"] == {}
    url, etag = f"/api/v1/report-templates/{res.json['id']}", res.headers["ETag"]

    assert client.patch(url, json={"name": "防汛防台日报"}, headers=author).status_code == 428
    res = client.patch(url, json={"name": "防汛防台日报", "orientation": "landscape"}, headers={**author, "If-Match": etag})
    assert res.status_code == 200 and res.json["revision"] == 2
    stale = client.patch(url, json={"name": "又一个名字"}, headers={**author, "If-Match": etag})
    assert stale.status_code == 412

    preview = client.post(f"{url}/preview", json={"date": "2026-11-25"}, headers=author)
    assert preview.status_code == 200 and "11月25日 星期三" in preview.json["html"]
    assert 'id="sec-1"' in preview.json["html"] and "@page" in preview.json["html"]
    # the designer's live preview: unsaved changes are shown, and nothing is saved
    unsaved = client.post(f"{url}/preview", json={"date": "2026-11-25", "template": {
        "body": "<h2>草稿里的新段落</h2><p>{{ report.date|date }}</p>", "cover": None}}, headers=author)
    assert unsaved.status_code == 200 and "草稿里的新段落" in unsaved.json["html"]
    broken = client.post(f"{url}/preview", json={"date": "2026-11-25", "template": {"body": "<p>\n{{ x( }}</p>"}},
                         headers=author)
    assert broken.status_code == 422 and "第 2 行" in broken.json["errors"]["body"][0]
    saved = client.get(url, headers=author).json
    assert "草稿里的新段落" not in saved["body"] and saved["revision"] == 2

    listed = client.get("/api/v1/report-templates?q=防汛", headers=author).json
    assert [t["code"] for t in listed["items"]] == ["flood_daily"]
    leader = bearer(make_user("boss", "leader"))
    assert client.post(f"{url}/preview", json={"date": "2026-11-25"}, headers=leader).status_code == 403
    res = client.post("/api/v1/report-templates/by-code/flood_daily/render", json={"date": "2026-11-25"},
                      headers=leader)
    assert res.status_code == 409  # a draft renders only for those who manage templates
    etag = client.get(url, headers=author).headers["ETag"]
    assert client.delete(url, headers={**author, "If-Match": etag}).status_code == 204
    assert client.get(url, headers=author).status_code == 404


def test_a_leader_renders_a_published_report_and_reads_it_from_the_archive(client, make_user, bearer, weekly):
    leader = bearer(make_user("boss", "leader"))
    res = client.post("/api/v1/report-templates/by-code/city_weekly/render", json={"date": "2026-11-25"},
                      headers=leader)
    assert res.status_code == 201 and res.json["state"] == "succeeded" and len(res.json["digest"]) == 64
    run_id = res.json["id"]

    listed = client.get("/api/v1/reports?code=city_weekly&date_from=2026-11-25&date_to=2026-11-25", headers=leader).json
    assert [r["id"] for r in listed["items"]] == [run_id]
    assert client.get("/api/v1/reports?date_from=2026-11-26", headers=leader).json["items"] == []
    pdf = client.get(f"/api/v1/reports/{run_id}/pdf", headers=leader)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    html = client.get(f"/api/v1/reports/{run_id}/html", headers=leader)
    assert html.status_code == 200 and TITLE in html.get_data(as_text=True)
    assert "sandbox" in html.headers["Content-Security-Policy"]
    one = client.get(f"/api/v1/reports/{run_id}", headers=leader).json
    assert one["report_date"] == "2026-11-25" and one["pages"] >= 3


def test_the_cli_renders_a_report_to_a_file(app, weekly, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from tongguan.cli import main

    monkeypatch.setenv("TONGGUAN_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("TONGGUAN_DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("TONGGUAN_STORAGE_PATH", app.config["STORAGE_PATH"])
    monkeypatch.setenv("TONGGUAN_LOG_LEVEL", "WARNING")
    out = tmp_path / "weekly.pdf"
    result = CliRunner().invoke(main, ["report", "render", "city_weekly", "--date", "2026-11-25", "--out", str(out)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "written to" in result.output and TITLE in flat(pdf_text(out))
    bad = CliRunner().invoke(main, ["report", "render", "no_such", "--date", "2026-11-25", "--out", str(out)])
    assert bad.exit_code != 0 and "no_such" in bad.output


def test_the_service_functions_compose_in_one_transaction(app, session, system, make_user, city_data):
    from tongguan.errors import Forbidden, PreconditionFailed

    from report_engine.service import (report_preview, report_run_get, report_run_list, report_template_create,
                                       report_template_delete, report_template_get, report_template_list,
                                       report_template_update)

    template = report_template_create(session, system, {
        "code": "daily_brief", "name": "每日简报", "cover": {"title": "{{ report.date|date }} 简报"},
        "variables": [{"name": "today", "code": "events", "where": {"district": "$area"}},
                      {"name": "yesterday", "code": "events", "offset": "1d", "where": {"district": "$area"}}],
        "body": "<p>今日 {{ today|number }} 件，{{ today|change(yesterday) }}。</p>"})
    assert report_template_get(session, system, template.id).revision == 1
    assert [t.code for t in report_template_list(session, system, type="daily").items] == ["daily_brief"]
    out = report_preview(session, system, template.id, {"date": DATE, "area": "江北区"})
    today, before = expected(1, district="江北区"), expected(1, 1, district="江北区")
    assert f"今日 {today} 件" in out["html"] and "2026年11月25日 简报" in out["html"] and len(out["digest"]) == 64
    assert (today, before) == (1, 0) and "较昨日增加 1" in out["html"]
    with __import__("pytest").raises(PreconditionFailed):
        report_template_update(session, system, template.id, {"state": "published"}, if_version=99)
    report_template_update(session, system, template.id, {"state": "published"}, if_version=template.version)
    assert template.revision == 1  # publishing is not a change of content
    leader = make_user("boss", "leader")
    from tongguan.permissions import Actor

    with __import__("pytest").raises(Forbidden):
        report_template_delete(session, Actor.for_user(leader), template.id)
    run = reports.report_render(session, Actor.for_user(leader), "daily_brief", {"date": DATE},
                                storage_path=app.config["STORAGE_PATH"])
    assert run.state == "succeeded" and report_run_get(session, system, run.id).created_by == leader.id
    assert [r.id for r in report_run_list(session, system, code="daily_brief", state="succeeded").items] == [run.id]
    report_template_delete(session, system, template.id)
    session.commit()
    assert report_run_get(session, system, run.id).template_id is None  # the archive outlives the template
