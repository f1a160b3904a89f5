"""Pronunciation lexicons through the API, stored in a real (moto) S3: JSON and PLS, list, show, delete, the
limits and the errors that name them, and tenants that never see each other's lexicons."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from devstack.provision import Resources
from kontho import keys
from kontho.jobstore import JobStore
from kontho.lexiconstore import LexiconStore
from kontho.settings import Settings
from kontho.text.unicode import normalize_unicode
from tests.integration.tenant_keys import auth, write_keys_file

ENTRIES = {
    "entries": [
        {"grapheme": "Dhaka University", "alias": "ঢাকা ইউনিভার্সিটি"},
        {"grapheme": "রবীন্দ্রনাথ", "alias": "রোবিন্দ্রোনাথ", "whole_word": False},
        {"grapheme": "BUET", "phoneme": "buet̪", "case_sensitive": True},
    ]
}
PLS = """<?xml version="1.0" encoding="UTF-8"?>
<lexicon version="1.0" xmlns="http://www.w3.org/2005/01/pronunciation-lexicon"
         alphabet="ipa" xml:lang="bn-BD">
  <lexeme>
    <grapheme>W3C</grapheme>
    <grapheme>w3c</grapheme>
    <alias>ডব্লিউ থ্রি সি</alias>
  </lexeme>
