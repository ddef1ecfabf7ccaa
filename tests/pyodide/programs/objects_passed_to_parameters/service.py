class Service:
    def __init__(self, repo):
        self.repo = repo

    def get(self, key):
        return self.repo.load(key)


def fetch_all(service, keys, log=None):
    log = log or []
    for key in keys:
        log.append(service.get(key))
    return log
