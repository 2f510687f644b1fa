"""Report kernels use Unix-domain sockets, not unencrypted TCP on loopback."""

from __future__ import annotations

from jupyter_core.utils import run_sync

from evalkit.report._kernel import IPCKernelManager


def test_kernel_manager_uses_ipc_and_runs_code() -> None:
    km = IPCKernelManager(kernel_name="python3")
    assert km.transport == "ipc"
    run_sync(km.start_kernel)()
    try:
        info = km.get_connection_info()
        assert info["transport"] == "ipc" and info["ip"].endswith("-ipc")
        assert info["ip"] != IPCKernelManager(kernel_name="python3").ip, "shared socket files"
        assert info["ip"].startswith("/")
        kc = km.client()
        kc.start_channels()
        run_sync(kc.wait_for_ready)(timeout=60)
        reply = run_sync(kc.execute_interactive)("x = 6 * 7", timeout=60)
        assert reply["content"]["status"] == "ok"
        kc.stop_channels()
    finally:
        run_sync(km.shutdown_kernel)(now=True)
