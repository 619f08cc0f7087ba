"""An HTTP server (Python's http.server) that answers every request with one status.

Prints its port on the first line of standard output, then serves until killed.
Usage: status_server.py STATUS
"""
import http.server
import signal
import sys

# The test process may pass SIGTERM on blocked or ignored (its threads block signals); this
# server ends on it.
signal.signal(signal.SIGTERM, signal.SIG_DFL)
signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})

STATUS = int(sys.argv[1])


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = b"not today\n"
        self.send_response(STATUS)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
