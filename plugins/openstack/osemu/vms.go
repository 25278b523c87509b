package osemu

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// VMs makes servers real: each server runs as a container of Image (an
// "existing server" image with sshd and its own dockerd, see
// proto/providertest/servers) on a Docker network of the emulator's
// network's subnet, at the server's fixed IP, and its user data runs
// there, so a Base container starts and its agent joins the controller.
// Power actions stop and start the container; a container that stops
// behind Nova's back makes its server SHUTOFF (as Nova's power-state
// sync does).
type VMs struct {
	// Image is the server image.
	Image string
	// Load are images copied into each server's dockerd (the Base image:
	// there is no registry).
	Load []string

	network string // the Docker network
	label   string
}

// vmReady is how long a VM may take to have its dockerd answer.
const vmReady = 90 * time.Second

func docker(ctx context.Context, stdin []byte, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "docker", args...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("docker %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}

// setUp makes the Docker network of cidr.
func (v *VMs) setUp(cidr string) error {
	var b [4]byte
	_, _ = rand.Read(b[:])
	v.network = "osemu-" + hex.EncodeToString(b[:])
	v.label = "osemu=" + v.network
	_, err := docker(context.Background(), nil, "network", "create", "--label", v.label, "--subnet", cidr, v.network)
	return err
}

// tearDown removes every VM and the network.
func (v *VMs) tearDown() {
	ctx := context.Background()
	if out, err := docker(ctx, nil, "ps", "-aq", "--filter", "label="+v.label); err == nil && strings.TrimSpace(out) != "" {
		_, _ = docker(ctx, nil, append([]string{"rm", "-f", "-v"}, strings.Fields(out)...)...) // best effort: the process is ending
	}
	_, _ = docker(ctx, nil, "network", "rm", v.network) // best effort, as above
}

func (v *VMs) name(serverID string) string { return "osemu-vm-" + serverID }

// boot runs the server's container at ip, waits for its dockerd, loads
// the images and runs the user data.
func (v *VMs) boot(serverID, hostname, ip, userData string) error {
	ctx, cancel := context.WithTimeout(context.Background(), vmReady)
	defer cancel()
	name := v.name(serverID)
	args := []string{"run", "-d", "--name", name, "--label", v.label, "--hostname", hostname, "--network", v.network, "--ip", ip,
		"--cap-add=ALL", "--cap-drop=SYS_RESOURCE", "--security-opt", "seccomp=unconfined", "--security-opt", "apparmor=unconfined",
		"-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw", "-e", "VCC_TEST_DOCKER=1", v.Image}
	if _, err := docker(ctx, nil, args...); err != nil {
		return err
	}
	if err := v.dockerd(ctx, name); err != nil {
		return err
	}
	for _, img := range v.Load {
		saved, err := exec.CommandContext(ctx, "docker", "save", img).Output()
		if err != nil {
			return fmt.Errorf("docker save %s: %w", img, err)
		}
		if _, err := docker(ctx, saved, "exec", "-i", name, "docker", "load", "-q"); err != nil {
			return err
		}
	}
	script, err := base64.StdEncoding.DecodeString(userData)
	if err != nil || len(script) == 0 {
		return nil // no user data: a server that runs nothing
	}
	_, err = docker(ctx, script, "exec", "-i", name, "sh", "-s")
	return err
}

// dockerd waits until the VM's Docker engine answers.
func (v *VMs) dockerd(ctx context.Context, name string) error {
	for {
		if _, err := docker(ctx, nil, "exec", name, "docker", "info"); err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the VM's dockerd did not start: %w", ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func (v *VMs) stop(serverID string) error {
	_, err := docker(context.Background(), nil, "stop", "-t", "5", v.name(serverID))
	return err
}

func (v *VMs) start(serverID string) error {
	ctx, cancel := context.WithTimeout(context.Background(), vmReady)
	defer cancel()
	if _, err := docker(ctx, nil, "start", v.name(serverID)); err != nil {
		return err
	}
	return v.dockerd(ctx, v.name(serverID))
}

func (v *VMs) remove(serverID string) {
	_, _ = docker(context.Background(), nil, "rm", "-f", "-v", v.name(serverID)) // gone either way
}

// running lists the servers whose container runs.
func (v *VMs) running() (map[string]bool, error) {
	out, err := docker(context.Background(), nil, "ps", "--filter", "label="+v.label, "--format", "{{.Names}}")
	if err != nil {
		return nil, err
	}
	up := map[string]bool{}
	for _, n := range strings.Fields(out) {
		up[strings.TrimPrefix(n, "osemu-vm-")] = true
	}
	return up, nil
}

// work runs slow work for s outside the lock, then done under it unless
// s moved on meanwhile (a VM booted for a server deleted since is
// removed again).
func (c *Cloud) work(s *server, slow func() error, done func(err error)) {
	s.gen++
	gen := s.gen
	go func() {
		err := slow()
		c.mu.Lock()
		defer c.mu.Unlock()
		switch {
		case c.servers[s.ID] == s && s.gen == gen:
			done(err)
			s.Updated = time.Now().UTC()
		case c.servers[s.ID] == nil && c.opts.VMs != nil:
			go c.opts.VMs.remove(s.ID)
		}
	}()
}

// transition is a power action: the VM's when servers are real, else
// the state after StopDelay.
func (c *Cloud) transition(s *server, action, to string) {
	v := c.opts.VMs
	if v == nil {
		c.after(s, c.opts.StopDelay, func() { s.Status, s.TaskState = to, "" })
		return
	}
	slow := map[string]func() error{
		"start":  func() error { return v.start(s.ID) },
		"stop":   func() error { return v.stop(s.ID) },
		"reboot": func() error { _ = v.stop(s.ID); return v.start(s.ID) },
	}[action]
	c.work(s, slow, func(err error) {
		if err != nil {
			s.Status, s.TaskState = "ERROR", ""
			s.Fault = &fault{Code: 500, Message: action + " failed: " + err.Error(), Created: stamp(time.Now())}
			return
		}
		s.Status, s.TaskState = to, ""
	})
}

// powerSync makes a server whose VM stopped behind Nova's back SHUTOFF,
// every second, as Nova's power-state sync does.
func (c *Cloud) powerSync() {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-c.stopVMs:
			return
		case <-tick.C:
		}
		up, err := c.opts.VMs.running()
		if err != nil {
			continue
		}
		c.mu.Lock()
		for _, s := range c.servers {
			if s.booted && s.Status == "ACTIVE" && s.TaskState == "" && !up[s.ID] {
				s.Status, s.gen, s.Updated = "SHUTOFF", s.gen+1, time.Now().UTC()
			}
		}
		c.mu.Unlock()
	}
}
