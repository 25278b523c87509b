package armemu

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// Docker runs each VM as a container of an "existing server" image
// (sshd and dockerd inside, see proto/providertest/servers) on a Docker
// network whose subnet is the emulated subnet, at its NIC's address, and
// runs the VM's custom data there as cloud-init would run a script: so a
// node really boots, starts its Base container and joins the controller.
type Docker struct {
	// Image is the server image; BaseImage is loaded into each VM's
	// dockerd (there is no registry here).
	Image, BaseImage string
	// Network is the Docker network of the emulated subnet.
	Network string

	mu    sync.Mutex
	names map[string]string // VM id -> container
}

// NewDocker makes the Docker network name with subnet cidr (gateway:
// its first address, where the VMs reach this machine).
func NewDocker(image, baseImage, name, cidr string) (*Docker, error) {
	_ = exec.Command("docker", "network", "rm", name).Run() // one left by a killed run
	if out, err := exec.Command("docker", "network", "create", "--subnet", cidr, name).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("docker network create %s: %v: %s", name, err, out)
	}
	return &Docker{Image: image, BaseImage: baseImage, Network: name, names: map[string]string{}}, nil
}

// Close removes the VMs' containers and the network.
func (d *Docker) Close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for id, c := range d.names {
		_ = exec.Command("docker", "rm", "-f", "-v", c).Run()
		delete(d.names, id)
	}
	_ = exec.Command("docker", "network", "rm", d.Network).Run()
}

func container(id string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(id)))
	return "armemu-vm-" + hex.EncodeToString(sum[:6])
}

// Boot starts the container in the background: Azure's VM is "running"
// long before its OS has booted, as here.
func (d *Docker) Boot(id, name, ip, customData string) error {
	c := container(id)
	d.mu.Lock()
	_, known := d.names[id]
	d.names[id] = c
	d.mu.Unlock()
	go func() {
		if err := d.boot(c, name, ip, customData, known); err != nil {
			log.Printf("armemu: VM %s: %v", name, err)
		}
	}()
	return nil
}

func (d *Docker) boot(c, name, ip, customData string, known bool) error {
	if known && exec.Command("docker", "start", c).Run() == nil {
		return nil // a start after a deallocate: the Base container comes back by its restart policy
	}
	args := []string{"run", "-d", "--name", c, "--label", "vcc-test=armemu", "--hostname", name, "--network", d.Network, "--ip", ip,
		"--cap-add=ALL", "--cap-drop=SYS_RESOURCE", "--security-opt", "seccomp=unconfined", "--security-opt", "apparmor=unconfined",
		"-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw", "-e", "VCC_TEST_DOCKER=1", "-e", "VCC_TEST_USER=vcc", d.Image}
	if out, err := exec.Command("docker", args...).CombinedOutput(); err != nil {
		return fmt.Errorf("docker run: %v: %s", err, out)
	}
	deadline := time.Now().Add(60 * time.Second)
	for exec.Command("docker", "exec", c, "docker", "info").Run() != nil {
		if time.Now().After(deadline) {
			return fmt.Errorf("dockerd of %s did not start", c)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if d.BaseImage != "" {
		if out, err := exec.Command("sh", "-c", fmt.Sprintf("docker save %s | docker exec -i %s docker load -q", d.BaseImage, c)).CombinedOutput(); err != nil {
			return fmt.Errorf("load %s: %v: %s", d.BaseImage, err, out)
		}
	}
	cmd := exec.Command("docker", "exec", "-i", c, "sh", "-c", "cat > /var/lib/user-data && sh /var/lib/user-data > /var/log/user-data.log 2>&1")
	cmd.Stdin = strings.NewReader(customData)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("custom data: %v: %s", err, out)
	}
	return nil
}

// Halt stops the container (deallocated, stopped, evicted).
func (d *Docker) Halt(id string) {
	go func() { _ = exec.Command("docker", "stop", "-t", "1", container(id)).Run() }()
}

// Remove deletes the container.
func (d *Docker) Remove(id string) {
	d.mu.Lock()
	delete(d.names, id)
	d.mu.Unlock()
	go func() { _ = exec.Command("docker", "rm", "-f", "-v", container(id)).Run() }()
}
