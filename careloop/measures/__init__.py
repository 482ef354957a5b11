"""Standards → Ibis expressions → measurements; SPC (careloop.measures.spc)."""
