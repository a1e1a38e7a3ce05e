"""`make bench`: the distributed stack on this machine, measured side by side with a bare
Channels echo baseline. Entry point: `python -m bench.run --help`."""
