package osemu

import (
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/vccproject/vcc/proto/providertest/servers"
)

// VMs makes servers real: each server runs as a machine of
// servers.Machines (a container of Image, an "existing server" image with
// sshd and its own dockerd) on a Docker network of the emulator's
// network's subnet, at the server's fixed IP, and its user data runs
// there, so a Base container starts and its agent joins the controller.
// Power actions stop and start the machine; one that stops behind Nova's
// back makes its server SHUTOFF (as Nova's power-state sync does).
type VMs struct {
	// Image is the server image.
	Image string
	// Load are images copied into each server's dockerd (the Base image:
	// there is no registry).
	Load []string

	m *servers.Machines
}

// setUp makes the Docker network of cidr.
func (v *VMs) setUp(cidr string) error {
	var b [4]byte
	_, _ = rand.Read(b[:])
	m, err := servers.NewMachines(v.Image, v.Load, "osemu", "osemu-"+hex.EncodeToString(b[:]), cidr)
	v.m = m
	return err
}

// tearDown removes every VM and the network.
func (v *VMs) tearDown() { v.m.Close() }

// boot runs the server's machine at ip, waits for its dockerd, loads the
// images and runs the user data.
func (v *VMs) boot(serverID, hostname, ip, userData string) error {
	return v.m.Boot(serverID, hostname, ip, userData)
}

func (v *VMs) stop(serverID string) error { return v.m.Halt(serverID) }

// start boots the stopped machine again, until its dockerd answers.
func (v *VMs) start(serverID string) error { return v.m.Boot(serverID, "", "", "") }

func (v *VMs) remove(serverID string) { _ = v.m.Remove(serverID) } // gone either way

// running says which servers' machines run.
func (v *VMs) running(ids []string) (map[string]bool, error) {
	names, err := v.m.Running()
	if err != nil {
		return nil, err
	}
	up := map[string]bool{}
	for _, id := range ids {
		up[id] = names[v.m.Container(id)]
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
		c.mu.Lock()
		ids := make([]string, 0, len(c.servers))
		for id := range c.servers {
			ids = append(ids, id)
		}
		c.mu.Unlock()
		up, err := c.opts.VMs.running(ids)
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
