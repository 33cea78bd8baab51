"""Site profiles: one TOML file per site (`NAME.toml` here), read by one loader (`profile.py`)."""
