"""The trained extractive reader: windows, span model, training and calibration (see rag/reader/train.py)."""
