import streamlit as st

from helpers import DataClient, stream_summary

st.title("Dashboard")
# One client per browser session, kept across reruns.
if "client" not in st.session_state:
    st.session_state.client = DataClient("https://example.invalid/api")
latest = st.session_state.client.readings("north")
st.metric("Attempts", latest["attempts"])
st.write_stream(stream_summary("All stations report normal conditions."))
