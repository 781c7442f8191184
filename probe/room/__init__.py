"""The built-in test room (``streamprobe serve``): WHIP in, WHEP out (``server``), one stream per name
(``stream``), user-space impairment (``impair``, ``impair_spec``), and the embedded room as a child
process (``process``, ``__main__``).
"""
