// Package basecontainer describes the Base container every node runs (the
// upstream "docker run --privileged --net=host ..." with its environment)
// once, for every provider: as docker run arguments (existing servers) or
// as a cloud-init script (cloud VMs).
package basecontainer

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/vccproject/vcc/proto/provider"
)

// DefaultImage is the Base image when the spec names none.
const DefaultImage = "vcc/base:latest"

// Labels every Base container carries.
const (
	LabelControllerID = "vcc.controller_id"
	LabelNodeID       = "vcc.node_id"
)

// Spec is the part of a unit spec that shapes the Base container.
type Spec struct {
	Image           string   `json:"image"`
	ParamsV         []string `json:"params_v"`
	ParamsE         []string `json:"params_e"`
	SSHPublicKey    string   `json:"ssh_public_key"`
	DNS             []string `json:"dns"`
	DNSSearch       []string `json:"dns_search"`
	DNSOpt          []string `json:"dns_opt"`
	Hostname        string   `json:"hostname"`
	AddHost         []string `json:"add_host"`
	GPUs            string   `json:"gpus"`
	UserInitCommand string   `json:"user_init_command"`
	// Privileged is on unless the spec turns it off.
	Privileged *bool `json:"privileged"`
}

// Parse reads the Base container fields of a spec.
func Parse(raw json.RawMessage) (Spec, error) {
	var s Spec
	if len(raw) == 0 {
		return s, nil
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return s, fmt.Errorf("spec: %w", err)
	}
	return s, nil
}

// Name is the container's name on its host: it contains the node id.
func Name(nodeID string) string { return "vcc-base-" + nodeID }

// Env is the container's environment, upstream's names included so
// upstream Base images keep working.
func Env(s Spec, env provider.CallEnv, node provider.NodeRef, privateIP string) []string {
	out := []string{
		"VCC_NODE_ID=" + node.NodeID, "SERF_NODE_ID=" + node.NodeID,
		"VCC_CONTROLLER_ID=" + env.ControllerID, "VCCC_ID=" + env.ControllerID,
	}
	if env.ControllerAddress != "" {
		out = append(out, "VCC_CONTROLLER_ADDR="+env.ControllerAddress, "VCCCTR_IPADDR="+env.ControllerAddress)
	}
	if env.ControllerSerfPort != 0 {
		out = append(out, fmt.Sprintf("VCC_CONTROLLER_SERF_PORT=%d", env.ControllerSerfPort))
	}
	if len(env.SerfKey) > 0 {
		out = append(out, "VCC_SERF_KEY="+base64.StdEncoding.EncodeToString(env.SerfKey))
	}
	if privateIP != "" {
		out = append(out, "MY_PRIVATE_IP="+privateIP, "PRIVATE_IP="+privateIP)
	}
	if s.SSHPublicKey != "" {
		out = append(out, "AUTHORIZED_KEYS="+base64.StdEncoding.EncodeToString([]byte(s.SSHPublicKey)))
	}
	if s.UserInitCommand != "" {
		out = append(out, "USER_INIT_COMMAND="+base64.StdEncoding.EncodeToString([]byte(s.UserInitCommand)))
	}
	return append(out, s.ParamsE...)
}

// Container is the Base container in structured form, for the Docker
// Engine API; RunArgs renders the same thing for the docker CLI.
type Container struct {
	Name       string
	Image      string
	Env        []string
	Labels     map[string]string
	Binds      []string
	DNS        []string
	DNSSearch  []string
	DNSOptions []string
	ExtraHosts []string
	Hostname   string
	GPUs       string
	Privileged bool
	// Restart is the restart policy: the container comes back after a
	// host reboot, but not after an explicit stop (power off).
	Restart string
}

// Build describes the Base container of node on its host.
func Build(s Spec, env provider.CallEnv, node provider.NodeRef, privateIP string) Container {
	image := s.Image
	if image == "" {
		image = DefaultImage
	}
	return Container{
		Name: Name(node.NodeID), Image: image, Env: Env(s, env, node, privateIP),
		Labels: map[string]string{LabelControllerID: env.ControllerID, LabelNodeID: node.NodeID},
		Binds:  append([]string{"/dev:/dev"}, s.ParamsV...), DNS: s.DNS, DNSSearch: s.DNSSearch, DNSOptions: s.DNSOpt,
		ExtraHosts: s.AddHost, Hostname: s.Hostname, GPUs: s.GPUs, Privileged: s.Privileged == nil || *s.Privileged, Restart: "unless-stopped",
	}
}

// RunArgs are the arguments after "docker run".
func RunArgs(s Spec, env provider.CallEnv, node provider.NodeRef, privateIP string) []string {
	c := Build(s, env, node, privateIP)
	args := []string{"-d", "--name", c.Name, "--restart", c.Restart}
	if c.Privileged {
		args = append(args, "--privileged")
	}
	args = append(args, "--net=host", "--label", LabelControllerID+"="+c.Labels[LabelControllerID], "--label", LabelNodeID+"="+c.Labels[LabelNodeID])
	for _, e := range c.Env {
		args = append(args, "-e", e)
	}
	for _, v := range c.Binds {
		args = append(args, "-v", v)
	}
	for _, d := range c.DNS {
		args = append(args, "--dns", d)
	}
	for _, d := range c.DNSSearch {
		args = append(args, "--dns-search", d)
	}
	for _, d := range c.DNSOptions {
		args = append(args, "--dns-opt", d)
	}
	for _, h := range c.ExtraHosts {
		args = append(args, "--add-host", h)
	}
	if c.Hostname != "" {
		args = append(args, "--hostname", c.Hostname)
	}
	if c.GPUs != "" {
		args = append(args, "--gpus", c.GPUs)
	}
	return append(args, c.Image)
}

// CloudInit is user data for a cloud VM: a shell script that makes sure
// Docker runs and starts the Base container, so the node joins by itself.
// The private IP is the VM's own, read at boot.
func CloudInit(s Spec, env provider.CallEnv, node provider.NodeRef) string {
	args := RunArgs(s, env, node, "")
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = shellQuote(a)
	}
	var b strings.Builder
	b.WriteString("#!/bin/sh\n# vcc node bootstrap: start the Base container of node " + node.NodeID + "\nset -eu\n")
	b.WriteString("command -v docker >/dev/null 2>&1 || { curl -fsSL https://get.docker.com | sh; }\n")
	b.WriteString("systemctl enable --now docker 2>/dev/null || service docker start || true\n")
	b.WriteString("ip=$(hostname -I | awk '{print $1}')\n")
	b.WriteString("docker rm -f " + shellQuote(Name(node.NodeID)) + " >/dev/null 2>&1 || true\n")
	b.WriteString("docker run -e MY_PRIVATE_IP=\"$ip\" -e PRIVATE_IP=\"$ip\" " + strings.Join(quoted, " ") + "\n")
	return b.String()
}

func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return r != '-' && r != '_' && r != '.' && r != '/' && r != ':' && r != '=' && r != ',' &&
			(r < 'a' || r > 'z') && (r < 'A' || r > 'Z') && (r < '0' || r > '9')
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'"
}

// SortedLabels renders labels for logs and tests.
func SortedLabels(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}
