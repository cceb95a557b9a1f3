"""The job queue: Huey broker, submit/cancel, the run_job task, leases and the reaper."""
