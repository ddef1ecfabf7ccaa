import streamlit as st

from helpers import DataClient, stream_summary

st.title("Dashboard")
client = DataClient("https://example.invalid/api")
latest = client.readings("north")
st.metric("Attempts", latest["attempts"])
st.write_stream(stream_summary("All stations report normal conditions."))
