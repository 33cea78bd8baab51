"""The crawl: middlewares, extensions, the extraction pool, the offline mirror and the network guards."""
