import asyncio
import time


async def ticker(n):
    for i in range(n):
        print("tick", i)
        await asyncio.sleep(0)


class Model:
    @classmethod
    def schema(cls):
        return "model"

    @classmethod
    def build(cls):
        kind = cls
        return kind.schema() + "!"

    def describe(self):
        return type(self).schema() + "/" + self.__class__.schema()


class User(Model):
    @classmethod
    def schema(cls):
        print("loading user schema")
        time.sleep(0)
        return "user"


async def main():
    task = asyncio.ensure_future(ticker(2))
    print(Model().describe(), Model.build())
    print(User().describe())
    print(User.build())
    await task


asyncio.run(main())
