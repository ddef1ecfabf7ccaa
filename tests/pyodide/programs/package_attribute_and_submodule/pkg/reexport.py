import time


def reexport():
    time.sleep(0)
    return "function"
