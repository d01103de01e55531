"""The API benchmark's HTTP client counts what it should, against a scripted local server."""

import asyncio

from benchmarks import api_load

RESPONSES = {
    b"/ok": b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    b"/chunked": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
    b"/close": b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
    b"/missing": b"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found",
}


async def serve(reader, writer):
    try:
        while request := await reader.readuntil(b"\r\n\r\n"):
            path = request.split(b" ")[1]
            writer.write(RESPONSES[path])
            await writer.drain()
            if path == b"/close":
                break
    except asyncio.IncompleteReadError:
        pass
    finally:
        writer.close()


def drive(paths: list[bytes], seconds: float = 0.3) -> dict:
    async def main():
        server = await asyncio.start_server(serve, api_load.HOST, 0)
        port = server.sockets[0].getsockname()[1]
        requests = [b"GET " + path + b" HTTP/1.1\r\nHost: x\r\n\r\n" for path in paths]
        async with server:
            return await api_load._drive(port, requests, 200, seconds, concurrency=4)

    return asyncio.run(main())


def test_keep_alive_chunked_and_closing_responses_all_count():
    figures = drive([b"/ok", b"/chunked", b"/close"])
    assert figures["errors"] == 0
    assert figures["requests"] > 30
    assert 0 < figures["p50_ms"] <= figures["p95_ms"] <= figures["p99_ms"]


def test_unexpected_statuses_are_errors_with_the_first_one_kept():
    figures = drive([b"/ok", b"/missing"])
    assert abs(figures["errors"] - figures["requests"] / 2) <= 1
    assert figures["first_error"] == "HTTP 404: not found"
