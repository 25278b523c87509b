package servers

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// Machines runs an emulated cloud's instances for real, for tests in
// which nodes really boot: each instance is a container of the server
// image (ServerImage: sshd and its own dockerd) on a Docker network whose
// subnet is the emulated one, at the instance's private address, and its
// user data (the Base container's bootstrap) runs there once its dockerd
// answers, as cloud-init runs a script at first boot. The cloud emulators
// (Azure, OCI, OpenStack) share it; it drives the docker CLI.
type Machines struct {
	// Image is the server image.
	Image string
	// Load are images copied into each machine's dockerd (the Base
	// image: there is no registry to pull it from).
	Load []string
	// Network is the Docker network of the emulated subnet.
	Network string
	// Prefix names the containers (Prefix-vm-HASH) and labels them
	// vcc-test-machines=Prefix, for tests to find.
	Prefix string
	// Log, when set, gets what happened to each machine.
	Log func(format string, args ...any)

	ownNetwork bool
	mu         sync.Mutex
	made       map[string]bool // containers this value ran, for Close
}

// NewMachines returns Machines on network; with cidr it first makes that
// network with that subnet (its gateway, the first address, is where the
// machines reach this host), replacing one a killed run left.
func NewMachines(image string, load []string, prefix, network, cidr string) (*Machines, error) {
	m := &Machines{Image: image, Load: load, Network: network, Prefix: prefix}
	if cidr == "" {
		return m, nil
	}
	_ = exec.Command("docker", "network", "rm", network).Run()
	if out, err := exec.Command("docker", "network", "create", "--subnet", cidr, network).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("docker network create %s: %v: %s", network, err, out)
	}
	m.ownNetwork = true
	return m, nil
}

// Container is the name of an instance's machine.
func (m *Machines) Container(id string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(id)))
	return m.Prefix + "-vm-" + hex.EncodeToString(sum[:6])
}

// Boot starts the instance's machine: a stopped one again (its Base
// container comes back by its restart policy), or a new one whose user
// data (a script, or base64 of one) then runs. It returns when the
// machine runs and, on a first boot, its user data has run.
func (m *Machines) Boot(id, hostname, ip, userData string) error {
	err := m.boot(id, hostname, ip, userData)
	if err != nil {
		m.logf("machine of %s: boot: %v", id, err)
	}
	return err
}

func (m *Machines) boot(id, hostname, ip, userData string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c := m.Container(id)
	if _, err := docker(ctx, nil, "container", "inspect", c); err == nil {
		_, err := docker(ctx, nil, "start", c)
		return err
	}
	m.mu.Lock()
	if m.made == nil {
		m.made = map[string]bool{}
	}
	m.made[c] = true
	m.mu.Unlock()
	if _, err := docker(ctx, nil, "run", "-d", "--name", c, "--hostname", hostname, "--label", "vcc-test-machines="+m.Prefix,
		"--network", m.Network, "--ip", ip,
		"--cap-add=ALL", "--cap-drop=SYS_RESOURCE", "--security-opt", "seccomp=unconfined", "--security-opt", "apparmor=unconfined",
		"-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw", "-e", "VCC_TEST_DOCKER=1", "-e", "VCC_TEST_USER=vcc", m.Image); err != nil {
		return err
	}
	if err := waitDockerd(ctx, c); err != nil {
		return err
	}
	for _, image := range m.Load {
		img, err := exec.CommandContext(ctx, "docker", "save", image).Output()
		if err != nil {
			return fmt.Errorf("docker save %s: %w", image, err)
		}
		if _, err := docker(ctx, img, "exec", "-i", c, "docker", "load", "-q"); err != nil {
			return err
		}
	}
	script, err := base64.StdEncoding.DecodeString(userData)
	if err != nil {
		script = []byte(userData)
	}
	if len(script) == 0 {
		return nil
	}
	out, err := docker(ctx, script, "exec", "-i", c, "sh", "-c", "cat > /var/lib/user-data && sh /var/lib/user-data > /var/log/user-data.log 2>&1")
	m.logf("machine of %s ran its user data: %v %s", id, err, out)
	return err
}

// waitDockerd waits until the machine's Docker engine answers.
func waitDockerd(ctx context.Context, c string) error {
	for {
		if _, err := docker(ctx, nil, "exec", c, "docker", "info"); err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the machine's dockerd never answered: %w", ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// Running lists the containers of this Prefix that run (compare with
// Container(id)).
func (m *Machines) Running() (map[string]bool, error) {
	out, err := docker(context.Background(), nil, "ps", "--filter", "label=vcc-test-machines="+m.Prefix, "--format", "{{.Names}}")
	if err != nil {
		return nil, err
	}
	up := map[string]bool{}
	for _, n := range strings.Fields(out) {
		up[n] = true
	}
	return up, nil
}

// Halt stops the machine as a shutdown would (deallocated, stopped).
func (m *Machines) Halt(id string) error { return m.act(id, "stop", "-t", "1") }

// Kill stops the machine as a power cut would.
func (m *Machines) Kill(id string) error { return m.act(id, "kill") }

// Remove deletes the machine.
func (m *Machines) Remove(id string) error { return m.act(id, "rm", "-f", "-v") }

func (m *Machines) act(id string, args ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := docker(ctx, nil, append(args, m.Container(id))...)
	if err != nil {
		m.logf("machine of %s: %s: %v", id, args[0], err)
	}
	return err
}

// Close removes the machines it ran, and the network when NewMachines
// made it.
func (m *Machines) Close() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for c := range m.made {
		_ = exec.Command("docker", "rm", "-f", "-v", c).Run()
		delete(m.made, c)
	}
	if m.ownNetwork {
		_ = exec.Command("docker", "network", "rm", m.Network).Run()
	}
}

func (m *Machines) logf(format string, args ...any) {
	if m.Log != nil {
		m.Log(format, args...)
	}
}

func docker(ctx context.Context, stdin []byte, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "docker", args...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("docker %s: %w: %s", args[0], err, out)
	}
	return string(out), nil
}
