"""Writing results safely: atomic files and packs, refused output paths, JSON, text for the
terminal and CSV."""
