"""The kind target: workloads are pods in a kind cluster, driven through kind, kubectl and docker.

`target.KindTarget` is the target; `cluster` makes and checks the cluster, `config` writes its
kind.yaml, `manifests` and `status` turn specs into pods and pods into states, `kubectl` runs and
explains kubectl, `pods` finds a pod's container and host pids, `versions` reads what kind, the
node and the host run and what follows from it, `recording` writes real commands as transcripts
(SECLAB_KIND_RECORD).
"""
