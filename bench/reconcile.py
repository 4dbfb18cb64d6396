"""Reconcile benchmark: 200 EncodingJobs against a real control plane (tests/kube).

Prints the reconcile latency (EncodingJob created → its Job created, p50/p99, as seen by
one watcher of both kinds) and the total time (the first EncodingJob sent → the last Job
created), next to the floor: ``kubectl create`` of the same 200 Jobs directly. Targets:
p50 ≤ 100 ms, p99 ≤ 500 ms, total ≤ 1.5 × the floor.

    .venv/bin/python bench/reconcile.py [--count 200] [--pods kwok|pending] [--kubeconfig F]

Without ``--kubeconfig`` it starts its own control plane from the binaries of
``scripts/k8s-test-assets.sh`` (built if needed). Both runs create the EncodingJobs / Jobs
with one ``kubectl create -f`` (sequential POSTs), the Job template being the one the
operator builds, the EncodingJobs as the API's kubernetes backend makes them (with the
operator's finalizer). ``--pods kwok`` (default) lets the pods onto kwok's fake node, which plays
them Running then Succeeded, so the operator also follows the Jobs meanwhile; ``pending``
keeps them unschedulable.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "operator")]

from podv5_contract.spec import EncodingJobSpec  # noqa: E402
from podv5_operator.config import OperatorConfig  # noqa: E402
from podv5_operator.k8s.encode import FINALIZER, build_job  # noqa: E402

CRD = REPO / "charts/pod-v5/crds/encodingjobs.media.podv5.io.yaml"
KWOK = {
    "node_selector": {"type": "kwok"},
    "tolerations": [{"key": "kwok.x-k8s.io/node", "operator": "Exists", "effect": "NoSchedule"}],
}
PENDING = {"node_selector": {"pod-v5.bench/nowhere": "true"}}


def spec(n: int) -> dict:
    job_id = uuid.uuid4()
    return EncodingJobSpec.model_validate(
        {
            "jobId": str(job_id),
            "videoId": str(uuid.uuid4()),
            "source": f"file:///media/videos/{n}/source.mp4",
            "output": f"file:///media/videos/{n}/encodes/{job_id}/",
            "ladder": [{"name": "360p", "height": 360, "videoKbps": 800, "audioKbps": 96}],
        }
    ).model_dump(mode="json", by_alias=True, exclude_none=True)


def kubectl(kubeconfig: str, *args: str, input: str | None = None) -> str:  # noqa: A002
    return subprocess.run(
        ["kubectl", f"--kubeconfig={kubeconfig}", *args],
        input=input, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip


class Watcher:
    """Records when each object of a kind is first seen (ADDED), from one watch stream."""

    def __init__(self, api_client, namespace: str, kind: str):
        from kubernetes import client, watch

        self.seen: dict[str, float] = {}
        self.cond = threading.Condition()
        if kind == "jobs":
            lister = client.BatchV1Api(api_client).list_namespaced_job
            args = (namespace,)
        else:
            lister = client.CustomObjectsApi(api_client).list_namespaced_custom_object
            args = ("media.podv5.io", "v1alpha1", namespace, "encodingjobs")
        self._stop = threading.Event()
        rv = lister(*args, _preload_content=False)
        version = json.loads(rv.data)["metadata"]["resourceVersion"]
        self._stream = watch.Watch()
        self._thread = threading.Thread(target=self._run, args=(lister, args, version), daemon=True)
        self._thread.start()

    def _run(self, lister, args, version) -> None:
        try:
            self._watch(lister, args, version)
        except Exception:  # the stream is cut when stopped
            if not self._stop.is_set():
                raise

    def _watch(self, lister, args, version) -> None:
        for event in self._stream.stream(lister, *args, resource_version=version):
            now = time.monotonic()
            obj = event["object"]
            name = obj["metadata"]["name"] if isinstance(obj, dict) else obj.metadata.name
            with self.cond:
                self.seen.setdefault(name, now)
                self.cond.notify_all()
            if self._stop.is_set():
                return

    def wait_count(self, count: int, timeout: float) -> float:
        deadline = time.monotonic() + timeout
        with self.cond:
            while len(self.seen) < count:
                if not self.cond.wait(deadline - time.monotonic()):
                    raise TimeoutError(f"saw {len(self.seen)}/{count} after {timeout}s")
            return max(self.seen.values())

    def stop(self) -> None:
        self._stop.set()
        self._stream.stop()


def start_operator(kubeconfig: str, namespace: str, pods: dict, log_path: Path):
    port = 18000 + os.getpid() % 1000
    env = {**os.environ, "KUBECONFIG": kubeconfig, "CALLBACK_SIGNING_SECRET": "whsec_" + "A" * 44}
    for key, value in pods.items():
        env[f"MEDIA_OPERATOR_{key.upper()}"] = json.dumps(value)
    argv = [sys.executable, "-m", "kopf", "run", "-m", "podv5_operator", "--standalone",
            "-n", namespace, f"--liveness=http://127.0.0.1:{port}/healthz"]  # fmt: skip
    log = open(log_path, "wb")  # noqa: SIM115 - kept open for the process's life
    proc = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True, cwd=REPO)  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the operator exited; see {log_path}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return proc
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"the operator did not start; see {log_path}")


def cpu_seconds(pid: int | None = None) -> float:
    """CPU time (user + system) of a process, or of the whole machine, in seconds."""
    tick = os.sysconf("SC_CLK_TCK")
    if pid is None:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
        idle = int(fields[3]) + int(fields[4])
        return (sum(int(f) for f in fields[:8]) - idle) / tick
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / tick


def settle(max_seconds: float = 60, busy: float = 0.25) -> None:
    """Wait until the machine is mostly idle (< ``busy`` of its CPUs over a second): the
    control plane done with the previous phase's aftermath."""
    deadline = time.monotonic() + max_seconds
    while time.monotonic() < deadline:
        before = cpu_seconds()
        time.sleep(1)
        if cpu_seconds() - before < busy * (os.cpu_count() or 1):
            return


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def run(kubeconfig: str, api_client, count: int, pods: dict, workdir: Path) -> dict:
    config = OperatorConfig(**pods)
    specs = [spec(n) for n in range(count)]
    # the floor: the same Jobs straight into the apiserver, one kubectl create
    for namespace in ("bench-floor", "bench"):  # with the worker pods' ServiceAccount
        kubectl(kubeconfig, "create", "namespace", namespace)
        kubectl(kubeconfig, "create", "serviceaccount", config.service_account_name,
                "-n", namespace)  # fmt: skip
    jobs = []
    for n, s in enumerate(specs):
        job = build_job(name=f"ej-floor-{n}", namespace="bench-floor", uid="x",
                        spec=EncodingJobSpec.model_validate(s), config=config)  # fmt: skip
        del job["metadata"]["ownerReferences"]  # no owner: the GC would delete them
        jobs.append(job)
    settle()
    began = time.monotonic()
    kubectl(kubeconfig, "create", "-f", "-", input=yaml.safe_dump_all(jobs))
    floor = time.monotonic() - began
    kubectl(kubeconfig, "delete", "namespace", "bench-floor", "--wait=true", "--timeout=300s")
    settle()

    operator = start_operator(kubeconfig, "bench", pods, workdir / "operator.log")
    try:
        ej_watch = Watcher(api_client, "bench", "encodingjobs")
        job_watch = Watcher(api_client, "bench", "jobs")
        docs = [
            {"apiVersion": "media.podv5.io/v1alpha1", "kind": "EncodingJob",
             "metadata": {"name": f"ej-{n}", "namespace": "bench", "finalizers": [FINALIZER]},
             "spec": s}
            for n, s in enumerate(specs)
        ]  # fmt: skip
        settle()
        machine0, operator0 = cpu_seconds(), cpu_seconds(operator.pid)
        began = time.monotonic()
        kubectl(kubeconfig, "create", "-f", "-", input=yaml.safe_dump_all(docs))
        created = time.monotonic() - began
        last = job_watch.wait_count(count, timeout=300)
        total = last - began
        machine_cpu = cpu_seconds() - machine0
        operator_cpu = cpu_seconds(operator.pid) - operator0
        ej_watch.wait_count(count, timeout=10)
        latencies = [(job_watch.seen[name] - ej_watch.seen[name]) * 1000 for name in ej_watch.seen]
        ej_watch.stop()
        job_watch.stop()
    finally:
        os.killpg(operator.pid, signal.SIGTERM)
        operator.wait(timeout=30)
    return {
        "count": count,
        "floor_s": floor,
        "ej_create_s": created,
        "total_s": total,
        "p50_ms": statistics.median(latencies),
        "p99_ms": percentile(latencies, 0.99),
        "max_ms": max(latencies),
        "operator_cpu_s": operator_cpu,
        "machine_cpu_s": machine_cpu,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--pods", choices=("kwok", "pending"), default="kwok")
    parser.add_argument("--kubeconfig", help="an existing cluster (with the CRD installed)")
    args = parser.parse_args()
    pods = KWOK if args.pods == "kwok" else PENDING
    workdir = Path(tempfile.mkdtemp(prefix="podv5-bench-reconcile-"))
    load = os.getloadavg()
    plane = None
    if args.kubeconfig:
        from kubernetes import config as kube_config

        kubeconfig, api_client = (
            args.kubeconfig,
            kube_config.new_client_from_config(config_file=args.kubeconfig),
        )
    else:
        from tests.kube.control_plane import ControlPlane, ensure_assets

        plane = ControlPlane(ensure_assets()).start()
        plane.apply(CRD)
        plane.wait_crd_established("encodingjobs.media.podv5.io")
        kubeconfig, api_client = str(plane.kubeconfig), plane.api_client()
        os.environ["PATH"] = os.pathsep.join([str(plane.assets), os.environ["PATH"]])
    try:
        result = run(kubeconfig, api_client, args.count, pods, workdir)
    finally:
        if plane is not None:
            plane.stop()
    ratio = result["total_s"] / result["floor_s"]
    print(f"reconcile benchmark: {result['count']} EncodingJobs, pods={args.pods}, "
          f"{os.cpu_count()} CPUs")  # fmt: skip
    print(f"  floor: kubectl create of {result['count']} Jobs   {result['floor_s']:7.2f} s")
    print(f"  kubectl create of the EncodingJobs       {result['ej_create_s']:7.2f} s")
    print(f"  total: first EncodingJob → last Job      {result['total_s']:7.2f} s  "
          f"({ratio:.2f}× the floor; target ≤ 1.5×)")  # fmt: skip
    print(
        f"  reconcile latency p50 {result['p50_ms']:6.0f} ms (target ≤ 100)   "
        f"p99 {result['p99_ms']:6.0f} ms (target ≤ 500)   max {result['max_ms']:.0f} ms"
    )
    print(f"  CPU during that total: operator {result['operator_cpu_s']:.1f} s, whole machine "
          f"{result['machine_cpu_s']:.1f} s of {result['total_s'] * os.cpu_count():.1f} s "
          f"available (load average before: {load[0]:.2f})")  # fmt: skip
    print(f"  operator log: {workdir / 'operator.log'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
