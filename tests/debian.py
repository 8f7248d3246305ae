"""Debian packages the tests need (PostgreSQL, Chromium, WordNet), installed when missing and possible."""
from __future__ import annotations

import os
import shutil
import subprocess


def install_from_debian(*packages: str, timeout: int = 1200) -> None:
    """``apt-get install PACKAGES`` when running as root on Debian (``apt-get update`` first if the install fails);
    otherwise nothing: the caller skips, saying why."""
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", *packages]
    if subprocess.run(install, env=env, capture_output=True, timeout=timeout).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True, timeout=900)
        subprocess.run(install, env=env, capture_output=True, timeout=timeout)
