import asyncio
import time


class Api:
    def users(self):
        # Page.actions takes this method as a value from `self.api`, which holds
        # whatever the caller passed: the list's caller calls it without awaiting,
        # so awaitify keeps it synchronous (AW211).
        time.sleep(0)
        return ["u1", "u2"]

    def groups(self):
        time.sleep(0)
        return ["g1"]


class Page:
    def __init__(self, api):
        self.api = api

    def actions(self):
        return [self.api.users]


API = Api()


def work():
    for i in range(2):
        time.sleep(0)
        print(f"work {i}", API.groups())


async def main():
    work()
    for action in Page(API).actions():
        print("action", action())


asyncio.run(main())
