"""The Jupyter kernel manager used to run report notebooks.

Report kernels talk to their manager over Unix-domain sockets (``transport="ipc"``)
in the user's private Jupyter runtime folder rather than over TCP on loopback: the
notebooks handle data about real people, and ipykernel warns that its TCP transport is
unencrypted and readable by other local users.

The kernel process's own stdout and stderr go to ``/dev/null``: what a notebook's cells
print reaches the notebook (and a failed notebook under ``_failed/``) over the kernel's
messages; the process streams only carry ipykernel's internal log, which after Ctrl-C or
a timeout is a ZMQ traceback on the user's terminal.
"""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path
from typing import Any

from jupyter_client.manager import AsyncKernelManager
from jupyter_core.paths import jupyter_runtime_dir

__all__ = ["IPCKernelManager"]


class IPCKernelManager(AsyncKernelManager):
    """An :class:`AsyncKernelManager` whose kernels use the IPC transport."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("transport", "ipc")
        if kwargs["transport"] == "ipc" and "ip" not in kwargs:
            # jupyter_client's default socket prefix is the relative path "kernel-ipc", so
            # two kernels started from one folder (parallel batch workers) would share
            # socket files; give every manager its own prefix in the private runtime dir.
            runtime = Path(jupyter_runtime_dir())
            runtime.mkdir(mode=0o700, parents=True, exist_ok=True)
            kwargs["ip"] = str(runtime / f"evalkit-{uuid.uuid4().hex[:16]}-ipc")
        super().__init__(**kwargs)

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
        kw.setdefault("stdout", subprocess.DEVNULL)
        kw.setdefault("stderr", subprocess.DEVNULL)
        await super()._async_launch_kernel(kernel_cmd, **kw)
