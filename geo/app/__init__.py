"""What the Streamlit app shows, as plain data (``views``), its add/edit form (``form``), its launcher (``serve``) and the data it
keeps per store revision (``cached``).

Pure functions, tested without Streamlit; ``app.py`` only draws what they return.
"""
