import time


class Live:
    def fetch(self, key):
        time.sleep(0)
        return f"live:{key}"


class Test:
    def fetch(self, key):
        return f"test:{key}"

