#!/usr/bin/env python3
"""Writes the NULL and PLAIN seeds of fuzz_stream_engine: valid ZMTP 3.1 connections.

Each seed is one input of the fuzzer: an octet that picks the socket under test (its index in
fuzz_stream_engine.cc's kTypes), the size of the first writes (8 times an index in its kPieces; 0:
all at once) and the transport (+0x80: tcp instead of ipc); an octet that picks its security (0
NULL, 1 PLAIN server); two octets, the size of the first write (a PLAIN client's greeting and
HELLO, after which it waits for the authenticator's answer); then what a peer sends: a greeting,
a NULL READY (or PLAIN's HELLO and INITIATE) with the Socket-Type that type talks to, short, long,
multipart and 40 KiB messages (the engine reads a body of 32 KiB or more in place), PING, and
SUBSCRIBE / CANCEL where the socket under test is an XPUB. One more seed is cut in the middle of
its large frame, and one has a PLAIN password the server refuses. The CURVE seeds, whose boxes
must open against the server's short-term key, come from make_fuzz_stream_engine_seeds.

    transport/socket/transports/make_fuzz_seeds.py   # rewrites fuzz_stream_engine_corpus/
"""
import os
import struct

MORE, LONG, COMMAND = 0x01, 0x02, 0x04


def frame(body, flags=0):
    if len(body) > 255 or flags & LONG:
        return bytes([flags | LONG]) + struct.pack(">Q", len(body)) + body
    return bytes([flags, len(body)]) + body


def message(*parts):
    return b"".join(frame(p, MORE if i + 1 < len(parts) else 0) for i, p in enumerate(parts))


def command(name, data=b""):
    return frame(bytes([len(name)]) + name + data, COMMAND)


def greeting(mechanism=b"NULL"):
    return b"\xff" + bytes(8) + b"\x7f" + bytes([3, 1]) + mechanism.ljust(20, b"\0") + bytes(32)


def metadata(socket_type, identity=None):
    props = [(b"Socket-Type", socket_type)] + ([(b"Identity", identity)] if identity else [])
    return b"".join(bytes([len(k)]) + k + struct.pack(">I", len(v)) + v for k, v in props)


def ready(socket_type, identity=None):
    return command(b"READY", metadata(socket_type, identity))


def plain_hello(user=b"user", password=b"password"):
    return command(b"HELLO", bytes([len(user)]) + user + bytes([len(password)]) + password)


def ping(context):
    return command(b"PING", struct.pack(">H", 0) + context)


LARGE = bytes(range(256)) * 160  # 40 KiB


def connection(peer_type, envelope=(), identity=None, extra=b"", password=None):
    """The security octet, the first write's size and the octets: a greeting, READY (PLAIN: HELLO
    with `password`, INITIATE), then messages (each after `envelope`, the frames REP expects)."""
    if password is None:
        head = bytes([NULL]) + struct.pack(">H", 0)
        body = greeting() + ready(peer_type, identity)
    else:
        first = greeting(b"PLAIN") + plain_hello(password=password)
        head = bytes([PLAIN]) + struct.pack(">H", len(first))
        body = first + command(b"INITIATE", metadata(peer_type, identity))
    body += message(*envelope, b"hello")
    body += message(*envelope, b"part one", b"part two", b"")
    body += ping(b"ctx")
    body += message(*envelope, b"x" * 300)
    body += frame(b"long header, short body", LONG)
    body += extra
    body += message(*envelope, LARGE)
    body += message(*envelope, b"after the large frame")
    return head + body


PULL, REP, ROUTER, DEALER = 0, 2, 3, 4
PIECE_1, PIECE_7, PIECE_1000 = 1 << 3, 4 << 3, 8 << 3
PIECE_4097, PIECE_9000, TCP = 11 << 3, 13 << 3, 0x80
NULL, PLAIN = 0, 1  # fuzz_stream_engine.cc's Mechanism

# (name, selector octet, connection): selectors follow kTypes and kPieces in fuzz_stream_engine.cc.
SEEDS = [
    ("pull_ipc", PULL, connection(b"PUSH")),
    ("sub_ipc", 1, connection(b"PUB")),
    ("rep_ipc", REP, connection(b"REQ", envelope=(b"",))),
    ("router_ipc", ROUTER, connection(b"DEALER", identity=b"peer-1")),
    ("dealer_ipc", DEALER, connection(b"ROUTER")),
    ("pair_ipc", 5, connection(b"PAIR")),
    ("xpub_ipc", 6, connection(b"SUB", extra=command(b"SUBSCRIBE", b"topic") +
                               command(b"CANCEL", b"topic") + message(b"\x01old-style"))),
    ("pull_tcp", PULL | TCP, connection(b"PUSH")),
    ("pull_paced_1_ipc", PULL | PIECE_1, connection(b"PUSH")),
    ("pull_paced_9000_ipc", PULL | PIECE_9000, connection(b"PUSH")),
    ("dealer_paced_4097_ipc", DEALER | PIECE_4097, connection(b"ROUTER")),
    ("rep_paced_1000_tcp", REP | PIECE_1000 | TCP, connection(b"REQ", envelope=(b"",))),
    ("plain_pull_ipc", PULL, connection(b"PUSH", password=b"password")),
    ("plain_rep_ipc", REP, connection(b"REQ", envelope=(b"",), password=b"password")),
    ("plain_router_paced_7_ipc", ROUTER | PIECE_7,
     connection(b"DEALER", identity=b"peer-1", password=b"password")),
    ("plain_pull_refused_ipc", PULL, connection(b"PUSH", password=b"guess")),
]


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fuzz_stream_engine_corpus")
    os.makedirs(out, exist_ok=True)
    for name, selector, body in SEEDS:
        with open(os.path.join(out, name), "wb") as f:
            f.write(bytes([selector]) + body)
    pull = bytes([PULL]) + connection(b"PUSH")
    with open(os.path.join(out, "pull_truncated"), "wb") as f:
        f.write(pull[: len(pull) - len(LARGE) // 2])


if __name__ == "__main__":
    main()
