import time


def get():
    time.sleep(0)
    return "api"
