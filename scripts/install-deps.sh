#!/usr/bin/env bash
# Debian packages the tests use: the FUSE tools, dosfstools and mtools (FAT oracles), attr, fio,
# rsync and python3 (xattr copies and ioctl calls in the Windows-semantics tests); systemd
# (systemd-analyze verify of the unit file) and passwd (useradd for the unprivileged-mount tests);
# acl (setfacl/getfacl) and e2fsprogs (lsattr/chattr) for the tmpfs-parity tests.
set -euo pipefail
need=()
command -v fusermount3 >/dev/null || need+=(fuse3)
command -v mkfs.fat >/dev/null || need+=(dosfstools)
command -v mcopy >/dev/null || need+=(mtools)
command -v getfattr >/dev/null || need+=(attr)
command -v fio >/dev/null || need+=(fio)
command -v rsync >/dev/null || need+=(rsync)
command -v python3 >/dev/null || need+=(python3)
command -v systemd-analyze >/dev/null || need+=(systemd)
command -v useradd >/dev/null || need+=(passwd)
command -v setfacl >/dev/null || need+=(acl)
command -v lsattr >/dev/null || need+=(e2fsprogs)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "memefs tests need: ${need[*]} (run: sudo apt-get install -y ${need[*]})" >&2
    exit 1
  fi
  echo "installing ${need[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
