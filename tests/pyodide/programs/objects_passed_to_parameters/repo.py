import time


class Repo:
    def load(self, key):
        print("loading", key)
        time.sleep(0)
        return key.upper()


class CachedRepo(Repo):
    def __init__(self):
        self.cache = {}

    def load(self, key):
        if key not in self.cache:
            self.cache[key] = super().load(key)
        return self.cache[key]
