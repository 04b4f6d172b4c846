"""What the Streamlit app shows, as plain data (``views``), its add/edit form (``form``) and its launcher (``serve``).

Pure functions, tested without Streamlit; ``app.py`` only draws what they return.
"""
