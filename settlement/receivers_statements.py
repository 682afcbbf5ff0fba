"""Signal receivers of settlement (receivers_statements)."""
