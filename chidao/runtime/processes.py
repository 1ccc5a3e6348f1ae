"""Child processes of the embedded runtime, stopped gently or, to play a crash, abruptly."""

from __future__ import annotations

import subprocess


class ChildProcess:
    """Mixin for anything holding a ``subprocess.Popen`` in ``self.process``."""

    process: subprocess.Popen[bytes] | None

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM, and SIGKILL if it has not exited within ``timeout`` seconds."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, as a crash or an OOM kill would."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None
