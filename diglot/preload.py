"""Imported by the workers' fork server (diglot.workers.WORKER_PRELOAD), never otherwise.

The server imports WeasyPrint and loads the default languages' faces once, while the build
reads and plans, before any worker is forked: each worker then starts ready instead of loading
them itself (about 0.2 s before its first job), and shares those pages with the server. The
server is single-threaded throughout (Pango and fontconfig start no thread), so forking it is safe.
"""

from . import pdf

try:
    pdf.warm_up()
except Exception:  # noqa: BLE001 (a worker then warms itself up and reports what is wrong: workers._init_worker)
    pass
