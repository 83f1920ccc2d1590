#!/usr/bin/env bash
# Debian packages the tests use: the FUSE tools, dosfstools and mtools (FAT oracles), attr, fio,
# rsync and python3 (xattr copies and ioctl calls in the Windows-semantics tests); systemd
# (systemd-analyze verify of the unit file) and passwd (useradd for the unprivileged-mount tests);
# acl (setfacl/getfacl) and e2fsprogs (lsattr/chattr) for the tmpfs-parity tests; samba, smbclient,
# libnss-wrapper and iproute2 (the --share tests: a private smbd, a real SMB client, users without
# /etc/passwd, smbcacls on port 445 in a network namespace of its own); ntfs-3g (ntfs-3g, lowntfs-3g,
# mkntfs and ntfscat: the differential test runs the same script on ntfs-3g and on memefs; the $UpCase
# table and ignore_case that -i is checked against).
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
command -v smbd >/dev/null || need+=(samba)
command -v smbclient >/dev/null || need+=(smbclient)
command -v ip >/dev/null || need+=(iproute2)
command -v mkntfs >/dev/null || command -v /usr/sbin/mkntfs >/dev/null || need+=(ntfs-3g)
[ -n "$(ls /usr/lib/*/libnss_wrapper.so /usr/lib64/libnss_wrapper.so 2>/dev/null)" ] || need+=(libnss-wrapper)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "memefs tests need: ${need[*]} (run: sudo apt-get install -y ${need[*]})" >&2
    exit 1
  fi
  echo "installing ${need[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
