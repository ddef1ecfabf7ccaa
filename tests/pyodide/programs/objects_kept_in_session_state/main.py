import asyncio

import streamlit as st

from services import Client
from settings import reset


async def ticker(n):
    for i in range(n):
        print("tick", i)
        await asyncio.sleep(0)


def rerun(number):
    # Each rerun of the script finds what an earlier one kept.
    if "client" not in st.session_state:
        st.session_state.client = Client("live")
    st.session_state.setdefault("backup", Client("backup"))
    print(number, st.session_state.client.fetch("a"))
    print(number, st.session_state["backup"].fetch("b"))
    cache = st.session_state.get("cache")
    if cache:
        print(number, cache.fetch("c"))
    reset(reconnect=number == 1)


async def main():
    task = asyncio.ensure_future(ticker(2))
    for number in range(3):
        rerun(number)
    await task


asyncio.run(main())
