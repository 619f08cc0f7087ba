"""pyzmq peers of a daemon whose sockets are CURVE servers.

  curve_peers.py produce ENDPOINT SERVER_CERT (CLIENT_SECRET_CERT | plain | garbage) SERIES COUNT SPIKE_AT
      Sends COUNT Graphite samples of SERIES (a calm sine, a spike at index SPIKE_AT; -1 for none),
      once the daemon has subscribed (an XPUB socket sees its subscription) or after 2 s without one.
      `plain`: no CURVE; `garbage`: a raw TCP connection that sends bytes instead of a handshake.
      Prints {"subscribed": bool}.
  curve_peers.py subscribe ENDPOINT SERVER_CERT CLIENT_SECRET_CERT SECONDS
      Subscribes to alerts for SECONDS and prints {"alerts": [series, ...]}.
  curve_peers.py certificates FOLDER NAME
      Makes a key pair with pyzmq's zmq.auth.create_certificates.
  curve_peers.py load CERT
      Loads a certificate with zmq.auth.load_certificate and prints its keys.
"""
import json
import math
import socket
import sys
import time
from urllib.parse import urlparse

import zmq
import zmq.auth


def curve_client(sock, server_cert, client_cert):
    server_public, _ = zmq.auth.load_certificate(server_cert)
    public, secret = zmq.auth.load_certificate(client_cert)
    sock.curve_serverkey = server_public
    sock.curve_publickey = public
    sock.curve_secretkey = secret


def produce(endpoint, server_cert, client, series, count, spike_at):
    lines = []
    for t in range(count):
        value = 10 + math.sin(t / 10) + (30 if t == spike_at else 0)
        lines.append("%s %f %d" % (series, value, 1_700_000_000 + 60 * t))
    if client == "garbage":
        address = urlparse(endpoint.replace("tcp://", "http://"))
        raw = socket.create_connection((address.hostname, address.port), timeout=5)
        raw.sendall(b"GET / HTTP/1.0\r\n\r\n" + b"\xff" * 4096)
        # Read until the daemon closes the connection (its greeting may come first).
        raw.settimeout(10)
        try:
            while raw.recv(4096):
                pass
        except (socket.timeout, ConnectionResetError):
            pass
        raw.close()
        print(json.dumps({"subscribed": False}))
        return
    context = zmq.Context()
    sock = context.socket(zmq.XPUB)
    sock.setsockopt(zmq.SNDHWM, 0)
    if client != "plain":
        curve_client(sock, server_cert, client)
    sock.connect(endpoint)
    subscribed = sock.poll(2000) != 0
    if subscribed:
        sock.recv()
    for start in range(0, len(lines), 50):
        sock.send_multipart([b"metrics", "\n".join(lines[start:start + 50]).encode()])
    sock.close(linger=2000 if subscribed else 0)
    context.term()
    print(json.dumps({"subscribed": subscribed}))


def subscribe(endpoint, server_cert, client_cert, seconds):
    context = zmq.Context()
    sock = context.socket(zmq.SUB)
    if client_cert != "plain":
        curve_client(sock, server_cert, client_cert)
    sock.setsockopt(zmq.SUBSCRIBE, b"alert.")
    sock.connect(endpoint)
    print(json.dumps({"ready": True}), flush=True)
    alerts = []
    deadline = time.time() + seconds
    while time.time() < deadline:
        if sock.poll(100):
            topic, payload = sock.recv_multipart()
            alerts.append(json.loads(payload)["labels"]["series"])
    sock.close(linger=0)
    context.term()
    print(json.dumps({"alerts": alerts}))


def main():
    command = sys.argv[1]
    if command == "produce":
        produce(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6]), int(sys.argv[7]))
    elif command == "subscribe":
        subscribe(sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5]))
    elif command == "certificates":
        zmq.auth.create_certificates(sys.argv[2], sys.argv[3])
    elif command == "load":
        public, secret = zmq.auth.load_certificate(sys.argv[2])
        print(json.dumps({"public": public.decode(), "secret": secret.decode() if secret else None}))


if __name__ == "__main__":
    main()
