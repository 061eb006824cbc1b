"""The lab's offline images: a static busybox, and an http-echo stand-in built on it.

A class without network still gets real containers: `docker import` of a tar stream built here
from the host's static busybox (Debian: busybox-static), labelled `seclab.image=<its name>`
so `reset` can remove them. Not `seclab=1`: image labels pass to every container run from the
image and every image built FROM it, and `reset` must not take those (a user's kind-node
image built on ours was removed). An image is the lab's only while it carries its own name.
The stand-in speaks http-echo's flags but is a busybox shell behind `nc -ll`, so its syscalls
differ from the Go binary's: it has its own fine-grained profile.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tarfile
from pathlib import Path

BUSYBOX_IMAGE = "seclab/busybox:offline"
ECHO_IMAGE = "seclab/http-echo:offline"
ECHO_PROFILE = "fine-grained-busybox-echo.json"

# Same flags as hashicorp/http-echo (-text, -listen); the text travels in the environment so
# the per-connection handler can print it without quoting trouble.
ECHO_ENTRYPOINT = """#!/bin/sh
# seclab's offline stand-in for hashicorp/http-echo (busybox nc instead of a Go server).
text=""
port=5678
for arg in "$@"; do
  case "$arg" in
    -text=*|--text=*) text=${arg#*-text=} ;;
    -listen=*|--listen=*) port=${arg##*:} ;;
    -version|--version) echo "http-echo stand-in (seclab, busybox)"; exit 0 ;;
    *) echo "unknown flag: $arg" >&2; exit 2 ;;
  esac
done
if [ -z "$text" ]; then echo "Missing -text option!" >&2; exit 127; fi
export ECHO_TEXT="$text"
echo "server is listening on :$port"
exec nc -ll -p "$port" -e /http-echo-handler
"""

ECHO_HANDLER = """#!/bin/sh
# One connection: read the request line and headers, answer like http-echo.
read -r method path proto
while read -r line; do [ -z "${line%$'\\r'}" ] && break; done
echo "$method $path" >&2
if [ "$path" = /health ]; then body='{"status":"ok"}'; else body=$ECHO_TEXT; fi
printf 'HTTP/1.1 200 OK\\r\\nContent-Type: text/plain; charset=utf-8\\r\\n'
printf 'X-App-Name: http-echo\\r\\nConnection: close\\r\\n\\r\\n%s\\n' "$body"
"""

ACCOUNTS = {
    "etc/passwd": "root:x:0:0:root:/root:/bin/sh\n"
    "nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n"
    "nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n",
    "etc/group": "root:x:0:\nnonroot:x:65532:\nnobody:x:65534:\n",
}
DIRS = {"bin": 0o755, "sbin": 0o755, "usr/bin": 0o755, "usr/sbin": 0o755, "etc": 0o755,
        "root": 0o700, "home/nonroot": 0o755, "tmp": 0o1777, "proc": 0o555, "sys": 0o555,
        "dev": 0o755}  # fmt: skip


def find_busybox() -> Path | None:
    """The host's busybox binary (static, so it runs in an empty image), or None."""
    found = shutil.which("busybox") or ("/bin/busybox" if Path("/bin/busybox").exists() else None)
    return Path(found).resolve() if found else None


def _applet_paths(busybox: Path) -> list[str]:
    proc = subprocess.run(
        [str(busybox), "--list-full"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=10,
        check=True,
    )
    return [p for p in proc.stdout.split() if p and p != "bin/busybox"]


def _add_file(tar: tarfile.TarFile, name: str, data: bytes, mode: int, uid: int = 0) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.uid, info.gid = len(data), mode, uid, uid
    tar.addfile(info, io.BytesIO(data))


def busybox_rootfs(busybox: Path, *, with_echo: bool = False) -> bytes:
    """A tar of a minimal root file system: busybox, its applet links, accounts, (echo)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, mode in DIRS.items():
            info = tarfile.TarInfo(name)
            info.type, info.mode = tarfile.DIRTYPE, mode
            if name == "home/nonroot":
                info.uid = info.gid = 65532
            tar.addfile(info)
        _add_file(tar, "bin/busybox", busybox.read_bytes(), 0o755)
        for applet in _applet_paths(busybox):
            link = tarfile.TarInfo(applet)
            link.type, link.linkname, link.mode = tarfile.SYMTYPE, "/bin/busybox", 0o777
            tar.addfile(link)
        for name, text in ACCOUNTS.items():
            _add_file(tar, name, text.encode(), 0o644)
        if with_echo:
            _add_file(tar, "http-echo", ECHO_ENTRYPOINT.encode(), 0o755)
            _add_file(tar, "http-echo-handler", ECHO_HANDLER.encode(), 0o755)
    return buf.getvalue()


IMAGE_LABEL = "seclab.image"


def image_changes(image: str, *, with_echo: bool) -> list[str]:
    """Dockerfile instructions applied at import (what `docker import --change` takes)."""
    changes = [
        f"LABEL {IMAGE_LABEL}={image}",
        "LABEL org.opencontainers.image.source=seclab-offline",
    ]
    if with_echo:
        # Like the distroless original: non-root, port 5678, the flags as arguments.
        changes += [
            'ENTRYPOINT ["/http-echo"]',
            'CMD ["-text=hello-world"]',
            "EXPOSE 5678/tcp",
            "USER 65532:65532",
        ]
    else:
        changes += ['CMD ["sh"]']
    return changes


def is_dynamic(path: Path) -> bool:
    """True when the ELF file asks for an interpreter (PT_INTERP): not a static binary."""
    import struct

    with open(path, "rb") as elf:
        head = elf.read(64)
        if head[:4] != b"\x7fELF" or head[4] != 2:
            return False  # not a 64-bit ELF: no opinion
        (phoff,) = struct.unpack_from("<Q", head, 32)
        phentsize, phnum = struct.unpack_from("<HH", head, 54)
        elf.seek(phoff)
        table = elf.read(phentsize * phnum)
    return any(struct.unpack_from("<I", table, i * phentsize)[0] == 3 for i in range(phnum))
