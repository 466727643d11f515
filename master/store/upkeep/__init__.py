"""The store's housekeeping: roll-ups, then retention purges, every interval.

- ``rollups``      5-minute and 1-hour node metric buckets computed from raw samples
- ``retention``    which table is purged by which column after how long, and the chunked DELETE
- ``maintenance``  the pass (``maintain_once``) and the loop (``run_maintenance``)

Every step is a short unit of work for the writer, so housekeeping never stalls journal
commits. Does not own: the tables (``master.store.schema``) or the writer."""
