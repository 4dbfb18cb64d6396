"""A real Kubernetes control plane for tests, in the envtest convention.

``control_plane`` runs etcd, kube-apiserver, kube-controller-manager, kube-scheduler and
kwok, built from Go modules by ``scripts/k8s-test-assets.sh``; ``pod_runner`` stands in
for the kubelet on one node and runs pods' commands as local processes; ``fixtures``
holds the pytest fixtures (``control_plane``, ``pod_runner``, ``kube_namespace``).

The control plane's parts: ``assets`` (the binaries), ``pki`` (certificates, keys,
kubeconfigs), ``processes`` (process supervision), ``components`` (set-up and readiness);
the pod runner's: ``pod_process`` (pod spec to local process, env resolution),
``pod_status`` (status writing), ``pod_node`` (the node kept Ready).
"""
