// Package liveness is the controller's Serf member: the agents of the Base
// containers (vcc-node) join it under their node ids, and it tells the
// controller which nodes answer.
package liveness

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/serf/serf"
)

// Tags every member of a vcc Serf cluster carries.
const (
	TagRole       = "vcc_role" // "controller" or "node"
	TagController = "vcc_controller"
	// TagNode is a node agent's node id, which is also its member name:
	// a restarted agent is the same member again (it refutes its death
	// with a higher incarnation), so the member list does not grow with
	// restarts and failure detection stays as fast as on the first day.
	TagNode = "vcc_node_id"
)

// Event is a change of one node's liveness.
type Event struct {
	NodeID string
	Alive  bool
	// Why is Serf's word for it: join, leave, failed, update, reap.
	Why string
}

// Config places the controller's member.
type Config struct {
	// Bind is host:port to listen on (TCP and UDP); port 0 picks one.
	Bind string
	// Advertise is the address nodes reach; empty: Bind's host.
	Advertise    string
	ControllerID string
	// SnapshotPath lets a restarted controller rejoin the nodes it knew.
	SnapshotPath string
	// KnownNode says whether a member name is a node the controller
	// still has; the others are not rejoined. Nil: all are.
	KnownNode func(name string) bool
	// Key encrypts and authenticates the gossip (AES, 16, 24 or 32
	// bytes): only agents given it can join. Nil: plaintext.
	Key    []byte
	Logger hclog.Logger
}

// Monitor tracks which nodes' agents answer.
type Monitor struct {
	serf    *serf.Serf
	key     []byte
	log     hclog.Logger
	started time.Time
	events  chan serf.Event

	mu      sync.Mutex
	alive   map[string]map[string]bool // node id -> its live member names
	waiters map[string][]chan struct{}
	subs    map[chan Event]struct{}
	lastErr string
}

// Key is the gossip key nodes' agents need (nil: plaintext gossip).
func (m *Monitor) Key() []byte { return m.key }

// Start creates the controller's member and starts following events.
func Start(ctx context.Context, cfg Config) (*Monitor, error) {
	if cfg.Logger == nil {
		cfg.Logger = hclog.NewNullLogger()
	}
	m := &Monitor{log: cfg.Logger.Named("serf"), started: time.Now(), events: make(chan serf.Event, 1024), key: cfg.Key,
		alive: map[string]map[string]bool{}, waiters: map[string][]chan struct{}{}, subs: map[chan Event]struct{}{}}
	conf, err := MemberConfig("vcc-controller-"+cfg.ControllerID, cfg.Bind, cfg.Advertise,
		map[string]string{TagRole: "controller", TagController: cfg.ControllerID}, cfg.Key, m.log)
	if err != nil {
		return nil, err
	}
	conf.EventCh = m.events
	if cfg.SnapshotPath != "" && cfg.KnownNode != nil {
		if err := pruneSnapshot(cfg.SnapshotPath, cfg.KnownNode); err != nil {
			m.log.Warn("the Serf snapshot was not pruned; known members are rejoined as they are", "error", err)
		}
	}
	conf.SnapshotPath = cfg.SnapshotPath
	conf.RejoinAfterLeave = true
	conf.Merge = sameController(cfg.ControllerID)
	s, err := serf.Create(conf)
	if err != nil {
		return nil, fmt.Errorf("start serf on %s: %w (is the port in use? --serf-listen off disables liveness)", cfg.Bind, err)
	}
	m.serf = s
	go m.follow(ctx)
	return m, nil
}

// MemberConfig is the Serf configuration of every vcc member, controller
// or node agent: bind ("host:port", port 0 picks one) and advertise
// addresses, the tuned failure detector, the gossip key (nil: plaintext),
// logs through log.
func MemberConfig(name, bind, advertise string, tags map[string]string, key []byte, log hclog.Logger) (*serf.Config, error) {
	host, portStr, err := net.SplitHostPort(bind)
	if err != nil {
		return nil, fmt.Errorf("serf address %q: %w (want host:port, e.g. 0.0.0.0:7947)", bind, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return nil, fmt.Errorf("serf address %q: bad port", bind)
	}
	conf := Tuned(serf.DefaultConfig())
	conf.NodeName, conf.Tags = name, tags
	conf.Logger = log.StandardLogger(&hclog.StandardLoggerOptions{InferLevels: true})
	conf.MemberlistConfig.Logger = conf.Logger
	// The advertised port must follow the bound one: memberlist's default
	// is 7946 whatever the bind port.
	conf.MemberlistConfig.BindAddr, conf.MemberlistConfig.BindPort = host, port
	conf.MemberlistConfig.AdvertisePort = port
	if advertise != "" {
		conf.MemberlistConfig.AdvertiseAddr = advertise
	}
	if len(key) > 0 {
		// Every message encrypted and checked both ways: a member
		// without the key can neither join nor be heard.
		conf.MemberlistConfig.SecretKey = key
	}
	return conf, nil
}

// Tuned sets the failure detector so a dead node is noticed within a few
// seconds, every time: with few members Serf rarely gets the independent
// confirmations that shorten suspicion, so its maximum would apply
// (about 24 s).
func Tuned(conf *serf.Config) *serf.Config {
	conf.Init()
	ml := conf.MemberlistConfig
	ml.ProbeInterval = time.Second
	ml.ProbeTimeout = 500 * time.Millisecond
	ml.SuspicionMult = 3
	ml.SuspicionMaxTimeoutMult = 1
	// Lifeguard's awareness stretches probe intervals up to 8x each time
	// this member's probes fail: a controller watching nodes come and go
	// would grow slower at noticing the next failure.
	ml.AwarenessMaxMultiplier = 1
	conf.ReconnectTimeout = time.Hour
	conf.TombstoneTimeout = time.Hour
	conf.ReapInterval = 10 * time.Second
	return conf
}

// sameController refuses to merge with members of another controller's
// cluster (an agent pointed at the wrong controller).
type sameController string

func (id sameController) NotifyMerge(members []*serf.Member) error {
	for _, m := range members {
		if got := m.Tags[TagController]; got != string(id) {
			return fmt.Errorf("member %s belongs to controller %q, not %q", m.Name, got, string(id))
		}
	}
	return nil
}

// Port is the port the member listens on.
func (m *Monitor) Port() int { return int(m.serf.Memberlist().LocalNode().Port) }

// Addr is the advertised address, host:port.
func (m *Monitor) Addr() string {
	n := m.serf.Memberlist().LocalNode()
	return net.JoinHostPort(n.Addr.String(), strconv.Itoa(int(n.Port)))
}

// Started is when the monitor started: nodes get a grace period to join.
func (m *Monitor) Started() time.Time { return m.started }

// Alive reports whether node id's agent is a live member.
func (m *Monitor) Alive(id string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.alive[id]) > 0
}

