"""A loopback HTTP server (127.0.0.1) that serves modules as TF-Hub does.

`GET /<path>?tf-hub-format=compressed` is answered with a redirect to `/storage/<path>.tar.gz`,
which returns the tarball; `GET /<path>` alone gets an HTML page, as tfhub.dev answers a
browser. `cut_after` ends a transfer early (the Content-Length still announces all of it),
`chunk_delay_s` slows it down; `storage_barrier` (a `threading.Barrier`) holds each tarball
transfer until that many have started, so concurrent downloads overlap however late their
processes start; `requests` records every path asked for.
"""

import http.server
import threading
import urllib.parse


class HubServer:
  """Serves {hub path: tarball bytes} on 127.0.0.1; use as a context manager."""

  def __init__(self, tarballs):
    self.tarballs = dict(tarballs)
    self.requests = []
    self.cut_after = None
    self.chunk_delay_s = 0.0
    self.storage_barrier = None
    server = self

    class Handler(http.server.BaseHTTPRequestHandler):

      def log_message(self, *args):  # Quiet.
        del args

      def do_GET(self):  # pylint: disable=invalid-name
        parts = urllib.parse.urlsplit(self.path)
        server.requests.append(self.path)
        path = parts.path.strip("/")
        if path.startswith("storage/") and path.endswith(".tar.gz"):
          data = server.tarballs.get(path[len("storage/"):-len(".tar.gz")])
          if data is None:
            return self.send_error(404)
          self.send_response(200)
          self.send_header("Content-Type", "application/x-tar")
          self.send_header("Content-Length", str(len(data)))
          self.end_headers()
          if server.cut_after is not None:
            data = data[:server.cut_after]
          if server.storage_barrier is not None:
            try:
              server.storage_barrier.wait()
            except threading.BrokenBarrierError:
              pass  # Timed out: the test's count of transfers says so.
          for start in range(0, len(data), 1 << 20):
            self.wfile.write(data[start:start + (1 << 20)])
            if server.chunk_delay_s:
              threading.Event().wait(server.chunk_delay_s)
          return None
        if path not in server.tarballs:
          return self.send_error(404)
        if "tf-hub-format=compressed" in parts.query:
          self.send_response(302)
          self.send_header("Location", f"/storage/{path}.tar.gz")
          self.end_headers()
          return None
        page = b"<html><body>a model page</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)
        return None

    self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"

  def __enter__(self):
    threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
    return self

  def __exit__(self, *exc):
    self._httpd.shutdown()
    self._httpd.server_close()
