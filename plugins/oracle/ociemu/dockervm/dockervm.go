// Package dockervm runs the emulator's instances for real, for tests in
// which nodes really boot: each instance is a container of the "existing
// server" test image (sshd and its own dockerd, see proto/providertest/
// servers) on a Docker network whose subnet is the emulated subnet, at
// the instance's private IP, and its user data (the Base container's
// bootstrap script) runs in it once its dockerd answers, as cloud-init
// would at first boot. It drives the docker CLI.
package dockervm

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// Machines implements ociemu.Machines with containers.
type Machines struct {
	// Network is the Docker network (its subnet the emulated subnet).
	Network string
	// Image is the server image; BaseImage, when set, is loaded into each
	// machine's dockerd (there is no registry to pull it from).
	Image, BaseImage string
	// Log gets what happened to each machine.
	Log func(format string, args ...any)
}

// name is the container of an instance.
func name(instanceID string) string {
	if i := strings.LastIndexByte(instanceID, '.'); i >= 0 && len(instanceID)-i > 13 {
		return "ociemu-vm-" + instanceID[i+1:i+13]
	}
	return "ociemu-vm-" + instanceID
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

func (m *Machines) logf(format string, args ...any) {
	if m.Log != nil {
		m.Log(format, args...)
	}
}

// Boot starts the instance's machine: a stopped one again, or a new one
// whose user data then runs.
func (m *Machines) Boot(instanceID, privateIP, userData string) error {
	err := m.boot(instanceID, privateIP, userData)
	if err != nil {
		m.logf("dockervm: boot %s: %v", instanceID, err)
	}
	return err
}

func (m *Machines) boot(instanceID, privateIP, userData string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c := name(instanceID)
	if _, err := docker(ctx, nil, "container", "inspect", c); err == nil {
		_, err := docker(ctx, nil, "start", c)
		return err
	}
	if _, err := docker(ctx, nil, "run", "-d", "--name", c, "--hostname", c, "--label", "ociemu=vm",
		"--network", m.Network, "--ip", privateIP,
		"--cap-add=ALL", "--cap-drop=SYS_RESOURCE", "--security-opt", "seccomp=unconfined", "--security-opt", "apparmor=unconfined",
		"-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw", "-e", "VCC_TEST_DOCKER=1", m.Image); err != nil {
		return err
	}
	for {
		if _, err := docker(ctx, nil, "exec", c, "docker", "info"); err == nil {
			break
		}
		if ctx.Err() != nil {
			return fmt.Errorf("the machine's dockerd never answered: %w", ctx.Err())
		}
		time.Sleep(200 * time.Millisecond)
	}
	if m.BaseImage != "" {
		img, err := exec.CommandContext(ctx, "docker", "save", m.BaseImage).Output()
		if err != nil {
			return fmt.Errorf("docker save %s: %w", m.BaseImage, err)
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
	out, err := docker(ctx, script, "exec", "-i", c, "sh", "-s")
	m.logf("dockervm: %s ran its user data: %v %s", instanceID, err, out)
	return err
}

// Stop stops the machine (kill: it is a power cut), or removes it.
func (m *Machines) Stop(instanceID string, remove bool) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var err error
	if remove {
		_, err = docker(ctx, nil, "rm", "-f", "-v", name(instanceID))
	} else {
		_, err = docker(ctx, nil, "kill", name(instanceID))
	}
	if err != nil {
		m.logf("dockervm: stop %s: %v", instanceID, err)
	}
	return err
}
