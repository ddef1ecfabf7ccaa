import time


class Client:
    def __init__(self, name):
        self.name = name

    def fetch(self, key):
        time.sleep(0)
        return f"{self.name}:{key}"


class Cache:
    def fetch(self, key):
        return f"cache:{key}"


def connect():
    return Client("reconnected")
