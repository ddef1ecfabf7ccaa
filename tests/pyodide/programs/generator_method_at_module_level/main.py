import time

import streamlit as st


class Feed:
    def __init__(self, items):
        self.items = items

    def entries(self):
        for item in self.items:
            time.sleep(0.01)
            yield item


feed = Feed(["alpha", "beta"])
for entry in feed.entries():
    st.write("entry", entry)
st.write_stream(feed.entries())
st.write("end")
