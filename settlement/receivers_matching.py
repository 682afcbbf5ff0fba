"""Signal receivers of settlement (receivers_matching)."""
