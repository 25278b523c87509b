package providertest

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	kitdescribe "github.com/vccproject/vcc/proto/kit/describe"
	"github.com/vccproject/vcc/proto/kit/tags"
	"github.com/vccproject/vcc/proto/provider"
)

// mem is an in-memory cloud that passes the suite; its knobs break it in
// the ways the suite must catch.
type mem struct {
	caps []provider.Capability
	mu   sync.Mutex
	inst map[string]provider.NodeStatus // by node id
	seq  int
	// knobs
	hangDescribe  bool // ignores ctx and never answers
	ignoreCancel  bool // a first-attempt create sleeps, deaf to ctx
	notIdempotent bool // every create makes a new instance
	brokenReboot  bool
	disk          bool              // a disk provider: volumes with size and zone
	diskNoStatus  bool              // ... that forgets NodeStatus.Disk
	deleteKeeps   bool              // ... whose delete leaves an attached volume
	holder        map[string]string // disk's cloud id -> holder
}

func newMem(caps ...provider.Capability) *mem {
	return &mem{caps: caps, inst: map[string]provider.NodeStatus{}}
}

func (m *mem) GetInfo(context.Context) (*provider.Info, error) {
	info := &provider.Info{Name: "mem", Version: "1.0.0", Capabilities: m.caps,
		SpecSchema: provider.Schema{Attributes: []provider.Attribute{{Name: "size", Type: provider.TypeInt, Description: "GB"}}}}
	if m.disk {
		info.SpecSchema.Attributes = append(info.SpecSchema.Attributes, provider.Attribute{Name: "num_disks", Type: provider.TypeInt, Description: "disks"})
	}
	return info, nil
}

func (m *mem) ValidateCatalogEntry(context.Context, string, json.RawMessage) (provider.Diagnostics, error) {
	return nil, nil
}

func (m *mem) ValidateSpec(_ context.Context, _ provider.CallEnv, raw json.RawMessage) (provider.Diagnostics, error) {
	var s struct{ Size int }
	_ = json.Unmarshal(raw, &s)
	if s.Size < 0 {
		return provider.Diagnostics{provider.Invalid("negative").On("spec.size")}, nil
	}
	return nil, nil
}

func (m *mem) CreateNode(ctx context.Context, req provider.NodeRequest) (*provider.NodeStatus, error) {
	if m.ignoreCancel && req.FirstAttempt {
		time.Sleep(time.Second)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if st, ok := m.inst[req.Node.NodeID]; ok && !m.notIdempotent {
		return &st, nil
	}
	m.seq++
	st := provider.NodeStatus{NodeID: req.Node.NodeID, CloudInstanceID: fmt.Sprintf("m-%d", m.seq), State: provider.InstanceRunning,
		Tags: tags.For(req.Env, req.Node, nil)}
	if m.disk && !m.diskNoStatus {
		st.Disk = &provider.DiskStatus{SizeGB: 8, Zone: "mem-1a"}
	}
	m.inst[req.Node.NodeID] = st
	return &st, nil
}

func (m *mem) DeleteNode(_ context.Context, req provider.NodeRequest) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if st, ok := m.inst[req.Node.NodeID]; ok && m.deleteKeeps && m.holder[st.CloudInstanceID] != "" {
		return nil // the bug under test: an attached volume stays
	}
	if st, ok := m.inst[req.Node.NodeID]; ok {
		delete(m.holder, st.CloudInstanceID)
	}
	delete(m.inst, req.Node.NodeID)
	return nil
}

func (m *mem) DescribeNodes(ctx context.Context, req provider.DescribeRequest) ([]provider.NodeStatus, error) {
	if m.hangDescribe {
		select {} // the bug under test: deaf to ctx
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	ans := kitdescribe.New(req)
	for _, st := range m.inst {
		if st.Disk != nil {
			d := *st.Disk
			d.AttachedTo = m.holder[st.CloudInstanceID]
			st.Disk = &d
		}
		ans.Add(st)
	}
	return ans.Nodes(), nil
}

func (m *mem) set(req provider.NodeRequest, s provider.InstanceState) (*provider.NodeStatus, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	st, ok := m.inst[req.Node.NodeID]
	if !ok {
		return nil, kitdescribe.Missing(req.Node, "mem")
	}
	st.State = s
	m.inst[req.Node.NodeID] = st
	return &st, nil
}

// memPower adds the optional power and reboot calls.
type memPower struct{ *mem }

func (m memPower) PowerOn(_ context.Context, req provider.NodeRequest) (*provider.NodeStatus, error) {
	return m.set(req, provider.InstanceRunning)
}

func (m memPower) PowerOff(_ context.Context, req provider.NodeRequest) (*provider.NodeStatus, error) {
	return m.set(req, provider.InstanceStopped)
}

func (m memPower) Reboot(_ context.Context, req provider.NodeRequest) (*provider.NodeStatus, error) {
	if m.brokenReboot {
		return nil, provider.Unreachable("reboot lost").Err()
	}
	return m.set(req, provider.InstanceRunning)
}

// attach is the test peer's attach: it holds a volume for an instance.
func (m *mem) attach(_ context.Context, diskID string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.holder == nil {
		m.holder = map[string]string{}
	}
	m.holder[diskID] = "i-holder"
	return "i-holder", nil
}

func newMemDisk() *mem {
	m := newMem(provider.CapDisks, provider.CapListByController)
	m.disk = true
	return m
}
