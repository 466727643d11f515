"""③ Pure detectors: raw object + now -> findings. One module per family, listed in DETECTORS."""
