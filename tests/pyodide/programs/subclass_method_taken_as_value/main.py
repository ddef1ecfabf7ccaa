import asyncio
import functools
import time


class Base:
    def handlers(self):
        # Base has no `users` or `label`, but `self` may be a Sub: the list holds
        # Sub's methods, which the caller calls without awaiting, so awaitify keeps
        # them synchronous (AW205).
        return [self.users, functools.partial(type(self).label, "users")]

    def load(self):
        return 0


class Sub(Base):
    def users(self):
        time.sleep(0)
        return ["u1", "u2"]

    @classmethod
    def label(cls, name):
        time.sleep(0)
        return f"{cls.__name__}.{name}"

    def load(self):
        # Called, not taken as a value: this one becomes async.
        time.sleep(0)
        return 1


async def main():
    page = Sub()
    for i in range(2):
        print(f"load {i}", page.load())
    for handler in page.handlers():
        print("handler", handler())


asyncio.run(main())
