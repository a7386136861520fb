"""Experiments that reproduce the paper's findings, one module per finding."""
