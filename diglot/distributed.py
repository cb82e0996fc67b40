"""Run build jobs on a Dask distributed cluster: the only module that imports Dask.

Workers need the project's environment (this package and its engines) and
the project folder at the same path; results (the output bytes) come back to
the machine that started the build, which writes them.
"""

from __future__ import annotations

from typing import Callable

from .errors import DiglotError


def run_on_dask(config, options, tasks, on_done: Callable) -> None:
    """Run ``tasks`` ((job, parts) pairs, diglot.workers.Task) on the cluster; ``on_done`` gets each
    result and returns the tasks it makes possible (a book's join), which are sent too."""
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise DiglotError("the Dask executor needs the 'distributed' package: pip install 'diglot[dask]'") from None
    from .workers import run_job, warm_worker

    cluster = None
    if options.scheduler:
        client = Client(options.scheduler, timeout="20s")
    else:
        workers = options.jobs or 2
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
    try:
        if any(job.kind.endswith("pdf") for job, _parts in tasks):
            client.run(warm_worker)
        # Only as_completed holds the futures: each result is written, then released on the
        # cluster, so neither the workers nor this process keep every output's bytes to the end.
        arriving = as_completed([client.submit(run_job, config, options, job, parts, pure=False)
                                 for job, parts in tasks])
        for future in arriving:
            try:
                results = future.result()
            except BaseException:
                client.cancel(list(arriving.futures))  # a failed build starts no more renders
                raise
            future.release()
            for result in results:
                for job, parts in on_done(result) or ():
                    arriving.add(client.submit(run_job, config, options, job, parts, pure=False))
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
