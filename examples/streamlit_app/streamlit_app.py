"""Entry point of a small multi-page Streamlit app.

Run it with `streamlit run streamlit_app.py`; awaitify makes it run on stlite too.
"""
import streamlit as st

from helpers import DataClient, refresh_cache

st.set_page_config(page_title="Weather desk")

client = DataClient("https://example.invalid/api")
st.sidebar.write(f"Stations online: {len(client.stations())}")

# A callback runs when Streamlit decides, synchronously: it cannot become async.
st.sidebar.button("Refresh cache", on_click=refresh_cache)

pg = st.navigation(
    [
        st.Page("pages/dashboard.py", title="Dashboard"),
        st.Page("pages/reports.py", title="Reports"),
    ]
)
pg.run()
