import streamlit as st

pages = [st.Page("report_page.py", title="Report"), st.Page("about_page.py", title="About")]
st.navigation(pages).run()
st.write("main done")
