"""``streamprobe fleet``: many watches as Ray actors, sized by the measured cost per stream."""
