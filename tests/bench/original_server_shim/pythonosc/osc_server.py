"""python-osc's ThreadingOSCUDPServer, over a liblo UDP server."""
import threading

import liblo


class ThreadingOSCUDPServer:
    def __init__(self, server_address, dispatcher):
        self._dispatcher = dispatcher
        self._server = liblo.Server(int(server_address[1]), liblo.UDP)
        self._server.add_method(None, None, self._on_message)
        self._stop = threading.Event()

    def _on_message(self, path, args):
        try:
            self._dispatcher.call(path, args)
        except Exception as exc:  # python-osc logs handler errors and goes on
            print(f"osc handler {path} failed: {exc}")

    def serve_forever(self, poll_interval=0.5):
        while not self._stop.is_set():
            self._server.recv(int(poll_interval * 1000))

    def shutdown(self):
        self._stop.set()

    def server_close(self):
        self._server.free()
