from __future__ import annotations

import httpx


async def test_health_ready_and_metrics(client: httpx.AsyncClient, backend: str) -> None:
    assert (await client.get("/health")).json() == {"status": "ok"}
    ready = await client.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json()["database"] == backend
    metrics = await client.get("/metrics")
    assert "soleflip_http_requests_total" in metrics.text


async def test_unknown_route_and_oversized_body_use_the_error_shape(
    client: httpx.AsyncClient,
) -> None:
    missing = await client.get("/no/such/route")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    big = await client.post(
        "/auth/token",
        content=b"x" * 2_000_000,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert big.status_code == 413
    assert big.json()["error"]["code"] == "payload_too_large"


async def test_request_id_is_echoed(client: httpx.AsyncClient) -> None:
    response = await client.get("/health", headers={"X-Request-ID": "abc-123"})
    assert response.headers["x-request-id"] == "abc-123"
