// Package dotenv reads the deployment's .env (KEY=VALUE lines, as docker
// compose does) and checks the values vcc uses, naming the variable, the
// line and an example when one is missing or malformed.
package dotenv

import (
	"bufio"
	"fmt"
	"net/netip"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// Values of the variables vcc reads.
type Values struct {
	// HasGrafanaPassword is set when .env (or the environment) has
	// GRAFANA_ADMIN_PASSWORD; vcc-host never stores it.
	HasGrafanaPassword bool
	// PrivateIPMask is VCP_VCC_PRIVATE_IPMASK: the controller's address as
	// nodes reach it, with its network (10.0.2.15/24).
	PrivateIPMask netip.Prefix
	// Registry is VCP_OFFICIAL_REGISTRY_ADDRESS: where Base images come from.
	Registry string
}

// Addr is the controller's address for nodes, or "" when not set.
func (v Values) Addr() string {
	if !v.PrivateIPMask.IsValid() {
		return ""
	}
	return v.PrivateIPMask.Addr().String()
}

var registryRE = regexp.MustCompile(`^[a-zA-Z0-9.-]+(:[0-9]{1,5})?(/[a-zA-Z0-9._/-]+)?$`)

// vars lists what is checked, with an example for the error.
var vars = []struct{ name, example string }{
	{"VCP_VCC_PRIVATE_IPMASK", "VCP_VCC_PRIVATE_IPMASK=10.0.2.15/24"},
	{"VCP_OFFICIAL_REGISTRY_ADDRESS", "VCP_OFFICIAL_REGISTRY_ADDRESS=harbor.vcloud.nii.ac.jp"},
}

// Load reads path (when it exists) and the process environment, which
// wins, as compose does. With require, a missing variable is an error;
// a malformed one always is.
func Load(path string, require bool) (Values, error) {
	file, lines, err := parse(path)
	if err != nil {
		return Values{}, err
	}
	get := func(name string) (string, string) {
		if v, ok := os.LookupEnv(name); ok {
			return v, "the environment"
		}
		if v, ok := file[name]; ok {
			return v, fmt.Sprintf("%s:%d", path, lines[name])
		}
		return "", ""
	}
	var v Values
	var problems []string
	for _, d := range vars {
		val, where := get(d.name)
		if val == "" {
			if require {
				problems = append(problems, fmt.Sprintf("%s is not set in %s: add a line like %s", d.name, path, d.example))
			}
			continue
		}
		switch d.name {
		case "VCP_VCC_PRIVATE_IPMASK":
			p, err := netip.ParsePrefix(val)
			if err != nil || !p.Addr().Is4() {
				problems = append(problems, fmt.Sprintf("%s: %s=%s is not an IPv4 address with its prefix length; write it like %s", where, d.name, excerpt(val), d.example))
				continue
			}
			v.PrivateIPMask = p
		case "VCP_OFFICIAL_REGISTRY_ADDRESS":
			if !registryRE.MatchString(val) {
				problems = append(problems, fmt.Sprintf("%s: %s=%s is not a registry address (host[:port]); write it like %s", where, d.name, excerpt(val), d.example))
				continue
			}
			v.Registry = val
		}
	}
	if pw, _ := get("GRAFANA_ADMIN_PASSWORD"); pw != "" {
		if pw == "admin" {
			problems = append(problems, "GRAFANA_ADMIN_PASSWORD=admin is the well-known default: choose another")
		}
		v.HasGrafanaPassword = true
	}
	if len(problems) > 0 {
		return v, fmt.Errorf("%s", strings.Join(problems, "\n"))
	}
	return v, nil
}

// parse reads KEY=VALUE lines; # starts a comment; quotes are removed.
func parse(path string) (map[string]string, map[string]int, error) {
	out, lines := map[string]string{}, map[string]int{}
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return out, lines, nil
	}
	if err != nil {
		return nil, nil, err
	}
	defer func() { _ = f.Close() }() // read only
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(strings.TrimPrefix(line, "export "), "=")
		if !ok {
			return nil, nil, fmt.Errorf("%s:%d: %s is not KEY=VALUE", path, n, excerpt(line))
		}
		v = strings.TrimSpace(v)
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			v = v[1 : len(v)-1]
		}
		out[strings.TrimSpace(k)], lines[strings.TrimSpace(k)] = v, n
	}
	return out, lines, sc.Err()
}

// excerpt is a line of the file as an error may quote it: escaped and
// short, so a wrong file (--env-file /etc/shadow) is recognised, not
// printed.
func excerpt(s string) string {
	if r := []rune(s); len(r) > 32 {
		s = string(r[:32]) + "…"
	}
	return strconv.Quote(s)
}
