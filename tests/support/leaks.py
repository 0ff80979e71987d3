"""What a process has running: child processes and listening sockets, read from /proc."""

from __future__ import annotations

import os
from pathlib import Path


def running_children() -> set[int]:
    """Process ids of this process's live (non-zombie) children."""
    me = os.getpid()
    children: set[int] = set()
    for task in Path(f"/proc/{me}/task").iterdir():
        try:
            text = (task / "children").read_text()
        except OSError:
            continue
        children.update(int(pid) for pid in text.split())
    return {pid for pid in children if _alive(pid)}


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def listening_sockets() -> set[str]:
    """Local addresses of TCP sockets this process listens on ("ip:port")."""
    inodes = _socket_inodes()
    found: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A = LISTEN
                found.add(fields[1])
    return found


def _socket_inodes() -> set[str]:
    inodes: set[str] = set()
    fd_dir = Path(f"/proc/{os.getpid()}/fd")
    for fd in fd_dir.iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes
