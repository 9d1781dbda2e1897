"""The e-government gateway (ШЭП) API, P8: signed S1/S3 requests in, status pushes out."""
