"""The error the retention analysis raises for input a user must fix.

``metrics`` never imports ``probe``, so this is a plain ``ValueError``; the CLI turns it into
``probe.errors.InputError`` (exit code 2, one line). Messages name the file, and where there is
one, the row and the column.
"""


class RetentionInputError(ValueError):
    """Sessions or quality timelines the analysis cannot use; ``str(err)`` is the user's message."""
