"""TLS in front of plain-HTTP emulators, so a function binary reaches them over HTTPS as it
reaches AWS: the same handshakes at init, the same record layer on every call.

    python3 scripts/tls-terminator.py --cert CHAIN.pem --key KEY.pem UPSTREAM_PORT [UPSTREAM_PORT ...]

For each UPSTREAM_PORT (on 127.0.0.1) it listens on a free port of 127.0.0.1 with TLS and
forwards the decrypted bytes both ways over one upstream connection per client connection (so
a client's keep-alive pool is the emulator's too). CHAIN.pem is the server certificate followed
by any intermediates; it must name IP 127.0.0.1. Once listening it prints one line,
`ready UPSTREAM=LISTEN ...` (e.g. `ready 8000=39211 5000=40117`), and serves until SIGTERM or
SIGINT. scripts/bench-lambda.py starts it with a throwaway CA that only its functions trust.
"""
import argparse
import asyncio
import signal
import socket
import ssl
import sys

CHUNK = 1 << 16


async def pipe(reader, writer):
    try:
        while data := await reader.read(CHUNK):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, ssl.SSLError, OSError):
        pass
    finally:
        try:
            if writer.can_write_eof():
                writer.write_eof()
            else:
                writer.close()
        except (ConnectionError, ssl.SSLError, OSError, RuntimeError):
            pass


async def forward(upstream_port, client_reader, client_writer):
    try:
        upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", upstream_port)
    except OSError:
        client_writer.close()
        return
    for writer in (client_writer, upstream_writer):
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        await asyncio.gather(pipe(client_reader, upstream_writer), pipe(upstream_reader, client_writer))
    except asyncio.CancelledError:  # shutting down
        pass
    finally:
        for writer in (client_writer, upstream_writer):
            writer.close()


async def serve(args):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.cert, args.key)
    servers, routes = [], []
    for port in args.upstream:
        server = await asyncio.start_server(lambda r, w, port=port: forward(port, r, w), "127.0.0.1", 0,
                                            ssl=context, ssl_handshake_timeout=10)
        servers.append(server)
        routes.append(f"{port}={server.sockets[0].getsockname()[1]}")
    print("ready " + " ".join(routes), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    for server in servers:
        server.close()


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cert", required=True, help="server certificate and intermediates, PEM")
    parser.add_argument("--key", required=True, help="the server certificate's private key, PEM")
    parser.add_argument("upstream", nargs="+", type=int, help="plain-HTTP port on 127.0.0.1 to put TLS in front of")
    asyncio.run(serve(parser.parse_args(argv)))


if __name__ == "__main__":
    main(sys.argv[1:])
