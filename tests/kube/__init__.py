"""A real Kubernetes control plane for tests, in the envtest convention.

``control_plane`` runs etcd, kube-apiserver, kube-controller-manager, kube-scheduler and
kwok, built from Go modules by ``scripts/k8s-test-assets.sh``; ``pod_runner`` stands in
for the kubelet on one node and runs pods' commands as local processes; ``fixtures``
holds the pytest fixtures (``control_plane``, ``pod_runner``, ``kube_namespace``).
"""
