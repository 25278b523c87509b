// Package bootstrap renders the script that prepares an existing server
// as an onpremises node: Docker installed, the login user with the
// controller's key and Docker access, sshd also listening on 20022.
package bootstrap

import (
	"fmt"
	"regexp"
	"strings"
)

var userRE = regexp.MustCompile(`^[a-z_][a-z0-9_.-]{0,31}$`)

// Options shape the script.
type Options struct {
	User      string // login user the controller uses (spec.user_name)
	SSHPort   int    // the port sshd must also listen on (spec.ssh_port)
	PublicKey string // the controller's authorized_keys line
}

// Script returns the shell script, or an error naming the bad option.
func Script(o Options) (string, error) {
	if !userRE.MatchString(o.User) {
		return "", fmt.Errorf("user %q is not a Linux user name (e.g. vcp, ubuntu)", o.User)
	}
	if o.SSHPort < 1 || o.SSHPort > 65535 {
		return "", fmt.Errorf("ssh port %d is not a TCP port", o.SSHPort)
	}
	if !strings.HasPrefix(o.PublicKey, "ssh-") || strings.ContainsAny(o.PublicKey, "'\n") {
		return "", fmt.Errorf("the controller's public key is malformed")
	}
	return fmt.Sprintf(script, o.User, o.SSHPort, o.PublicKey), nil
}

// script is idempotent: running it twice changes nothing more.
const script = `#!/bin/sh
# Prepare this server as a vcc onpremises node. Run as root, e.g.
#   vcc-host onpremises bootstrap --user vcp | ssh root@SERVER sh
set -eu
USER_NAME='%s'
SSH_PORT=%d
KEY='%s'

# 1. Docker
if ! command -v docker >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker.io
  else
    curl -fsSL https://get.docker.com | sh
  fi
fi
systemctl enable --now docker >/dev/null 2>&1 || service docker start >/dev/null 2>&1 || true

# 2. The login user: the controller's key, and Docker without a password
id "$USER_NAME" >/dev/null 2>&1 || useradd -m -s /bin/sh "$USER_NAME"
home=$(getent passwd "$USER_NAME" | cut -d: -f6)
install -d -m 700 -o "$USER_NAME" "$home/.ssh"
touch "$home/.ssh/authorized_keys"
grep -qxF "$KEY" "$home/.ssh/authorized_keys" || printf '%%s\n' "$KEY" >> "$home/.ssh/authorized_keys"
chown "$USER_NAME" "$home/.ssh/authorized_keys" && chmod 600 "$home/.ssh/authorized_keys"
getent group docker >/dev/null || groupadd docker
usermod -aG docker "$USER_NAME"

# 3. sshd also on $SSH_PORT: a Base container may take port 22. Port 22
# is kept, so no one is locked out.
conf=/etc/ssh/sshd_config
if [ -f "$conf" ] && ! grep -qE "^Port $SSH_PORT\$" "$conf"; then
  grep -qE '^Port ' "$conf" || echo 'Port 22' >> "$conf"
  echo "Port $SSH_PORT" >> "$conf"
  systemctl restart ssh >/dev/null 2>&1 || systemctl restart sshd >/dev/null 2>&1 || service ssh restart >/dev/null 2>&1 || true
fi
echo "vcc: ready; use spec user_name=$USER_NAME, ssh_port=$SSH_PORT and this server's address in ip_addresses"
`
