#!/usr/bin/python3
"""Calls the actor registered as "quote" on a bossa node, through its gateway, with JSON.

    client.py ENDPOINT SERVER_KEY [CLIENT_PUBLIC_KEY CLIENT_SECRET_KEY]

ENDPOINT is the node's [gateway] listen endpoint, SERVER_KEY the node's public key (Z85, as
`bossa-node keygen` prints it) and the client's key pair is one the node's config admits
(gateway.clients or an [[authorization]] group); without it the client makes one up, which only a
node with gateway.security = "none" lets in. Needs pyzmq (Debian: python3-zmq) and nothing of
bossa. docs/outside-clients.md describes the format.
"""
import json
import sys

import zmq


def call(socket, target, content_type, body, timeout_ms=None):
    """Sends one request on a REQ socket; returns (status, content type, body)."""
    frames = [target.encode(), content_type.encode(), body]
    if timeout_ms is not None:
        frames.append(str(timeout_ms).encode())
    socket.send_multipart(frames)
    status, reply_type, reply = socket.recv_multipart()
    return status.decode(), reply_type.decode(), reply


def connect(context, socket_type, endpoint, server_key, public_key=None, secret_key=None):
    """A socket of `socket_type` connected to the gateway as a CURVE client."""
    if public_key is None:
        public_key, secret_key = zmq.curve_keypair()
    socket = context.socket(socket_type)
    socket.curve_serverkey = server_key
    socket.curve_publickey = public_key
    socket.curve_secretkey = secret_key
    socket.rcvtimeo = 5000  # ms: no answer within this is an error, not a hang
    socket.linger = 0
    socket.connect(endpoint)
    return socket


def main():
    if len(sys.argv) not in (3, 5):
        sys.exit(__doc__)
    keys = [arg.encode() for arg in sys.argv[2:]]
    context = zmq.Context()
    socket = connect(context, zmq.REQ, sys.argv[1], *keys)
    lookup = {"sku": "tea", "count": 3}
    status, reply_type, body = call(socket, "quote", "application/json; type=outside.lookup",
                                    json.dumps(lookup).encode())
    if status != "OK":
        sys.exit(f"quote failed: {status}: {body.decode()}")
    print(reply_type)
    print(json.dumps(json.loads(body), sort_keys=True))
    socket.close()
    context.term()


if __name__ == "__main__":
    main()
