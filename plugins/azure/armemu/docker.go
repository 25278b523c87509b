package armemu

import (
	"log"

	"github.com/vccproject/vcc/proto/providertest/servers"
)

// Docker runs each VM as a machine of servers.Machines (a container of
// the "existing server" image at its NIC's address, running its custom
// data), so a node really boots, starts its Base container and joins the
// controller. Its calls return at once, as a Runner's must: Azure's VM is
// "running" long before its OS has booted, as here.
type Docker struct{ *servers.Machines }

// NewDocker makes the Docker network name with subnet cidr (gateway: its
// first address, where the VMs reach this machine).
func NewDocker(image, baseImage, name, cidr string) (*Docker, error) {
	var load []string
	if baseImage != "" {
		load = []string{baseImage}
	}
	m, err := servers.NewMachines(image, load, "armemu", name, cidr)
	if err != nil {
		return nil, err
	}
	m.Log = log.Printf
	return &Docker{m}, nil
}

// Boot starts (or restarts) the VM's machine in the background.
func (d *Docker) Boot(id, name, ip, customData string) error {
	go func() { _ = d.Machines.Boot(id, name, ip, customData) }() // logged by Machines
	return nil
}

// Halt stops the machine (deallocated, stopped, evicted).
func (d *Docker) Halt(id string) { go func() { _ = d.Machines.Halt(id) }() }

// Remove deletes the machine.
func (d *Docker) Remove(id string) { go func() { _ = d.Machines.Remove(id) }() }
