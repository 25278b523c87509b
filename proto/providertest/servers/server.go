package servers

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Options shape one server.
type Options struct {
	User          string // login user, default "vcp"
	AuthorizedKey string // authorized_keys line for User
	DockerGroup   bool   // User may open the Docker socket
	Sudo          bool   // User may sudo without a password
	NoDocker      bool   // no Docker on this server
	// BaseImage is loaded into the server's dockerd.
	BaseImage string
}

// Server is one running existing server.
type Server struct {
	Name, IP string
	t        testing.TB
}

// SSHPort is where the servers' sshd listens (upstream's 20022).
const SSHPort = 20022

// Start runs a server until the test ends.
func Start(t testing.TB, o Options) *Server {
	t.Helper()
	image := ServerImage(t)
	if o.User == "" {
		o.User = "vcp"
	}
	var b [4]byte
	rand.Read(b[:])
	s := &Server{Name: "vcc-test-srv-" + hex.EncodeToString(b[:]), t: t}
	args := []string{"run", "-d", "--name", s.Name, "--label", "vcc-test=server", "--hostname", s.Name,
		// --privileged fails here (no CAP_SYS_RESOURCE in the sandbox);
		// every other capability is enough for a dockerd inside.
		"--cap-add=ALL", "--cap-drop=SYS_RESOURCE", "--security-opt", "seccomp=unconfined", "--security-opt", "apparmor=unconfined",
		"-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw",
		"-e", "VCC_TEST_USER=" + o.User, "-e", "VCC_TEST_AUTHORIZED_KEY=" + o.AuthorizedKey,
		"-e", "VCC_TEST_DOCKER_GROUP=" + flag(o.DockerGroup), "-e", "VCC_TEST_SUDO=" + flag(o.Sudo),
		"-e", "VCC_TEST_DOCKER=" + flag(!o.NoDocker), image}
	run(t, "docker", args...)
	t.Cleanup(func() {
		if out, err := exec.Command("docker", "rm", "-f", "-v", s.Name).CombinedOutput(); err != nil {
			t.Logf("remove server %s: %v: %s", s.Name, err, out)
		}
	})
	s.IP = strings.TrimSpace(run(t, "docker", "inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", s.Name))
	deadline := time.Now().Add(60 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", s.Addr(), time.Second)
		if err == nil {
			_ = c.Close() // a probe: it connected, that was the question
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("server %s: sshd not up: %v\n%s", s.Name, err, s.logs())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if o.NoDocker {
		return s
	}
	for exec.Command("docker", "exec", s.Name, "docker", "info").Run() != nil {
		if time.Now().After(deadline) {
			t.Fatalf("server %s: dockerd not up\n%s", s.Name, s.Exec("cat", "/var/log/dockerd.log"))
		}
		time.Sleep(200 * time.Millisecond)
	}
	if o.BaseImage != "" {
		run(t, "sh", "-c", fmt.Sprintf("docker save %s | docker exec -i %s docker load -q", o.BaseImage, s.Name))
	}
	return s
}

// Addr is the server's sshd address.
func (s *Server) Addr() string { return net.JoinHostPort(s.IP, fmt.Sprint(SSHPort)) }

// Exec runs a command in the server and returns its output.
func (s *Server) Exec(args ...string) string {
	out, err := exec.Command("docker", append([]string{"exec", s.Name}, args...)...).CombinedOutput()
	if err != nil {
		s.t.Logf("docker exec %s %v: %v\n%s", s.Name, args, err, out)
	}
	return string(out)
}

// Docker runs a docker command on the server's own engine.
func (s *Server) Docker(args ...string) string { return s.Exec(append([]string{"docker"}, args...)...) }

// RotateHostKeys gives the server new host keys, as a reinstall would.
func (s *Server) RotateHostKeys() {
	s.Exec("sh", "-c", "rm -f /etc/ssh/ssh_host_* && ssh-keygen -A >/dev/null && pkill -HUP -x sshd")
	time.Sleep(300 * time.Millisecond)
}

// Gateway is the address the servers reach the test machine at: the
// default bridge's address on this machine (docker network inspect often
// leaves the gateway out).
func Gateway(t testing.TB) string {
	t.Helper()
	if ifc, err := net.InterfaceByName("docker0"); err == nil {
		addrs, _ := ifc.Addrs()
		for _, a := range addrs {
			if ipn, ok := a.(*net.IPNet); ok && ipn.IP.To4() != nil {
				return ipn.IP.String()
			}
		}
	}
	gw := strings.TrimSpace(run(t, "docker", "network", "inspect", "-f", "{{range .IPAM.Config}}{{.Gateway}}{{end}}", "bridge"))
	if gw == "" {
		t.Fatal("cannot tell the Docker bridge's gateway address (no docker0, no IPAM gateway)")
	}
	return gw
}

func (s *Server) logs() string {
	out, _ := exec.Command("docker", "logs", s.Name).CombinedOutput()
	return string(out)
}

func flag(b bool) string {
	if b {
		return "1"
	}
	return "0"
}
