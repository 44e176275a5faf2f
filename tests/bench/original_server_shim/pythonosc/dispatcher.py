"""python-osc's Dispatcher: OSC address -> handler(address, *fixed, *args)."""


class Dispatcher:
    def __init__(self):
        self._handlers = {}
        self._default = None

    def map(self, address, handler, *fixed_args):
        self._handlers[address] = (handler, fixed_args)

    def set_default_handler(self, handler):
        self._default = handler

    def call(self, address, args):
        handler, fixed = self._handlers.get(address, (self._default, ()))
        if handler is None:
            return
        if fixed:
            handler(address, list(fixed), *args)
        else:
            handler(address, *args)
