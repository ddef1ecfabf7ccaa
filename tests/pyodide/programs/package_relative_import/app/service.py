from .net import request


def run_service(paths):
    return [request(p) for p in paths]
