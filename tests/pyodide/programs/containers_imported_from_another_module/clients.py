import time


class Live:
    def __init__(self, name):
        self.name = name

    def fetch(self, key):
        time.sleep(0)
        return f"{self.name}:{key}"


class Offline:
    def fetch(self, key):
        return f"offline:{key}"


CLIENTS = {"live": Live("live"), "offline": Offline()}
POOL = [Live("first"), Live("second")]
