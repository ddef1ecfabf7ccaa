import streamlit as st

from services import Cache, connect


def reset(reconnect):
    if reconnect:
        st.session_state.client = connect()
    st.session_state.update(cache=st.session_state.get("cache") or Cache())
