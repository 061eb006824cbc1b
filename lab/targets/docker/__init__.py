"""The docker target: workloads are containers in a Docker engine, made through the docker SDK.

`target.DockerTarget` is the target. It owns its collaborators: `engine.Engine` (the client,
containers by workload name, images), `containers.ContainerFactory` (`docker run`, planned by
`plan`) and `state.StateReader` (`docker inspect`); `running` talks to a running container,
`reset` removes what the lab labelled, `images`/`offline` find or build the workload images,
`pids` and `versions` read the engine's processes and versions, `errors` explains its errors.
"""
