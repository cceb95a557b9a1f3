"""One module per feature: its declaration and its run function."""
