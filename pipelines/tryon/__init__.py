"""Classical virtual try-on: person, garment, fit, warp, composite, refine."""
