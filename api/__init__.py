"""kontho's HTTP API: validate, store, enqueue, report. It never imports torch or the worker."""
