"""Search and optimisation over a :class:`graph.Network` (schedule search, OR-Tools models)."""
