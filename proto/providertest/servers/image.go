// Package servers runs "existing servers" for the onpremises tests: Debian
// containers on the real Docker engine with sshd on 20022 and their own
// dockerd inside, so a Base container started there with --net=host lives
// in that server's network, as on a real host. No registry is needed: the
// server image is debootstrapped and imported, the Base image is built
// FROM scratch.
package servers

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/vccproject/vcc/proto/providertest"
)

// packages installed in the server image.
const packages = "openssh-server,sudo,docker.io,iproute2,procps"

// entrypoint prepares the login user from the environment, then runs
// sshd on 20022 and (unless VCC_TEST_DOCKER=0) dockerd.
const entrypoint = `#!/bin/sh
set -e
U=${VCC_TEST_USER:-vcp}
id "$U" >/dev/null 2>&1 || useradd -m -s /bin/sh "$U"
usermod -p '*' "$U"
mkdir -p /home/$U/.ssh
printf '%s\n' "$VCC_TEST_AUTHORIZED_KEY" > /home/$U/.ssh/authorized_keys
chown -R "$U" /home/$U/.ssh && chmod 700 /home/$U/.ssh && chmod 600 /home/$U/.ssh/authorized_keys
[ "$VCC_TEST_DOCKER_GROUP" = 1 ] && usermod -aG docker "$U"
[ "$VCC_TEST_SUDO" = 1 ] && echo "$U ALL=(ALL) NOPASSWD:ALL" > /etc/sudoers.d/$U
ssh-keygen -A >/dev/null
mkdir -p /run/sshd
/usr/sbin/sshd -p ${VCC_TEST_SSH_PORT:-20022} -o PasswordAuthentication=no
if [ "$VCC_TEST_DOCKER" != 0 ]; then
  # A machine killed (a power cut) leaves dockerd's pid file; at the
  # next start no dockerd runs, but a new one whose pid matches the file
  # would refuse to start.
  rm -f /var/run/docker.pid /var/run/docker/containerd/containerd.pid
  dockerd --storage-driver=vfs --iptables=false --bridge=none --ip-masq=false >/var/log/dockerd.log 2>&1 &
else
  rm -f /usr/bin/docker /usr/sbin/dockerd
fi
exec sleep infinity
`

// ServerImage returns the server image, building it once per machine (a
// minute: debootstrap from Debian's mirror). Without debootstrap or root
// the test is skipped, except in CI where that is a failure.
func ServerImage(t testing.TB) string {
	t.Helper()
	sum := sha256.Sum256([]byte(packages + entrypoint))
	tag := "vcc-test/server:" + hex.EncodeToString(sum[:6])
	if exec.Command("docker", "image", "inspect", tag).Run() == nil {
		return tag
	}
	providertest.Require(t, exec.Command("docker", "version").Run() == nil, "the Docker engine")
	_, err := exec.LookPath("debootstrap")
	providertest.Require(t, err == nil && os.Geteuid() == 0, "debootstrap run as root (apt-get install debootstrap)")
	// One build at a time across test processes.
	lock, err := os.OpenFile(filepath.Join(os.TempDir(), "vcc-test-server.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = lock.Close() }() // closing releases the lock
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	if exec.Command("docker", "image", "inspect", tag).Run() == nil {
		return tag
	}
	root, err := os.MkdirTemp("/var/tmp", "vcc-server-root-")
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := os.RemoveAll(root); err != nil {
			t.Logf("remove %s: %v", root, err)
		}
	}()
	t.Logf("building %s with debootstrap (about a minute, once per machine)", tag)
	run(t, "debootstrap", "--variant=minbase", "--include="+packages, "bookworm", root, "http://deb.debian.org/debian")
	if err := os.WriteFile(filepath.Join(root, "usr/local/bin/vcc-test-server"), []byte(entrypoint), 0o755); err != nil {
		t.Fatal(err)
	}
	sh := fmt.Sprintf("tar -C %s -c . | docker import --change 'ENTRYPOINT [\"/usr/local/bin/vcc-test-server\"]' - %s", root, tag)
	run(t, "sh", "-c", sh)
	return tag
}

// BaseImage builds the default Base image (FROM scratch plus the vcc-node
// binary at agent) under tag.
func BaseImage(t testing.TB, agent, tag string) {
	t.Helper()
	dir := t.TempDir()
	raw, err := os.ReadFile(agent)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "vcc-node"), raw, 0o755); err != nil {
		t.Fatal(err)
	}
	df := "FROM scratch\nCOPY vcc-node /vcc-node\nENTRYPOINT [\"/vcc-node\"]\n"
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(df), 0o644); err != nil {
		t.Fatal(err)
	}
	run(t, "docker", "build", "-q", "-t", tag, dir)
}

func run(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}
