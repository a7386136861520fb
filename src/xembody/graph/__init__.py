"""Connectivity between particles: batched kNN-within-radius and full radius graphs, in plain torch."""

from xembody.graph.neighbors import Neighbors, knn_within, radius_edges

__all__ = ["Neighbors", "knn_within", "radius_edges"]
