// Package engine runs operations: the durable records of requested
// changes. Operations on one unit run one after another (FIFO); node steps
// inside an operation run in parallel, limited per provider; retryable
// cloud errors are retried with backoff; a stuck operation times out and
// frees its unit. After a crash, Resume runs every open operation again:
// each node step converges the node to the operation's goal, so repeating
// one is safe.
package engine

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/vccproject/vcc/host/internal/audit"
	"github.com/vccproject/vcc/host/internal/events"
	"github.com/vccproject/vcc/host/internal/model"
	"github.com/vccproject/vcc/host/internal/store"
	"github.com/vccproject/vcc/proto/provider"
)

// Env is what the engine needs from the controller: plugins, and the call
// environment (catalog entry, credentials) of a unit.
type Env interface {
	Provider(name string) (provider.Provider, error)
	CallEnv(ctx context.Context, u *model.Unit) (provider.CallEnv, error)
	// ControllerAddressFor is where node n reaches the controller.
	ControllerAddressFor(u *model.Unit, n *model.Node) string
	// AwaitsAgent says whether node n becomes RUNNING only once its
	// Base container's agent has joined; WaitAgent waits for that.
	AwaitsAgent(u *model.Unit, n *model.Node) bool
	WaitAgent(ctx context.Context, nodeID string) error
	// AsyncDelete says whether the provider's DeleteNode only starts the
	// deletion, so the engine confirms it by describing.
	AsyncDelete(u *model.Unit) bool
}

// Config tunes the engine; zero values get defaults.
type Config struct {
	// Limits caps concurrent cloud calls per provider; DefaultLimit
	// applies to providers not listed.
	Limits       map[string]int
	DefaultLimit int
	// OpTimeout bounds one operation; then it fails and frees its unit.
	OpTimeout time.Duration
	// CallTimeout bounds one cloud call.
	CallTimeout time.Duration
	// Attempts per cloud call for retryable errors, with backoff from
	// RetryBase doubling up to RetryMax.
	Attempts            int
	RetryBase, RetryMax time.Duration
	// JoinTimeout bounds the wait for a node's agent to join after its
	// instance runs.
	JoinTimeout time.Duration
	// PollInterval is how often a pending instance is described.
	PollInterval time.Duration
	// Audit receives one entry per cloud-changing call; nil: none.
	Audit interface{ Write(audit.Entry) error }
}

func (c *Config) defaults() {
	if c.DefaultLimit == 0 {
		c.DefaultLimit = 32
	}
	if c.OpTimeout == 0 {
		c.OpTimeout = 30 * time.Minute
	}
	if c.JoinTimeout == 0 {
		c.JoinTimeout = 10 * time.Minute
	}
	if c.CallTimeout == 0 {
		c.CallTimeout = 15 * time.Minute
	}
	if c.Attempts == 0 {
		c.Attempts = 5
	}
	if c.RetryBase == 0 {
		c.RetryBase = 500 * time.Millisecond
	}
	if c.RetryMax == 0 {
		c.RetryMax = 30 * time.Second
	}
	if c.PollInterval == 0 {
		c.PollInterval = 2 * time.Second
	}
}

// Engine runs operations.
type Engine struct {
	st  store.Store
	env Env
	bus *events.Bus
	log hclog.Logger
	cfg Config

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	forgetMu sync.Mutex // see forget

	waitsMu sync.Mutex
	waits   map[string]*nodeWait // node id -> the waits of the step running on it (see begin)

	mu      sync.Mutex
	queues  map[string]*queue        // "vcid/unit" ("vcid/" for the VC itself)
	active  map[string]running       // queue key -> the running op
	done    map[string]chan struct{} // op id -> closed when it finished
	limits  map[string]*limit        // provider -> its --provider-limit
	pollers map[string]*poller       // "vcid/unit" -> its describe poller
}

type queue struct {
	ops     []*model.Operation
	running bool
}

// New returns a running engine; Close stops it.
func New(st store.Store, env Env, bus *events.Bus, log hclog.Logger, cfg Config) *Engine {
	cfg.defaults()
	ctx, cancel := context.WithCancel(context.Background())
	return &Engine{
		st: st, env: env, bus: bus, log: log.Named("engine"), cfg: cfg, ctx: ctx, cancel: cancel,
		queues: map[string]*queue{}, active: map[string]running{},
		done: map[string]chan struct{}{}, limits: map[string]*limit{}, pollers: map[string]*poller{},
		waits: map[string]*nodeWait{},
	}
}

func queueKey(vcid, unit string) string { return vcid + "/" + unit }

// Submit queues a persisted operation behind the others of its unit.
func (e *Engine) Submit(op *model.Operation) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, ok := e.done[op.ID]; !ok {
		e.done[op.ID] = make(chan struct{})
	}
	k := queueKey(op.VCID, op.Unit)
	q := e.queues[k]
	if q == nil {
		q = &queue{}
		e.queues[k] = q
	}
	q.ops = append(q.ops, op)
	if !q.running {
		q.running = true
		e.wg.Add(1)
		go e.drain(k)
	}
}

func (e *Engine) drain(k string) {
	defer e.wg.Done()
	for {
		e.mu.Lock()
		q := e.queues[k]
		if len(q.ops) == 0 || e.ctx.Err() != nil {
			q.running = false
			if len(q.ops) == 0 {
				delete(e.queues, k)
			}
			e.mu.Unlock()
			return
		}
		op := q.ops[0]
		q.ops = q.ops[1:]
		e.mu.Unlock()
		e.run(op)
	}
}

