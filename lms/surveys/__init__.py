"""Training-needs surveys: build, answer (online or on paper), read the needs
beside the catalogue's offer and the coverage already reached."""
