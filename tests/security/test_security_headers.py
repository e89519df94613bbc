"""CORS and security headers on every response, and a Content-Security-Policy that the
built dashboard's own resources satisfy."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from shelfops.api.security_headers import DASHBOARD_CSP, DOCS_CSP, cors_origins
from shelfops.config import Environment, Settings
from shelfops.models import Role
from tests.conftest import Tenant
from tests.security.conftest import open_client, secured_app

COMMON = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}


def directives(csp: str) -> dict[str, list[str]]:
    """``default-src 'self'; img-src 'self' data:`` → {"default-src": ["'self'"], …}."""
    parsed = {}
    for part in csp.split(";"):
        name, *sources = part.split()
        parsed[name] = sources
    return parsed


def allowed(csp: str, directive: str, url: str) -> bool:
    """Whether the policy lets the page at http://test load ``url`` under ``directive``."""
    rules = directives(csp)
    sources = rules.get(directive, rules["default-src"])
    if url.startswith("data:"):
        return "data:" in sources
    if url.startswith("/") and not url.startswith("//"):
        return "'self'" in sources
    return any(url.startswith(source) for source in sources if source.startswith("https://"))


async def test_every_response_carries_the_headers(
    secure_client: httpx.AsyncClient, tenant_a: Tenant
) -> None:
    responses = {
        "health": await secure_client.get("/health"),
        "api": await secure_client.get("/api/v1/stores", headers=tenant_a.headers(Role.VIEWER)),
        "api 401": await secure_client.get("/api/v1/stores"),
        "api 404": await secure_client.get("/api/v1/nowhere", headers=tenant_a.headers()),
        "page": await secure_client.get("/replenishment"),
        "openapi": await secure_client.get("/openapi.json"),
    }
    for name, response in responses.items():
        for header, value in COMMON.items():
            assert response.headers.get(header) == value, (name, header)
        assert response.headers["content-security-policy"] == DASHBOARD_CSP, name
        # Not production: no HSTS (it would pin a plain-HTTP development host).
        assert "strict-transport-security" not in response.headers, name
    for name in ("api", "api 401", "api 404"):
        assert responses[name].headers["cache-control"] == "no-store", name
    assert responses["api"].status_code == 200
    assert responses["health"].headers.get("cache-control") != "no-store"


async def test_api_docs_get_the_policy_their_cdn_viewer_needs(
    secure_client: httpx.AsyncClient,
) -> None:
    for path in ("/docs", "/redoc"):
        response = await secure_client.get(path)
        assert response.status_code == 200
        assert response.headers["content-security-policy"] == DOCS_CSP
        html = response.text
        for url in re.findall(r'<script[^>]+src="([^"]+)"', html):
            assert allowed(DOCS_CSP, "script-src", url), url
        for url in re.findall(r'<link[^>]+href="([^"]+)"[^>]*rel="stylesheet"', html):
            assert allowed(DOCS_CSP, "style-src", url), url
        for url in re.findall(r'<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"', html):
            assert allowed(DOCS_CSP, "style-src", url), url


async def test_hsts_only_in_production(migrated: Settings) -> None:
    production = migrated.model_copy(
        update={"env": Environment.PRODUCTION, "broker_url": "redis://127.0.0.1:6379/0"}
    )
    async for http in open_client(secured_app(production)):
        response = await http.get("/openapi.json")
        assert response.headers["strict-transport-security"] == (
            "max-age=63072000; includeSubDomains"
        )


async def test_no_cross_origin_access_by_default(
    secure_client: httpx.AsyncClient, tenant_a: Tenant
) -> None:
    preflight = await secure_client.options(
        "/api/v1/stores",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
    )
    assert "access-control-allow-origin" not in preflight.headers
    simple = await secure_client.get(
        "/api/v1/stores", headers={"Origin": "https://evil.example", **tenant_a.headers()}
    )
    assert "access-control-allow-origin" not in simple.headers


