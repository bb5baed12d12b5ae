"""moto's server in a process of its own: `python -m tests.deploy.moto_process [CALLS_FILE]`.

moto keeps its backends per process, so a stack applied on such a server is untouched by
the resets and the IAM enforcement other tests make on the test process's server. It prints
its port, then serves until it is terminated. With CALLS_FILE, moto's IAM checks are those of
iam_enforced (conftest) and each IAM action evaluated is appended to the file, one a line;
enforcement itself is switched with /moto-api/reset-auth as usual.
"""

from __future__ import annotations

import os
import sys
import threading


class CallLog(list):
    """A list of actions that also appends each one to a file."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.file = open(path, "a")  # noqa: SIM115 (open while the server runs)
        self.lock = threading.Lock()

    def append(self, action: str) -> None:
        with self.lock:
            super().append(action)
            self.file.write(action + "\n")
            self.file.flush()


def main(argv: list[str]) -> None:
    os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
    from moto.server import ThreadedMotoServer

    if argv:
        from tests.deploy.conftest import patch_iam_checks

        patch_iam_checks(CallLog(argv[0]))
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    print(server.get_host_and_port()[1], flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main(sys.argv[1:])
