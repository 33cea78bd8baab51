"""Dataset tools on top of everything: reading saved pages and WARC archives, `validate`, `report`."""