async def test_configured_origins_may_call_the_api(migrated: Settings, tenant_a: Tenant) -> None:
    settings = migrated.model_copy(
        update={"cors_origins": "https://ops.example.com, https://bi.example.com/"}
    )
    assert cors_origins(settings) == ["https://ops.example.com", "https://bi.example.com"]
    async for http in open_client(secured_app(settings)):
        preflight = await http.options(
            "/api/v1/stores",
            headers={
                "Origin": "https://ops.example.com",
                "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "authorization",
            },
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == "https://ops.example.com"
        assert "access-control-allow-credentials" not in preflight.headers
        assert preflight.headers["x-frame-options"] == "DENY"
        other = await http.get(
            "/api/v1/stores", headers={"Origin": "https://evil.example", **tenant_a.headers()}
        )
        assert "access-control-allow-origin" not in other.headers


@pytest.mark.parametrize("origin", ["*", "ops.example.com", "ftp://x"])
def test_a_bad_origin_is_refused_naming_the_setting(origin: str) -> None:
    class WithOrigins(Settings):
        cors_origins: str = origin

    with pytest.raises(ValueError, match="SHELFOPS_CORS_ORIGINS"):
        cors_origins(WithOrigins(env=Environment.TEST))


def _vite_like_build(root: Path) -> Path:
    """A build shaped like the dashboard's `vite build`: a module script, a stylesheet
    whose @font-face rules load the bundled Inter files, a favicon."""
    assets = root / "assets"
    assets.mkdir(parents=True)
    (root / "index.html").write_text(
        '<!doctype html><html lang="en"><head><meta charset="UTF-8" />'
        '<link rel="icon" type="image/svg+xml" href="/favicon.svg" />'
        '<script type="module" crossorigin src="/assets/index-B1.js"></script>'
        '<link rel="stylesheet" crossorigin href="/assets/index-C2.css">'
        '</head><body><div id="root"></div></body></html>'
    )
    (assets / "index-B1.js").write_text("document.getElementById('root').textContent='ok';")
    (assets / "index-C2.css").write_text(
        "@font-face{font-family:Inter Variable;"
        "src:url(/assets/inter-latin-wght-normal-D3.woff2) format('woff2-variations')}"
    )
    (assets / "inter-latin-wght-normal-D3.woff2").write_bytes(b"wOF2fake")
    (root / "favicon.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    return root


@pytest.mark.parametrize("build", ["vite-like", "checkout"])
async def test_the_dashboard_build_satisfies_its_policy(
    migrated: Settings, tmp_path: Path, build: str
) -> None:
    # "checkout": the real build (frontend/dist, or SHELFOPS_DASHBOARD_DIR) when present.
    real = migrated.dashboard_dir
    if build == "checkout" and not (real / "index.html").is_file():
        pytest.skip(f"the dashboard is not built here ({real})")
    dist = _vite_like_build(tmp_path / "dist") if build == "vite-like" else real
    settings = migrated.model_copy(update={"dashboard_dir_override": dist})
    async for http in open_client(secured_app(settings)):
        page = await http.get("/")
        assert page.status_code == 200
        csp = page.headers["content-security-policy"]
        html = page.text
        # No inline script or style: the policy allows none.
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
        assert "<style" not in html and " style=" not in html
        resources = [("script-src", url) for url in re.findall(r'<script[^>]+src="([^"]+)"', html)]
        for tag in re.findall(r"<link[^>]+>", html):
            href = re.search(r'href="([^"]+)"', tag)
            assert href is not None
            kind = "style-src" if 'rel="stylesheet"' in tag else "img-src"
            resources.append((kind, href.group(1)))
        for _, url in [r for r in resources if r[0] == "style-src"]:
            css = (await http.get(url)).text
            resources += [("font-src", u.strip("'\"")) for u in re.findall(r"url\(([^)]+)\)", css)]
        assert {kind for kind, _ in resources} >= {"script-src", "style-src", "font-src"}
        for kind, url in resources:
            assert allowed(csp, kind, url), (kind, url)
            served = await http.get(url)
            assert served.status_code == 200, url
            assert served.headers["x-content-type-options"] == "nosniff"