// Members counts the live node members.
func (m *Monitor) Members() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.alive)
}

// WaitAlive returns when node id's agent is a live member.
func (m *Monitor) WaitAlive(ctx context.Context, id string) error {
	m.mu.Lock()
	if len(m.alive[id]) > 0 {
		m.mu.Unlock()
		return nil
	}
	ch := make(chan struct{})
	m.waiters[id] = append(m.waiters[id], ch)
	m.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		m.mu.Lock()
		l := m.waiters[id]
		for i, c := range l {
			if c == ch {
				m.waiters[id] = append(l[:i], l[i+1:]...)
				break
			}
		}
		if len(m.waiters[id]) == 0 {
			delete(m.waiters, id)
		}
		m.mu.Unlock()
		return ctx.Err()
	}
}

// Subscribe returns a channel of liveness changes and its cancel func.
// A slow reader misses events rather than stalling Serf.
func (m *Monitor) Subscribe() (<-chan Event, func()) {
	ch := make(chan Event, 256)
	m.mu.Lock()
	m.subs[ch] = struct{}{}
	m.mu.Unlock()
	return ch, func() {
		m.mu.Lock()
		delete(m.subs, ch)
		m.mu.Unlock()
	}
}

// Forget drops a deleted node: Serf stops trying to reach its agents.
func (m *Monitor) Forget(id string) {
	m.mu.Lock()
	delete(m.alive, id)
	m.mu.Unlock()
	for _, mem := range m.serf.Members() {
		if mem.Tags[TagNode] == id && mem.Status != serf.StatusAlive {
			if err := m.serf.RemoveFailedNodePrune(mem.Name); err != nil {
				m.log.Debug("forget member", "node_id", id, "member", mem.Name, "error", err)
			}
		}
	}
}

// LastError is the last problem seen, for status.
func (m *Monitor) LastError() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.lastErr
}

// Close leaves the cluster (nodes see the controller leave, not fail).
func (m *Monitor) Close() error {
	if err := m.serf.Leave(); err != nil {
		m.log.Warn("leave serf", "error", err)
	}
	return m.serf.Shutdown()
}

func (m *Monitor) follow(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-m.serf.ShutdownCh():
			return
		case ev := <-m.events:
			me, ok := ev.(serf.MemberEvent)
			if !ok {
				continue
			}
			for _, mem := range me.Members {
				id := mem.Tags[TagNode]
				if mem.Tags[TagRole] != "node" || id == "" {
					continue
				}
				up := me.Type == serf.EventMemberJoin || (me.Type == serf.EventMemberUpdate && mem.Status == serf.StatusAlive)
				m.set(id, mem.Name, up, eventWord(me.Type))

			}
		}
	}
}

// set records one member's change and tells subscribers when its node's
// liveness changed (another member of the same node may still be alive).
func (m *Monitor) set(id, member string, up bool, why string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	was := len(m.alive[id]) > 0
	if up {
		if m.alive[id] == nil {
			m.alive[id] = map[string]bool{}
		}
		m.alive[id][member] = true
		for _, ch := range m.waiters[id] {
			close(ch)
		}
		delete(m.waiters, id)
	} else {
		delete(m.alive[id], member)
		if len(m.alive[id]) == 0 {
			delete(m.alive, id)
		}
	}
	now := len(m.alive[id]) > 0
	m.log.Debug("node liveness", "node_id", id, "member", member, "alive", now, "event", why)
	if was == now {
		return
	}
	ev := Event{NodeID: id, Alive: now, Why: why}
	for ch := range m.subs {
		select {
		case ch <- ev:
		default:
			m.lastErr = "a liveness subscriber fell behind; the periodic sweep will catch up"
		}
	}
}

func eventWord(t serf.EventType) string {
	switch t {
	case serf.EventMemberJoin:
		return "join"
	case serf.EventMemberLeave:
		return "leave"
	case serf.EventMemberFailed:
		return "failed"
	case serf.EventMemberUpdate:
		return "update"
	case serf.EventMemberReap:
		return "reap"
	}
	return t.String()
}
