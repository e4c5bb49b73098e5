"""A standalone Spark cluster on loopback for tests, benchmarks and trying the app on Spark.

    python tools/spark_local.py [--workers 2] [--worker-memory 1g] [--dir FOLDER]

starts a master, the workers (one core each) and the Thrift JDBC/ODBC server with a Derby
metastore and warehouse in ``FOLDER`` (a temporary folder by default), prints the
``spark://127.0.0.1:PORT/default`` URL the app takes, and stops everything on Ctrl-C.
Every process binds to 127.0.0.1 on a free port. It needs Java 17+ and the ``pyspark`` wheel
(which ships the Thrift server's jars but not Spark's ``sbin/`` scripts, so the daemons are
started with ``spark-class`` / ``spark-submit`` here). See docs/SCALE_OUT.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

READY_LINE = "HiveThriftServer2 started"
THRIFT_CLASS = "org.apache.spark.sql.hive.thriftserver.HiveThriftServer2"


def skip_reason() -> str | None:
    """Why a local cluster cannot start here (no Java, no pyspark), or None."""
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        return "no Java on PATH (Debian: apt-get install openjdk-17-jre-headless)"
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "pyspark is not installed (pip install -r requirements-spark.txt)"
    try:
        import pyhive  # noqa: F401
    except ImportError:
        return "pyhive is not installed (pip install -r requirements-spark.txt)"
    return None


def spark_home() -> Path:
    import pyspark

    return Path(pyspark.__file__).resolve().parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LocalCluster:
    """A running loopback cluster; ``stop()`` ends every process it started (their process groups)."""

    folder: Path
    thrift_port: int
    master_url: str
    processes: list[subprocess.Popen] = field(default_factory=list)
    owns_folder: bool = False

    @property
    def url(self) -> str:
        """The app's database URL for this cluster (``BFI_DATABASE_URL``)."""
        return f"spark://127.0.0.1:{self.thrift_port}/default"

    def log(self, name: str) -> str:
        path = self.folder / "logs" / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        for proc in reversed(self.processes):
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + 20
        for proc in reversed(self.processes):
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait(5)
        self.processes.clear()
        if self.owns_folder:
            shutil.rmtree(self.folder, ignore_errors=True)


def _env(folder: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["SPARK_HOME"] = str(spark_home())
    env["SPARK_LOCAL_IP"] = "127.0.0.1"
    env["SPARK_LOCAL_DIRS"] = str(folder / "local")
    env.setdefault("PYSPARK_PYTHON", sys.executable)
    return env


def _spawn(cluster: LocalCluster, name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen:
    logs = cluster.folder / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    out = open(logs / f"{name}.log", "wb")
    # its own process group, so that stop() ends the JVM and anything it started, and nothing else
    proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=cluster.folder,
                            start_new_session=True)
    out.close()
    cluster.processes.append(proc)
    return proc


def _wait_for(cluster: LocalCluster, name: str, line: str, timeout: float, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    proc = proc or cluster.processes[-1]
    while time.monotonic() < deadline:
        if line in cluster.log(name):
            return
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited with {proc.returncode}:\n{cluster.log(name)[-3000:]}")
        time.sleep(0.5)
    raise RuntimeError(f"{name} did not log {line!r} within {timeout:.0f} s:\n{cluster.log(name)[-3000:]}")


def start(folder: Path | None = None, workers: int = 2, worker_memory: str = "1g", driver_memory: str = "1g",
          shuffle_partitions: int = 4, timeout: float = 180.0) -> LocalCluster:
    """Start master, ``workers`` workers (1 core, ``worker_memory`` each) and the Thrift server on
    127.0.0.1; return when the server has logged that it started. On failure everything started
    so far is stopped and the error carries the failing process's log tail."""
    owns = folder is None
    folder = Path(folder or tempfile.mkdtemp(prefix="bfi_spark_")).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    env = _env(folder)
    bin_dir = spark_home() / "bin"
    master_port, thrift_port = free_port(), free_port()
    cluster = LocalCluster(folder, thrift_port, f"spark://127.0.0.1:{master_port}", owns_folder=owns)
    try:
        _spawn(cluster, "master", [str(bin_dir / "spark-class"), "org.apache.spark.deploy.master.Master",
                                   "--host", "127.0.0.1", "--port", str(master_port), "--webui-port", str(free_port())], env)
        _wait_for(cluster, "master", "I have been elected leader", timeout)
        for i in range(workers):
            work = folder / f"worker{i}"
            work.mkdir(exist_ok=True)
            _spawn(cluster, f"worker{i}", [str(bin_dir / "spark-class"), "org.apache.spark.deploy.worker.Worker",
                                           "--host", "127.0.0.1", "--port", str(free_port()), "--webui-port", str(free_port()),
                                           "--cores", "1", "--memory", worker_memory, "--work-dir", str(work),
                                           cluster.master_url], env)
        for i in range(workers):
            _wait_for(cluster, f"worker{i}", "Successfully registered with master", timeout, cluster.processes[1 + i])
        metastore = folder / "metastore_db"
        confs = {
            "spark.driver.host": "127.0.0.1",
            "spark.driver.bindAddress": "127.0.0.1",
            "spark.driver.memory": driver_memory,
            "spark.executor.memory": worker_memory,
            "spark.executor.cores": "1",
            "spark.cores.max": str(workers),
            "spark.ui.enabled": "false",
            "spark.sql.warehouse.dir": str(folder / "warehouse"),
            "spark.sql.shuffle.partitions": str(shuffle_partitions),
            "spark.sql.session.timeZone": "UTC",
            "spark.driver.extraJavaOptions": f"-Dderby.system.home={folder}",
        }
        argv = [str(bin_dir / "spark-submit"), "--class", THRIFT_CLASS, "--master", cluster.master_url,
                "--name", "bfi-thrift"]
        for key, value in confs.items():
            argv += ["--conf", f"{key}={value}"]
        argv += ["spark-internal",
                 "--hiveconf", f"hive.server2.thrift.port={thrift_port}",
                 "--hiveconf", "hive.server2.thrift.bind.host=127.0.0.1",
                 "--hiveconf", f"javax.jdo.option.ConnectionURL=jdbc:derby:;databaseName={metastore};create=true"]
        _spawn(cluster, "thrift", argv, env)
        _wait_for(cluster, "thrift", READY_LINE, timeout)
    except BaseException:
        cluster.stop()
        raise
    return cluster


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-memory", default="1g")
    parser.add_argument("--driver-memory", default="1g")
    parser.add_argument("--shuffle-partitions", type=int, default=4)
    parser.add_argument("--dir", type=Path, default=None, help="metastore, warehouse and logs (default: a temporary folder)")
    args = parser.parse_args(argv)
    reason = skip_reason()
    if reason:
        print(f"error: {reason}", file=sys.stderr)
        return 2
    cluster = start(args.dir, args.workers, args.worker_memory, args.driver_memory, args.shuffle_partitions)
    print(f"ready: BFI_DATABASE_URL={cluster.url}  (logs in {cluster.folder / 'logs'}; Ctrl-C stops the cluster)", flush=True)
    def _end(signum, frame):
        raise KeyboardInterrupt

    # a background job ignores SIGINT: stop on SIGTERM (kill PID) as on Ctrl-C
    signal.signal(signal.SIGTERM, _end)
    try:
        signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
