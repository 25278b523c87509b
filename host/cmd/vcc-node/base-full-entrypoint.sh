#!/bin/sh
# Entry point of the full Base image: keys, sshd, dockerd, then vcc-node.
set -eu
if [ -n "${AUTHORIZED_KEYS:-}" ]; then
  echo "$AUTHORIZED_KEYS" | base64 -d > /root/.ssh/authorized_keys
  chmod 600 /root/.ssh/authorized_keys
fi
ssh-keygen -A >/dev/null 2>&1
/usr/sbin/sshd -o PasswordAuthentication=no
# Docker-in-Docker needs the container to be privileged.
(dockerd >/var/log/dockerd.log 2>&1 &) || true
exec /usr/local/bin/vcc-node