// Resume submits every open operation, oldest first. Call it once at
// start, before serving requests.
func (e *Engine) Resume() (int, error) {
	var ops []*model.Operation
	err := e.st.View(func(tx store.Tx) error {
		var err error
		ops, err = tx.OpenOps()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("load open operations: %w", err)
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].Seq < ops[j].Seq })
	for _, op := range ops {
		e.log.Info("resuming operation", "op", op.ID, "kind", op.Kind, "vcid", op.VCID, "unit", op.Unit, "nodes", len(op.NodeIDs))
		e.Submit(op)
	}
	return len(ops), nil
}

// Cancel stops the running operation of a unit (the admin's
// clear_processing); it finishes as failed with cause.
func (e *Engine) Cancel(vcid, unit string, cause error) (opID string, ok bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	r, ok := e.active[queueKey(vcid, unit)]
	if ok {
		r.cancel(cause)
	}
	return r.opID, ok
}

// running is a unit's operation under way, and how to stop it.
type running struct {
	opID   string
	cancel context.CancelCauseFunc
}

// Busy reports whether the unit has an operation queued or running.
func (e *Engine) Busy(vcid, unit string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	_, ok := e.queues[queueKey(vcid, unit)]
	return ok
}

// busyVC reports whether any queue of the VC other than except is busy.
func (e *Engine) busyVC(vcid, except string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	for k := range e.queues {
		if k != except && strings.HasPrefix(k, vcid+"/") {
			return true
		}
	}
	return false
}

// Wait blocks until the operation finishes or ctx ends, then returns it.
func (e *Engine) Wait(ctx context.Context, opID string) (*model.Operation, error) {
	e.mu.Lock()
	ch := e.done[opID]
	e.mu.Unlock()
	if ch != nil {
		select {
		case <-ch:
		case <-ctx.Done():
		}
	}
	var op *model.Operation
	err := e.st.View(func(tx store.Tx) error {
		var err error
		op, err = tx.Op(opID)
		return err
	})
	return op, err
}

// Close stops the engine. Running operations are interrupted and stay
// open in the store, to be resumed by the next start.
func (e *Engine) Close() {
	e.cancel()
	e.wg.Wait()
}

// slot takes one of the provider's concurrent-call slots.
func (e *Engine) slot(ctx context.Context, prov string, urgent bool) (func(), error) {
	e.mu.Lock()
	l := e.limits[prov]
	if l == nil {
		n := e.cfg.DefaultLimit
		if c, ok := e.cfg.Limits[prov]; ok && c > 0 {
			n = c
		}
		l = newLimit(n)
		e.limits[prov] = l
	}
	e.mu.Unlock()
	return l.acquire(ctx, urgent)
}

// call runs one cloud call in a provider slot, retrying retryable
// failures with exponential backoff.
func (e *Engine) call(ctx context.Context, prov, what string, fn func(context.Context) error) error {
	return e.callUntil(ctx, ctx, prov, what, fn)
}

// callUntil is call whose waits (for a slot, between attempts) end with
// wait, while an attempt under way runs on ctx: a node a delete has
// taken over stops waiting at once, but a call the cloud is carrying
// out is let finish, so that what it made is known and deleted. wait
// is ctx or a child of it.
func (e *Engine) callUntil(wait, ctx context.Context, prov, what string, fn func(context.Context) error) error {
	return e.callIn(wait, ctx, prov, what, false, fn)
}

// callIn is callUntil; an urgent call goes before the waiting others
// (see limit).
func (e *Engine) callIn(wait, ctx context.Context, prov, what string, urgent bool, fn func(context.Context) error) error {
	for attempt := 1; ; attempt++ {
		release, err := e.slot(wait, prov, urgent)
		if err != nil {
			return context.Cause(wait)
		}
		cctx, cancel := context.WithTimeout(ctx, e.cfg.CallTimeout)
		err = fn(cctx)
		cancel()
		release()
		if err == nil || !retryable(err) || attempt >= e.cfg.Attempts || wait.Err() != nil {
			if err != nil && retryable(err) && attempt >= e.cfg.Attempts {
				return fmt.Errorf("gave up after %d attempts: %w", attempt, err)
			}
			return err
		}
		delay := min(e.cfg.RetryBase<<(attempt-1), e.cfg.RetryMax)
		e.log.Warn("retrying cloud call", "provider", prov, "call", what, "attempt", attempt, "in", delay, "error", err)
		select {
		case <-time.After(delay):
		case <-wait.Done():
			return context.Cause(wait)
		}
	}
}

func retryable(err error) bool {
	var de *provider.DiagnosticsError
	return errors.As(err, &de) && de.Retryable()
}

// audit records a cloud-changing call of op on node.
func (e *Engine) audit(op *model.Operation, prov, call, nodeID string, err error) {
	if e.cfg.Audit == nil {
		return
	}
	result := "ok"
	if err != nil {
		result = "error: " + err.Error()
	}
	if werr := e.cfg.Audit.Write(audit.Entry{Kind: "cloud", User: op.User, OpID: op.ID, Provider: prov, Call: call, NodeID: nodeID, Result: result}); werr != nil {
		e.log.Error("audit log write failed", "error", werr)
	}
}
