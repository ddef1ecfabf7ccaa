import time

import streamlit as st

from helpers import report_session

st.title("Reports")
with st.spinner("Preparing the report..."):
    time.sleep(0.5)
    with report_session("weekly") as session:
        session["sections"].append("summary")
st.write("The report is ready.")
