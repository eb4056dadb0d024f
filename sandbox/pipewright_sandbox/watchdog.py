"""Exit when the app that started the sandbox goes away, however it goes (issue 17).

The app starts the sandbox with `PIPEWRIGHT_SANDBOX_PARENT_PID=<its pid>` in the environment
and the sandbox's standard input a pipe whose other end only the app holds. Two guards then
end the sandbox, so no emulator is left running and no port stays bound:

1. standard input reaches end-of-file: the app closed its end, exited, crashed or was killed
   (the OS closes a dead process's pipes);
2. the parent is gone: on Windows, a wait on the parent's process handle; elsewhere
   `getppid()` no longer being that pid (the orphan was re-parented), checked every second.

Without the variable (`sandbox/run` from a terminal, the tests' own sandboxes) nothing is
watched. The exit is immediate (`os._exit`): the sandbox keeps nothing worth flushing, and the
OS releases the listening socket with the process.
"""

from __future__ import annotations

import os
import sys
import threading
import time

PARENT_PID_ENV = "PIPEWRIGHT_SANDBOX_PARENT_PID"
POLL_SECONDS = 1.0


def start_from_env() -> bool:
    """Starts both guards when the app asked for them; returns whether it did."""
    value = os.environ.pop(PARENT_PID_ENV, "").strip()
    if not value:
        return False
    try:
        parent = int(value)
    except ValueError:
        print(f"pipewright sandbox: ignoring {PARENT_PID_ENV}={value!r}", file=sys.stderr)
        return False
    threading.Thread(target=_watch_stdin, name="watch-stdin", daemon=True).start()
    threading.Thread(target=_watch_parent, args=(parent,), name="watch-parent", daemon=True).start()
    return True


def _quit(reason: str) -> None:
    try:
        print(f"pipewright sandbox: {reason}; exiting", file=sys.stderr, flush=True)
    finally:
        os._exit(0)


def _watch_stdin() -> None:
    try:
        fd = sys.stdin.fileno() if sys.stdin is not None else 0
        while os.read(fd, 4096):
            pass  # the app never writes; anything it does is ignored
    except (OSError, ValueError):
        pass
    _quit("the app closed its end of standard input")


def _watch_parent(pid: int) -> None:
    if sys.platform == "win32":
        _wait_windows_process(pid)
        _quit(f"the app (pid {pid}) has exited")
    while os.getppid() == pid:
        time.sleep(POLL_SECONDS)
    _quit(f"the app (pid {pid}) is no longer the parent")


def _wait_windows_process(pid: int) -> None:
    """Blocks until process `pid` ends (returns at once when it is already gone)."""
    import ctypes
    from ctypes import wintypes

    synchronize = 0x00100000
    infinite = 0xFFFFFFFF
    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    kernel32.OpenProcess.restype = wintypes.HANDLE
    kernel32.OpenProcess.argtypes = (wintypes.DWORD, wintypes.BOOL, wintypes.DWORD)
    kernel32.WaitForSingleObject.argtypes = (wintypes.HANDLE, wintypes.DWORD)
    handle = kernel32.OpenProcess(synchronize, False, pid)
    if not handle:
        return
    try:
        kernel32.WaitForSingleObject(handle, infinite)
    finally:
        kernel32.CloseHandle(handle)