</lexicon>
""".encode()
PLS_TYPE = {"Content-Type": "application/pls+xml"}


@pytest.fixture
def lexicon_api(settings: Settings, resources: Resources, tmp_path: Path) -> Iterator[dict[str, TestClient]]:
    """Two tenants, and a small body limit and entry limits, so the 413 and 422s are cheap to reach."""
    keys_file = write_keys_file(tmp_path / "keys.json", {"prothom": {}, "onno": {}})
    limited = settings.model_copy(
        update={
            "api_keys_file": str(keys_file),
            "lexicon_max_entries": 4,
            "lexicon_max_alias_chars": 30,
            "lexicon_max_bytes": 4096,
        }
    )
    app = create_app(limited)
    with TestClient(app, headers=auth("prothom")) as prothom, TestClient(app, headers=auth("onno")) as onno:
        yield {"prothom": prothom, "onno": onno}


def error(response: object) -> dict[str, str]:
    body = response.json()  # type: ignore[attr-defined]
    return body["error"]  # type: ignore[no-any-return]


def test_put_json_then_show_list_and_delete(lexicon_api: dict[str, TestClient], store: JobStore) -> None:
    api = lexicon_api["prothom"]
    created = api.put("/v1/lexicons/names", json=ENTRIES)
    assert created.status_code == 201, created.text
    assert created.headers["location"] == "/v1/lexicons/names"
    out = created.json()
    assert out["name"] == "names"
    assert out["entry_count"] == 3
    assert out["digest"].startswith("sha256:")

    shown = api.get("/v1/lexicons/names").json()
    assert [e["grapheme"] for e in shown["entries"]] == ["Dhaka University", "রবীন্দ্রনাথ", "BUET"]
    assert shown["entries"][1] == {
        "grapheme": "রবীন্দ্রনাথ",
        "alias": "রোবিন্দ্রোনাথ",
        "phoneme": None,
        "case_sensitive": False,
        "whole_word": False,
    }
    assert shown["digest"] == out["digest"]

    # Stored in S3 under the tenant's own prefix, where the jobs read it.
    assert store.get_bytes(keys.lexicon("prothom", "names")) is not None
    assert LexiconStore(store).get("prothom", "names").digest == out["digest"]  # type: ignore[union-attr]

    listed = api.get("/v1/lexicons").json()["lexicons"]
    assert [(x["name"], x["digest"], x["entry_count"]) for x in listed] == [("names", out["digest"], 3)]

    assert api.delete("/v1/lexicons/names").status_code == 204
    assert api.get("/v1/lexicons/names").status_code == 404
    assert api.get("/v1/lexicons").json() == {"lexicons": []}
    gone = api.delete("/v1/lexicons/names")
    assert gone.status_code == 404
    assert error(gone) == {
        "code": "lexicon_not_found",
        "field": "name",
        "message": "no lexicon named 'names'",
    }


def test_a_pls_file_is_stored_one_entry_per_grapheme(lexicon_api: dict[str, TestClient]) -> None:
    api = lexicon_api["prothom"]
    response = api.put("/v1/lexicons/acronyms", content=PLS, headers=PLS_TYPE)
    assert response.status_code == 201, response.text
    entries = api.get("/v1/lexicons/acronyms").json()["entries"]
    assert [(e["grapheme"], e["case_sensitive"], e["whole_word"]) for e in entries] == [
        ("W3C", True, True),
        ("w3c", True, True),
    ]


def test_the_digest_changes_with_the_content_and_a_same_put_changes_nothing(
    lexicon_api: dict[str, TestClient],
) -> None:
    api = lexicon_api["prothom"]
    first = api.put("/v1/lexicons/names", json=ENTRIES).json()
    again = api.put("/v1/lexicons/names", json=ENTRIES)
    assert again.status_code == 200
    assert again.json() == first  # same digest, same time: nothing was written
    changed = {"entries": [*ENTRIES["entries"][:2], {"grapheme": "BUET", "alias": "বুয়েট"}]}
    replaced = api.put("/v1/lexicons/names", json=changed)
    assert replaced.status_code == 200
    assert replaced.json()["digest"] != first["digest"]
    assert replaced.json()["updated_at"] > first["updated_at"]
    assert api.get("/v1/lexicons/names").json()["entries"][2]["alias"] == normalize_unicode("বুয়েট")


def test_tenants_never_see_each_others_lexicons(lexicon_api: dict[str, TestClient]) -> None:
    prothom, onno = lexicon_api["prothom"], lexicon_api["onno"]
    assert prothom.put("/v1/lexicons/names", json=ENTRIES).status_code == 201
    assert onno.get("/v1/lexicons/names").status_code == 404
    assert onno.get("/v1/lexicons").json() == {"lexicons": []}
    assert onno.delete("/v1/lexicons/names").status_code == 404
    # The other tenant's lexicon of the same name is its own.
    assert (
        onno.put("/v1/lexicons/names", json={"entries": [{"grapheme": "x", "alias": "এক্স"}]}).status_code
        == 201
    )
    assert prothom.get("/v1/lexicons/names").json()["entry_count"] == 3
    assert onno.get("/v1/lexicons/names").json()["entry_count"] == 1


def test_every_route_needs_a_key(lexicon_api: dict[str, TestClient]) -> None:
    api = lexicon_api["prothom"]
    for method in ("GET", "PUT", "DELETE"):
        response = api.request(
            method, "/v1/lexicons/names", json=ENTRIES, headers={"Authorization": "Bearer no"}
        )
        assert response.status_code == 401
    assert api.get("/v1/lexicons", headers={"Authorization": ""}).status_code == 401


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"entries": [{"grapheme": "a"}]}, "entries.0", "needs an alias or a phoneme"),
        ({"entries": [{"grapheme": "", "alias": "b"}]}, "entries.0.grapheme", "at least 1 character"),
        (
            {"entries": [{"grapheme": "a", "alias": "b" * 31}]},
            "entries.0.alias",
            "31 characters; the limit is 30",
        ),
        ({"entries": [{"grapheme": "a", "phoneme": "b" * 31}]}, "entries.0.phoneme", "the limit is 30"),
        (
            {"entries": [{"grapheme": f"w{i}", "alias": "b"} for i in range(5)]},
            "entries",
            "5 entries; the limit is 4",
        ),
        (
            {"entries": [{"grapheme": "a", "alias": "b", "whole_word": "no"}]},
            "entries.0.whole_word",
            "boolean",
        ),
        ({"words": []}, "entries", "entries"),
    ],
)
def test_json_problems_are_422s_naming_the_field_and_the_limit(
    lexicon_api: dict[str, TestClient], body: object, field: str, message: str
) -> None:
    response = lexicon_api["prothom"].put("/v1/lexicons/names", json=body)
    assert response.status_code == 422
    assert error(response)["code"] == "invalid_lexicon"
    assert error(response)["field"] == field
    assert message in error(response)["message"]


def test_malformed_json_names_the_position(lexicon_api: dict[str, TestClient]) -> None:
    response = lexicon_api["prothom"].put(
        "/v1/lexicons/names", content=b'{"entries": [', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert "not valid JSON at character" in error(response)["message"]


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            b'<lexicon version="1.0" xmlns="http://www.w3.org/2005/01/pronunciation-lexicon">\n'
            b"<lexeme><grapheme>a</grapheme><alias>b</alias></lexeme>\n"
            b"<lexeme>\n<alias>c</alias>\n</lexeme>\n</lexicon>",
            "line 3: lexeme has no grapheme",
        ),
        (b"<lexicon>\n<lexeme>\n</lexicon>", "line 3"),
        (
            b'<?xml version="1.0"?>\n<!DOCTYPE lexicon [<!ENTITY a "aaaa">]>\n'
            b'<lexicon version="1.0" xmlns="http://www.w3.org/2005/01/pronunciation-lexicon">'
            b"<lexeme><grapheme>&a;</grapheme><alias>b</alias></lexeme></lexicon>",
            "DOCTYPE",
        ),
    ],
)
def test_pls_problems_are_422s_naming_the_line(
    lexicon_api: dict[str, TestClient], document: bytes, message: str
) -> None:
    response = lexicon_api["prothom"].put("/v1/lexicons/names", content=document, headers=PLS_TYPE)
    assert response.status_code == 422
    assert message in error(response)["message"]
    assert lexicon_api["prothom"].get("/v1/lexicons/names").status_code == 404  # nothing stored


def test_too_many_graphemes_in_a_pls_file_name_the_limit(lexicon_api: dict[str, TestClient]) -> None:
    lexemes = "".join(f"<lexeme><grapheme>w{i}</grapheme><alias>b</alias></lexeme>" for i in range(5))
    document = (
        f'<lexicon version="1.0" xmlns="http://www.w3.org/2005/01/pronunciation-lexicon">{lexemes}</lexicon>'
    )
    response = lexicon_api["prothom"].put("/v1/lexicons/names", content=document.encode(), headers=PLS_TYPE)
    assert response.status_code == 422
    assert error(response)["field"] == "entries"
    assert "the limit is 4" in error(response)["message"]


def test_a_body_over_the_limit_is_a_413(lexicon_api: dict[str, TestClient]) -> None:
    big = json.dumps({"entries": [{"grapheme": "a", "alias": "b" * 5000}]}).encode()
    response = lexicon_api["prothom"].put(
        "/v1/lexicons/names", content=big, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert error(response)["code"] == "lexicon_too_large"
    assert "4,096 bytes" in error(response)["message"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        yield big[:3000]
        yield big[3000:]

    streamed = lexicon_api["prothom"].put(
        "/v1/lexicons/names", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert streamed.status_code == 413


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", None])
def test_other_content_types_are_a_415_naming_the_accepted_ones(
    lexicon_api: dict[str, TestClient], content_type: str | None
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    response = lexicon_api["prothom"].put("/v1/lexicons/names", content=PLS, headers=headers)
    assert response.status_code == 415
    assert "application/json" in error(response)["message"]
    assert "application/pls+xml" in error(response)["message"]


@pytest.mark.parametrize("name", ["Names", "-x", "a" * 65, "na%20me", "..", "a/b"])
def test_a_name_outside_the_pattern_is_refused(lexicon_api: dict[str, TestClient], name: str) -> None:
    response = lexicon_api["prothom"].put(f"/v1/lexicons/{name}", json=ENTRIES)
    assert response.status_code in (404, 422)
    assert lexicon_api["prothom"].get("/v1/lexicons").json() == {"lexicons": []}


def test_the_schema_states_the_limits(lexicon_api: dict[str, TestClient]) -> None:
    schema = lexicon_api["prothom"].get("/openapi.json").json()
    put = schema["paths"]["/v1/lexicons/{name}"]["put"]
    content = put["requestBody"]["content"]
    entries = content["application/json"]["schema"]["properties"]["entries"]
    assert entries["maxItems"] == 4
    alias = entries["items"]["properties"]["alias"]
    assert next(b for b in alias["anyOf"] if b.get("type") == "string")["maxLength"] == 30
    assert "4,096 bytes" in put["requestBody"]["description"]
    assert "application/pls+xml" in put["requestBody"]["description"]
    assert {"201", "200", "413", "415", "422"} <= set(put["responses"])


def test_a_lexicon_stored_where_the_lifecycle_expires_it_is_moved_on_first_use(
    lexicon_api: dict[str, TestClient], store: JobStore
) -> None:
    api = lexicon_api["prothom"]
    created = api.put("/v1/lexicons/names", json=ENTRIES)
    assert created.status_code == 201
    lasting = keys.lexicon("prothom", "names")
    assert not lasting.startswith("tenants/")  # the tenants/ lifecycle rule would expire it
    # As an earlier version stored it: under tenants/, and nowhere else.
    legacy = keys.legacy_lexicon("prothom", "names")
    body = store.get_bytes(lasting)
    assert body is not None
    store.put_bytes(legacy, body, "application/json")
    store.delete(lasting)

    listed = api.get("/v1/lexicons").json()["lexicons"]
    assert [x["name"] for x in listed] == ["names"]
    assert store.get_bytes(lasting) == body  # moved by the first read
    assert store.get_bytes(legacy) is None
    assert api.get("/v1/lexicons/names").json()["digest"] == created.json()["digest"]

    # A legacy copy is deleted like any other.
    store.put_bytes(legacy, body, "application/json")
    store.delete(lasting)
    assert api.delete("/v1/lexicons/names").status_code == 204
    assert store.get_bytes(lasting) is None
    assert store.get_bytes(legacy) is None
    assert api.get("/v1/lexicons/names").status_code == 404
