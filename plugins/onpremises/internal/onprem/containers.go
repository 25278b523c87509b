package onprem

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"

	"github.com/vccproject/vcc/proto/basecontainer"
	"github.com/vccproject/vcc/proto/kit/wait"
	"github.com/vccproject/vcc/proto/provider"
)

// container is what describe needs of a Base container.
type container struct {
	ID     string
	Name   string
	State  string // running, exited, created, restarting, ...
	Labels map[string]string
	// ExitCode and RestartCount come with inspect only.
	ExitCode, RestartCount int
	// LastLog is the last line the container printed, read when it is
	// down (exited, restarting), so the node's reason says why.
	LastLog string
}

func (e *engine) inspect(ctx context.Context, name string) (*container, error) {
	var out struct {
		ID    string `json:"Id"`
		Name  string
		State struct {
			Status   string
			ExitCode int
		}
		RestartCount int
		Config       struct{ Labels map[string]string }
	}
	err := e.do(ctx, http.MethodGet, "/containers/"+url.PathEscape(name)+"/json", nil, nil, &out)
	if isStatus(err, http.StatusNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &container{ID: out.ID, Name: strings.TrimPrefix(out.Name, "/"), State: out.State.Status, Labels: out.Config.Labels,
		ExitCode: out.State.ExitCode, RestartCount: out.RestartCount}, nil
}

// baseContainers lists the Base containers on the server, of any node.
func (e *engine) baseContainers(ctx context.Context) ([]container, error) {
	filters, _ := json.Marshal(map[string][]string{"label": {basecontainer.LabelNodeID}})
	var out []struct {
		ID     string `json:"Id"`
		Names  []string
		State  string
		Labels map[string]string
	}
	if err := e.do(ctx, http.MethodGet, "/containers/json", url.Values{"all": {"1"}, "filters": {string(filters)}}, nil, &out); err != nil {
		return nil, err
	}
	l := make([]container, 0, len(out))
	for _, c := range out {
		name := ""
		if len(c.Names) > 0 {
			name = strings.TrimPrefix(c.Names[0], "/")
		}
		l = append(l, container{ID: c.ID, Name: name, State: c.State, Labels: c.Labels})
	}
	return l, nil
}

// ensureImage pulls the image when the server lacks it.
func (e *engine) ensureImage(ctx context.Context, image string) error {
	err := e.do(ctx, http.MethodGet, "/images/"+image+"/json", nil, nil, nil)
	if err == nil || !isStatus(err, http.StatusNotFound) {
		return err
	}
	ref, tag := image, "latest"
	if i := strings.LastIndex(image, ":"); i > strings.LastIndex(image, "/") {
		ref, tag = image[:i], image[i+1:]
	}
	// The pull answers 200 at once and streams progress; an error is a
	// JSON line with "error".
	var raw []byte
	if err := e.do(ctx, http.MethodPost, "/images/create", url.Values{"fromImage": {ref}, "tag": {tag}}, nil, &raw); err != nil {
		return err
	}
	for _, line := range strings.Split(string(raw), "\n") {
		var m struct{ Error string }
		if json.Unmarshal([]byte(line), &m) == nil && m.Error != "" {
			return fmt.Errorf("pull %s: %s", image, m.Error)
		}
	}
	return nil
}

// create makes the Base container; an existing one of the same name is
// returned instead (a retried create).
func (e *engine) create(ctx context.Context, c basecontainer.Container) (string, error) {
	hc := map[string]any{
		"NetworkMode": "host", "Privileged": c.Privileged, "Binds": c.Binds,
		"RestartPolicy": map[string]string{"Name": c.Restart},
		"Dns":           c.DNS, "DnsSearch": c.DNSSearch, "DnsOptions": c.DNSOptions, "ExtraHosts": c.ExtraHosts,
	}
	if c.GPUs != "" {
		req := map[string]any{"Driver": "", "Capabilities": [][]string{{"gpu"}}}
		if c.GPUs == "all" {
			req["Count"] = -1
		} else {
			req["DeviceIDs"] = strings.Split(strings.TrimPrefix(c.GPUs, "device="), ",")
		}
		hc["DeviceRequests"] = []any{req}
	}
	body := map[string]any{"Image": c.Image, "Env": c.Env, "Labels": c.Labels, "Hostname": c.Hostname, "HostConfig": hc}
	var out struct {
		ID string `json:"Id"`
	}
	err := e.do(ctx, http.MethodPost, "/containers/create", url.Values{"name": {c.Name}}, body, &out)
	if isStatus(err, http.StatusConflict) {
		// The name is taken: by this node's container, made by a create
		// whose caller gave up. Docker reserves the name before the
		// container can be inspected, so look for a while.
		var got *container
		wctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		werr := wait.For(wctx, "container "+c.Name, wait.Backoff{Min: 50 * time.Millisecond, Max: time.Second},
			func(ctx context.Context) (bool, string, error) {
				var ierr error
				got, ierr = e.inspect(ctx, c.Name)
				return got != nil, "not inspectable yet", ierr
			})
		if werr != nil || got == nil {
			return "", fmt.Errorf("%w; then: %w", err, werr)
		}
		return got.ID, nil
	}
	return out.ID, err
}

func (e *engine) start(ctx context.Context, id string) error {
	return e.do(ctx, http.MethodPost, "/containers/"+id+"/start", nil, nil, nil)
}

// stop gives the agent time to leave Serf gracefully.
func (e *engine) stop(ctx context.Context, id string) error {
	err := e.do(ctx, http.MethodPost, "/containers/"+id+"/stop", url.Values{"t": {"10"}}, nil, nil)
	if isStatus(err, http.StatusNotFound) {
		return nil
	}
	return err
}

func (e *engine) remove(ctx context.Context, id string) error {
	err := e.do(ctx, http.MethodDelete, "/containers/"+id, url.Values{"force": {"1"}, "v": {"1"}}, nil, nil)
	if isStatus(err, http.StatusNotFound) {
		return nil
	}
	return err
}

// status turns a container (nil: missing) into a node status.
func status(node provider.NodeRef, addr string, c *container) provider.NodeStatus {
	st := provider.NodeStatus{NodeID: node.NodeID, CloudInstanceAddress: addr}
	switch {
	case c == nil:
		st.State, st.BaseContainer = provider.InstanceNotFound, provider.ContainerMissing
		st.StateReason = "no Base container " + basecontainer.Name(node.NodeID) + " on " + addr
		return st
	case c.State == "running":
		st.State, st.BaseContainer = provider.InstanceRunning, provider.ContainerRunning
	case c.State == "created":
		st.State, st.BaseContainer = provider.InstancePending, c.State
	case c.State == "restarting":
		st.State, st.BaseContainer = provider.InstancePending, provider.ContainerRestarting
		st.StateReason = fmt.Sprintf("Base container is restarting after exiting with code %d (%d restarts)", c.ExitCode, c.RestartCount)
	default:
		st.State, st.BaseContainer = provider.InstanceStopped, provider.ContainerExited
		st.StateReason = "Base container is " + c.State
		if c.ExitCode != 0 {
			st.StateReason += fmt.Sprintf(" (code %d)", c.ExitCode)
		}
	}
	if c.LastLog != "" {
		st.StateReason += "; its last log line: " + c.LastLog
	}
	st.CloudInstanceID, st.CloudInstanceName = shortID(c.ID), c.Name
	st.Tags = c.Labels
	return st
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// lastLogLine is the last non-empty line the container wrote to stdout or
// stderr (Docker's multiplexed log stream: an 8-byte frame header, the
// stream and the size, before each chunk), clipped to 200 characters.
func (e *engine) lastLogLine(ctx context.Context, id string) string {
	var raw []byte
	q := url.Values{"stdout": {"1"}, "stderr": {"1"}, "tail": {"5"}}
	if err := e.do(ctx, http.MethodGet, "/containers/"+url.PathEscape(id)+"/logs", q, nil, &raw); err != nil {
		return ""
	}
	var text []byte
	for len(raw) >= 8 && raw[0] <= 2 && raw[1] == 0 {
		n := int(binary.BigEndian.Uint32(raw[4:8]))
		if 8+n > len(raw) {
			break
		}
		text, raw = append(text, raw[8:8+n]...), raw[8+n:]
	}
	if text == nil {
		text = raw // a TTY container's log is not framed
	}
	lines := strings.Split(strings.TrimSpace(string(text)), "\n")
	last := strings.TrimSpace(lines[len(lines)-1])
	// The Base image's agent logs JSON (hclog): its message is the news.
	var j struct {
		Message string `json:"@message"`
	}
	if json.Unmarshal([]byte(last), &j) == nil && j.Message != "" {
		last = j.Message
	}
	last = strings.Map(func(r rune) rune { // no control characters reach a log or a terminal
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, last)
	if r := []rune(last); len(r) > 200 {
		last = string(r[:200]) + "…"
	}
	return last
}
