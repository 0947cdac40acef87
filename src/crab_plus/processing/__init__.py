"""Media decoding, per-task media policies and CrabPlusProcessor."""
