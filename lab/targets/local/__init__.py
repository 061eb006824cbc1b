"""The local target: workloads are processes on this host's kernel, under lab.sandbox's filter.

`target.LocalTarget` is the target; `spec` turns a workload spec into the argv and profile a
sandboxed process gets, `procs` runs one workload (its process, restarts, state), `state`
keeps their pids on disk so `seclab reset` can stop them from another process.
"""
