"""`flightcheck serve` over real HTTP: a uvicorn server on 127.0.0.1 (free port) serving a
copy of the bundled case. Every route, the guard (token, Origin, Host, uploads, traversal),
read-only mode, hash conflicts, history and byte-exact undo."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys

import pytest
from click.testing import CliRunner
from serve_helpers import TOKEN, copy_case, serve_case

from flightcheck.cli import main
from flightcheck.serve.jobs import verdict_changes
from flightcheck.serve.security import check_bind_host, loopback_host
from flightcheck.serve.view import finding_rows

LYBT_SOURCE = "https://example.org/batajnica-report?id=1&x=<b>"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """One verified workbench for the tests that only read."""
    case = copy_case(tmp_path_factory.mktemp("served"))
    with serve_case(case) as s:
        yield s


@pytest.fixture
def fresh(tmp_path):
    """A workbench of its own (not verified: edits need no analysis)."""
    with serve_case(copy_case(tmp_path), verify=False) as s:
        yield s


def lybt_stop(bench):
    rows = [
        r
        for r in finding_rows(bench.jobs.analysis)
        if r["type"] == "stop" and r["aircraft"] == "010075" and r["place"] == "LYBT"
    ]
    assert len(rows) == 1
    return rows[0]


# -- the page and its parts ------------------------------------------------------------------


def test_page_shows_map_timeline_verdicts_and_findings(served):
    status, page = served.get("/")
    assert status == 200
    text = page.decode()
    assert 'src="/map?token=' in text and 'class="fc-timeline"' in text
    # the verdicts of the bundled case, with their reasons
    for cid, verdict in (
        ("route-eg-cn-rs", "supported"),
        ("refuel-athens", "contradicted"),
        ("over-iran", "inconclusive"),
    ):
        assert f'data-claim="{cid}"' in text
        row = text.split(f'data-claim="{cid}"', 1)[1].split("</tr>", 1)[0]
        assert f'class="verdict {verdict}"' in row and "<li>" in row
    # stops, events and silences as table rows, with what binding an annotation needs
    stop = lybt_stop(served.bench)
    assert f'id="{stop["id"]}"' in text and f'data-bind-time="{stop["bind_time"]}"' in text
    for kind in ("stop", "silence"):
        assert f'data-type="{kind}"' in text
    # the bundled annotation, bound to the inferred LYBT stop
    assert "inferred stop of 010075 at LYBT" in text
    # nothing remote is referenced
    assert "http://" not in text.replace(served.origin, "") and "https://" not in text


def test_map_is_the_shared_offline_evidence_map(served):
    from flightcheck.maps import remote_references

    status, page = served.get("/map")
    assert status == 200
    html = page.decode()
    assert "fc-stop" in html and "fc-annotation" in html and "L.map(" in html
    assert remote_references(html) == []


def test_static_files_and_headers(served):
    status, headers, body = served.request("GET", f"/static/app.js?token={TOKEN}")
    assert status == 200 and b"X-Flightcheck-Token" in body
    assert "default-src 'self'" in headers["content-security-policy"]
    assert headers["referrer-policy"] == "no-referrer"
    status, _ = served.get("/static/app.css")
    assert status == 200


def test_state_and_history_routes(served):
    status, body = served.get("/api/state")
    state = json.loads(body)
    assert status == 200 and state["sha256"] == served.base() and not state["read_only"]
    assert state["job"]["kind"] == "verify" and state["job"]["done"] == 1.0
    status, body = served.get("/api/history")
    assert status == 200 and json.loads(body) == {"entries": []}


# -- the guard ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/map",
        "/static/app.js",
        "/api/state",
        "/api/history",
        "/pack/report.html",
        "/no-such-route",
    ],
)
def test_every_route_needs_the_token(served, path):
    status, _, body = served.request("GET", path)
    assert status == 403 and b"token" in body
    status, _, _ = served.request("GET", path + "?token=wrong" + TOKEN[5:])
    assert status == 403


def test_post_needs_token_header_and_own_origin(fresh):
    before = fresh.case_path.read_bytes()
    fields = {"id": "n1", "label": "x", "airport": "LYBT", "time": "2025-10-16T10:00:00Z"}
    payload = {"base": fresh.base(), "fields": fields}
    for origin in ("http://evil.example", "null", f"http://localhost:{fresh.port + 1}", None):
        status, _ = fresh.post("/api/edit/annotate", payload, origin=origin)
        assert status == 403, origin
    status, _ = fresh.post("/api/edit/annotate", payload, token=None)
    assert status == 403
    # the token in the query string is not enough for a state-changing request
    status, _, _ = fresh.request(
        "POST",
        f"/api/edit/annotate?token={TOKEN}",
        json.dumps(payload),
        {"Content-Type": "application/json", "Origin": fresh.origin},
    )
    assert status == 403
    for path in ("/api/verify", "/api/export", "/api/edit/undo"):
        status, _ = fresh.post(path, {}, origin="http://evil.example")
        assert status == 403
    assert fresh.case_path.read_bytes() == before


def test_foreign_host_header_is_refused(served):
    # DNS rebinding: a hostile name resolving to 127.0.0.1 still sends its own Host
    status, _, _ = served.request(
        "GET", f"/?token={TOKEN}", headers={"Host": f"evil.example:{served.port}"}
    )
    assert status == 403
    status, _, _ = served.request(
        "GET", f"/?token={TOKEN}", headers={"Host": f"localhost:{served.port}"}
    )
    assert status == 200
    assert loopback_host("[::1]:8000") and loopback_host("127.0.0.2")
    assert not loopback_host("192.0.2.1:80") and not loopback_host("localhost.evil.example")


@pytest.mark.parametrize(
    "path",
    [
        "/static/../app.py",
        "/static/%2e%2e/app.py",
        "/static/..%2fapp.py",
        "/static/../../../../etc/passwd",
        "/static/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/pack/../case.toml",
        "/pack/%2e%2e/case.toml",
        "/pack/..%2f..%2fetc/passwd",
        "/static//etc/passwd",
        "/pack//etc/passwd",
    ],
)
def test_traversal_is_refused(served, path):
    status, _, body = served.request("GET", f"{path}?token={TOKEN}")
    assert status == 404
    assert b"root:" not in body and b"[case]" not in body and b"import" not in body


def test_uploads_and_oversized_bodies_are_refused(fresh):
    before = fresh.case_path.read_bytes()
    multipart = (
        '--b\r\nContent-Disposition: form-data; name="file"; filename="x.json"'
        "\r\n\r\n{}\r\n--b--\r\n"
    )
    headers = {
        "Content-Type": "multipart/form-data; boundary=b",
        "Origin": fresh.origin,
        "X-Flightcheck-Token": TOKEN,
    }
    for path in ("/api/edit/annotate", "/api/upload", "/static/x.json"):
        status, _, _ = fresh.request("POST", path, multipart, headers)
        assert status == 415
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    status, _, _ = fresh.request("POST", "/api/edit/annotate", "id=x", headers)
    assert status == 415
    big = json.dumps({"base": fresh.base(), "fields": {"note": "x" * 100_000}})
    status, _ = fresh.post("/api/edit/annotate", json.loads(big))
    assert status == 413
    for method in ("PUT", "DELETE"):
        status, _, _ = fresh.request(
            method, "/static/app.js", "x", {**headers, "Content-Type": "application/json"}
        )
        assert status in (404, 405)
    assert fresh.case_path.read_bytes() == before


def test_binds_only_to_loopback(tmp_path):
    assert check_bind_host("127.0.0.1") == "127.0.0.1" and check_bind_host("::1") == "::1"
    for host in ("0.0.0.0", "::", "192.0.2.2", "localhost.evil.example", ""):
        with pytest.raises(ValueError, match="loopback"):
            check_bind_host(host)
    result = CliRunner().invoke(main, ["serve", str(copy_case(tmp_path)), "--host", "0.0.0.0"])
    assert result.exit_code == 2 and "loopback" in result.output


def _non_loopback_address() -> str | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))  # no packet is sent: this only picks a route
            address = s.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


def test_not_reachable_on_other_addresses(served):
    address = _non_loopback_address()
    if address is None:
        pytest.skip("this machine has no non-loopback IPv4 address")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(5)
        assert s.connect_ex((address, served.port)) != 0  # refused: nothing listens there


# -- edits -------------------------------------------------------------------------------------


def test_annotation_from_the_page_is_what_case_annotate_writes(tmp_path, served):
    stop = lybt_stop(served.bench)
    fields = {
        "id": "lybt-delivery",
        "label": "suspected delivery",
        "aircraft": "010075",
        "airport": "LYBT",
        "time": stop["bind_time"],
        "note": "Seen unloading",
        "sources": [LYBT_SOURCE, " ", "https://example.org/2"],
    }
    with serve_case(copy_case(tmp_path / "web"), verify=False) as web:
        status, body = web.edit("annotate", fields)
        assert status == 200 and body["entry"]["who"] == "tester"
        from_web = web.case_path.read_bytes()
    cli_case = copy_case(tmp_path / "cli")
    result = CliRunner().invoke(
        main,
        [
            "case",
            "annotate",
            str(cli_case.parent),
            "--id",
            "lybt-delivery",
            "--label",
            "suspected delivery",
            "--aircraft",
            "010075",
            "--airport",
            "LYBT",
            "--time",
            stop["bind_time"],
            "--note",
            "Seen unloading",
            "--source",
            LYBT_SOURCE,
            "--source",
            "https://example.org/2",
            "--author",
            "tester",
        ],
    )
    assert result.exit_code == 0, result.output
    assert from_web == cli_case.read_bytes()
    # and it binds to exactly that stop (no offset from the annotated time)
    from flightcheck.case.bind import bind
    from flightcheck.case.model import load

    ann = next(a for a in load(cli_case).annotations if a.id == "lybt-delivery")
    bound = bind(ann, served.bench.jobs.analysis.routes)
    assert bound["kind"] == "stop" and bound["offset_s"] == 0.0
    assert bound["arrival"] == stop["start"] and bound["icao24"] == "010075"


def test_claim_from_the_form_is_what_case_claim_writes(tmp_path):
    fields = {
        "id": "urumqi",
        "kind": "stop",
        "aircraft": "010075",
        "airport": "ZWWW",
        "from": "2025-10-15",
        "to": "2025-10-15",
        "text": "It landed in Ürümqi",
        "military": None,
    }
    with serve_case(copy_case(tmp_path / "web"), verify=False) as web:
        status, _ = web.edit("claim", fields)
        assert status == 200
        route = {
            "id": "eg-cn-rs",
            "kind": "route",
            "aircraft": "010075",
            "route": "Egypt,URC,Serbia",
            "from": "2025-10-01",
            "military": True,
        }
        status, _ = web.edit("claim", route)
        assert status == 200
        from_web = web.case_path.read_bytes()
    cli_case = copy_case(tmp_path / "cli")
    runner = CliRunner()
    for args in (
        [
            "--id",
            "urumqi",
            "--kind",
            "stop",
            "--aircraft",
            "010075",
            "--airport",
            "ZWWW",
            "--from",
            "2025-10-15",
            "--to",
            "2025-10-15",
            "--text",
            "It landed in Ürümqi",
        ],
        [
            "--id",
            "eg-cn-rs",
            "--kind",
            "route",
            "--aircraft",
            "010075",
            "--route",
            "Egypt,URC,Serbia",
            "--from",
            "2025-10-01",
            "--military",
        ],
    ):
        result = runner.invoke(main, ["case", "claim", str(cli_case.parent), *args])
        assert result.exit_code == 0, result.output
    assert from_web == cli_case.read_bytes()
    text = from_web.decode()
    assert 'from = "2025-10-15T00:00:00Z"' in text and 'to = "2025-10-15T23:59:59.999Z"' in text
    assert 'route = ["EG", "ZWWW", "RS"]' in text


@pytest.mark.parametrize(
    "fields, message",
    [
        (
            {"id": "x", "kind": "stop", "aircraft": "010075", "airport": "Nowhereville"},
            "no airport matches 'Nowhereville'",
        ),
        (
            {"id": "x", "kind": "stop", "aircraft": "010075", "airport": "LYBT", "from": "someday"},
            "is not a date/time",
        ),
        # pandas reads "16 Oct" as the year 1, once written as 1-10-16 and read back as 2016-01-10
        (
            {"id": "x", "kind": "stop", "aircraft": "010075", "airport": "LYBT", "from": "16 Oct"},
            "outside 1970 .. 2100",
        ),
        (
            {
                "id": "x",
                "kind": "stop",
                "aircraft": "010075",
                "airport": "LYBT",
                "from": "2025-10-16",
                "to": "2025-10-15",
            },
            "is before from",
        ),
        ({"id": "x", "kind": "stop", "airport": "LYBT"}, "say which aircraft"),
        ({"id": "x", "kind": "landing", "aircraft": "010075"}, "claim kind 'landing'"),
        (
            {"id": "route-eg-cn-rs", "kind": "stop", "aircraft": "1", "airport": "LYBT"},
            "already exists",
        ),
        ({"id": "", "kind": "stop"}, "give an id"),
        (
            {"id": "x", "kind": "stop", "aircraft": "010075", "airport": "LYBT", "military": "yes"},
            "military must be",
        ),
    ],
)
def test_invalid_claims_are_refused_and_nothing_is_written(fresh, fields, message):
    before = fresh.case_path.read_bytes()
    status, body = fresh.edit("claim", fields)
    assert status == 400 and message in body["error"]
    assert fresh.case_path.read_bytes() == before
    assert fresh.bench.editor.history.entries() == []


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"id": "a", "label": "x", "airport": "LYBT", "time": "yesterday"}, "time"),
        (
            {"id": "a", "label": "x", "airport": "Atlantis", "time": "2025-10-16T10:00:00Z"},
            "Atlantis",
        ),
        ({"id": "a", "label": "", "airport": "LYBT", "time": "2025-10-16T10:00:00Z"}, "label"),
        (
            {"id": "delivery-1", "label": "x", "airport": "LYBT", "time": "2025-10-16T10:00:00Z"},
            "already exists",
        ),
        ({"id": "a", "label": "x"}, "give a time"),
    ],
)
def test_invalid_annotations_are_refused(fresh, fields, message):
    before = fresh.case_path.read_bytes()
    status, body = fresh.edit("annotate", fields)
    assert status == 400 and message in body["error"]
    assert fresh.case_path.read_bytes() == before


def test_stale_hash_is_a_conflict_and_neither_edit_is_lost(fresh):
    page_a = page_b = fresh.base()  # two tabs open on the same file
    a = {
        "id": "tab-a",
        "label": "from tab A",
        "airport": "LYBT",
        "time": "2025-10-16T10:00:00Z",
        "aircraft": "010075",
    }
    b = {**a, "id": "tab-b", "label": "from tab B"}
    status, body = fresh.edit("annotate", a, base=page_a)
    assert status == 200
    after_a = fresh.case_path.read_bytes()
    status, conflict = fresh.edit("annotate", b, base=page_b)
    assert status == 409 and conflict["current"] == body["sha256"] == fresh.base()
    assert fresh.case_path.read_bytes() == after_a  # refused: nothing written
    status, _ = fresh.edit("annotate", b, base=conflict["current"])  # the user said apply
    assert status == 200
    text = fresh.case_path.read_text()
    assert 'id = "tab-a"' in text and 'id = "tab-b"' in text
    # a change from outside the workbench (an editor, the CLI) is a conflict too
    fresh.case_path.write_text(text + "# edited by hand\n")
    status, conflict = fresh.edit("claim", {"id": "c"}, base=body["sha256"])
    assert status == 409


def test_history_records_who_when_what_and_undo_restores_bytes(fresh):
    original = fresh.case_path.read_bytes()
    status, _ = fresh.edit(
        "annotate",
        {
            "id": "n1",
            "label": "suspected delivery",
            "airport": "LYBT",
            "aircraft": "010075",
            "time": "2025-10-16T10:00:00Z",
        },
        author="Ana",
    )
    assert status == 200
    after_annotation = fresh.case_path.read_bytes()
    status, _ = fresh.edit(
        "claim",
        {"id": "c1", "kind": "stop", "aircraft": "010075", "airport": "LYBT", "from": "2025-10-16"},
    )
    assert status == 200
    status, body = fresh.get("/api/history")
    entries = json.loads(body)["entries"]
    assert [(e["seq"], e["who"], e["what"]) for e in entries] == [
        (1, "Ana", "annotate n1: suspected delivery"),
        (2, "tester", "claim c1: stop"),
    ]
    assert entries[0]["when"].endswith("Z") and '+id = "n1"' in entries[0]["diff"]
    assert 'author = "Ana"' in after_annotation.decode()

    status, body = fresh.edit("undo")
    assert status == 200 and body["entry"]["undoes"] == 2
    assert fresh.case_path.read_bytes() == after_annotation
    status, _ = fresh.edit("undo")
    assert status == 200
    assert fresh.case_path.read_bytes() == original  # byte for byte
    status, body = fresh.edit("undo")
    assert status == 400 and "nothing to undo" in body["error"]
    assert len(fresh.bench.editor.history.entries()) == 4  # undos are recorded too


def test_undo_refuses_to_lose_a_change_made_outside(fresh):
    status, _ = fresh.edit(
        "annotate", {"id": "n1", "label": "x", "airport": "LYBT", "time": "2025-10-16T10:00:00Z"}
    )
    assert status == 200
    by_hand = fresh.case_path.read_text() + "# a note typed in an editor\n"
    fresh.case_path.write_text(by_hand)
    status, body = fresh.edit("undo")
    assert status == 409 and "would lose" in body["error"]
    assert fresh.case_path.read_text() == by_hand


def test_remove_through_the_page(fresh):
    status, _ = fresh.edit("remove", target="annotation:delivery-1")
    from flightcheck.case.model import load

    assert status == 200 and load(fresh.case_path).annotations == []
    status, body = fresh.edit("remove", target="input:fr24/EGY1076_3c1f0a2b.csv")
    assert status == 400


def test_text_from_inputs_and_annotations_is_escaped(fresh):
    hostile = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    status, _ = fresh.edit(
        "annotate",
        {
            "id": "evil",
            "label": hostile,
            "note": hostile,
            "airport": "LYBT",
            "aircraft": "010075",
            "time": "2025-10-16T10:00:00Z",
            "sources": ["javascript:alert(3)" + hostile],
        },
        author=hostile,
    )
    assert status == 200
    status, _ = fresh.edit(
        "claim",
        {
            "id": "evil-claim",
            "kind": "stop",
            "aircraft": "010075",
            "airport": "LYBT",
            "text": hostile,
        },
    )
    assert status == 200
    fresh.bench.jobs.verify()
    fresh.bench.jobs.wait()
    for path in ("/", "/map"):
        status, page = fresh.get(path)
        assert status == 200
        assert b"<script>alert(1)" not in page and b'onerror="alert(2)"' not in page
        assert b"<img src=x" not in page
    status, page = fresh.get("/")
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert b'href="javascript:' not in page


# -- jobs ----------------------------------------------------------------------------------------


def test_reverify_shows_changed_verdicts(fresh):
    fresh.bench.jobs.verify()
    fresh.bench.jobs.wait()
    status, _ = fresh.edit(
        "claim",
        {
            "id": "at-zwww",
            "kind": "stop",
            "aircraft": "010075",
            "airport": "ZWWW",
            "from": "2025-10-15",
            "to": "2025-10-15",
        },
    )
    assert status == 200
    status, page = fresh.get("/")
    assert b"not verified yet" in page
    status, body = fresh.post("/api/verify", {})
    assert status == 202 and body["job"]["running"]
    fresh.bench.jobs.wait()
    status, body = fresh.get("/api/state")
    state = json.loads(body)
    assert (
        state["job"]["error"] is None
        and state["job"]["result"]["verdicts"]["at-zwww"] == "supported"
    )
    assert state["changes"] == [{"id": "at-zwww", "before": None, "after": "supported"}]
    status, page = fresh.get("/")
    row = page.decode().split('data-claim="at-zwww"', 1)[1].split("</tr>", 1)[0]
    assert 'class="verdict supported"' in row and "was new" in row


def test_verdict_changes():
    before = {"a": "supported", "b": "inconclusive", "c": "contradicted"}
    after = {"a": "supported", "b": "contradicted", "d": "supported"}
    assert verdict_changes(before, after) == [
        {"id": "b", "before": "inconclusive", "after": "contradicted"},
        {"id": "d", "before": None, "after": "supported"},
        {"id": "c", "before": "contradicted", "after": None},
    ]


def test_export_writes_the_same_pack_as_verify(fresh, tmp_path):
    status, body = fresh.post("/api/export", {})
    assert status == 202
    fresh.bench.jobs.wait()
    job = fresh.bench.jobs.snapshot()
    assert job["error"] is None and job["stage"] == "done"
    pack = fresh.case_path.parent / "evidence"
    result = CliRunner().invoke(
        main, ["verify", str(fresh.case_path.parent), "-o", str(tmp_path / "cli-pack")]
    )
    assert result.exit_code == 0, result.output
    for name in ("verdicts.json", "stops.csv", "tracks.geojson", "map.html"):
        assert (pack / name).read_bytes() == (tmp_path / "cli-pack" / name).read_bytes(), name
    status, report = fresh.get("/pack/report.html")
    assert status == 200 and b"refuel-athens" in report
    status, page = fresh.get("/")
    assert b'href="/pack/report.html?token=' in page


def test_pack_outside_the_case_is_not_served(tmp_path):
    case = copy_case(tmp_path / "c")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "report.html").write_text("secret")
    with serve_case(case, verify=False, export_dir=outside) as s:
        status, body = s.get("/pack/report.html")
        assert status == 404 and b"secret" not in body


# -- modes -------------------------------------------------------------------------------------


def test_read_only_refuses_every_edit(tmp_path):
    case = copy_case(tmp_path)
    before = case.read_bytes()
    with serve_case(case, read_only=True) as s:
        for action, fields in (
            (
                "annotate",
                {"id": "n", "label": "x", "airport": "LYBT", "time": "2025-10-16T10:00:00Z"},
            ),
            ("claim", {"id": "c", "kind": "stop"}),
            ("undo", {}),
        ):
            status, body = s.edit(action, fields)
            assert status == 403 and "read-only" in body["error"]
        status, _ = s.post("/api/export", {})
        assert status == 403
        status, page = s.get("/")
        assert status == 200 and b"read-only" in page
        assert b'id="annotate-form"' not in page and b'id="claim-form"' not in page
        assert b"annotate-button" not in page
        status, _ = s.post("/api/verify", {})  # browsing may re-verify, writing nothing
        assert status == 202
        s.bench.jobs.wait()
    assert case.read_bytes() == before
    assert not (case.parent / ".flightcheck").exists() and not (case.parent / "evidence").exists()


def test_a_case_without_inputs_says_how_to_add_some(tmp_path):
    from flightcheck.case import init

    case = init(tmp_path / "new", title="Empty <case>")
    with serve_case(case) as s:
        status, page = s.get("/")
        assert status == 200
        assert b"No track data yet" in page and b"flightcheck case add" in page
        assert b"Empty &lt;case&gt;" in page
        status, page = s.get("/map")
        assert status == 200 and b"No map yet" in page


def test_cli_prints_the_url_and_serves(tmp_path):
    case = copy_case(tmp_path)
    proc = subprocess.Popen(
        [sys.executable, "-m", "flightcheck.cli", "serve", str(case.parent), "--read-only"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = proc.stdout.readline()
        line = proc.stdout.readline()
        assert "read-only" in first and line.startswith("open: http://127.0.0.1:")
        url = line.split()[1]
        import urllib.request

        with urllib.request.urlopen(url, timeout=120) as resp:
            assert resp.status == 200 and b"flightcheck workbench" in resp.read()
    finally:
        proc.terminate()
        proc.communicate(timeout=30)  # reads and closes both pipes


def test_serves_on_ipv6_loopback(tmp_path):
    import http.client

    from flightcheck.serve import Settings, create_app, running

    try:
        socket.socket(socket.AF_INET6).close()
    except OSError:
        pytest.skip("no IPv6 here")
    app = create_app(Settings(case_path=copy_case(tmp_path), token=TOKEN), start_verify=False)
    with running(app, host="::1") as sock:
        port = sock.getsockname()[1]
        conn = http.client.HTTPConnection("::1", port, timeout=60)
        conn.request("GET", f"/api/state?token={TOKEN}")
        assert conn.getresponse().status == 200
        conn.close()
        conn = http.client.HTTPConnection("::1", port, timeout=60)
        conn.request(
            "POST",
            "/api/edit/undo",
            json.dumps({"base": "x"}),
            {
                "Content-Type": "application/json",
                "X-Flightcheck-Token": TOKEN,
                "Origin": f"http://[::1]:{port}",
            },
        )
        resp = conn.getresponse()
        assert resp.status == 409  # past the guard: the stale hash is the only objection
        conn.close()


def test_map_of_one_aircraft(served):
    status, page = served.get("/map?aircraft=010082")
    assert status == 200
    html = page.decode()
    assert _drawn(html, "010082") and not _drawn(html, "010075")
    status, _ = served.get("/map?aircraft=nosuch")
    assert status == 404


def test_text_from_track_inputs_is_escaped(tmp_path, samples):
    import pandas as pd

    from flightcheck.case import add, init

    folder = tmp_path / "hostile"
    folder.mkdir()
    df = pd.read_csv(samples / "csv" / "YU-SRB_2025-10-17.csv", dtype=str)
    df["callsign"] = "<img src=x onerror=alert(1)>"
    df["registration"] = "<b>YU'&\"</b>"
    df.to_csv(folder / "track.csv", index=False)
    case = init(folder, title="<script>alert(5)</script>")
    add(case, [folder / "track.csv"])
    with serve_case(case) as s:
        assert s.bench.jobs.snapshot()["error"] is None
        assert any(r["type"] == "stop" for r in finding_rows(s.bench.jobs.analysis))
        for path in ("/", "/map"):
            status, page = s.get(path)
            assert status == 200
            for raw in (b"<img src=x", b"<b>YU", b"<script>alert(5)"):
                assert raw not in page, (path, raw)
        status, page = s.get("/")
        assert b"&lt;b&gt;YU" in page


def test_a_case_of_many_aircraft_maps_those_its_claims_name(served, monkeypatch):
    from flightcheck.serve import view

    found = served.bench.jobs.analysis
    case, _ = served.bench.load_case()
    assert view.focus_aircraft(found, case) is None  # 5 aircraft: all drawn
    # with room for 2, the claims' aircraft (010075, and SU-BTX is 010075 too; then the
    # Egyptian military ones: 010075, 010082) are drawn
    assert view.focus_aircraft(found, case, limit=2) == ["010075", "010082"]
    monkeypatch.setattr(view, "MAP_AIRCRAFT", 2)
    monkeypatch.setattr(
        "flightcheck.serve.app.focus_aircraft", lambda f, c: view.focus_aircraft(f, c, limit=2)
    )
    served.bench._maps.clear()
    try:
        status, page = served.get("/map")
        html = page.decode()
        assert _drawn(html, "010075") and _drawn(html, "010082")
        assert not _drawn(html, "4c2b26")
        status, page = served.get("/")
        assert b"This case has 5 aircraft" in page
    finally:
        served.bench._maps.clear()  # the module's other tests see the whole case


def test_every_stop_offered_for_annotation_binds_to_itself(served):
    """The time the page sends with 'Annotate' binds `case annotate` to that very stop, also
    where an aircraft stopped twice at one airport (4c2b26 at LYBT, 010075 at HECW)."""
    import pandas as pd

    from flightcheck.case.bind import bind
    from flightcheck.case.model import Annotation

    stops = [r for r in finding_rows(served.bench.jobs.analysis) if r["type"] == "stop"]
    assert len(stops) == 12
    for row in stops:
        ann = Annotation(
            id="x",
            label="x",
            aircraft=row["aircraft"],
            airport=row["place"],
            time=pd.Timestamp(row["bind_time"]),
        )
        bound = bind(ann, served.bench.jobs.analysis.routes)
        assert bound["kind"] == "stop" and bound["offset_s"] == 0.0, row
        assert (bound["icao24"], bound["arrival"] or "", bound["departure"] or "") == (
            row["aircraft"],
            row["start"],
            row["end"],
        ), row


def _drawn(html: str, hex_: str) -> bool:
    """Whether the map draws aircraft ``hex_``: its colour swatch in the layer control or
    legend (one layer and one colour per aircraft)."""
    swatch = r"fc-swatch[^>]*>\s*(</span>)?\s*(<b>)?"
    return re.search(swatch + hex_, html) is not None
