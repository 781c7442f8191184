"""Results for people and machines: report tables (``table``), JSON (``json_file``), retention tables and
plots (``retention``). No metric is computed here.
"""
