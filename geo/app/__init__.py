"""What the Streamlit app shows, as plain data (``views``), and its add/edit form (``form``).

Pure functions, tested without Streamlit; ``app.py`` only draws what they return.
"""
