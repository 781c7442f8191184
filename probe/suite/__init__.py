"""``streamprobe bench``: CI benchmark suites: cases from a TOML file (``spec``), run and judged (``runner``), against a saved baseline (``baseline``), with typed results (``result``)."""
