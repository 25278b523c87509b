// Package nodeagent is vcc-node, the agent in every Base container: it
// joins the controller's Serf under the node id (that is how the
// controller learns a node is up), serves the node's metrics and runs the
// user's init command.
package nodeagent

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/serf/serf"

	"github.com/vccproject/vcc/host/internal/liveness"
)

// Config is what the Base container's environment says.
type Config struct {
	NodeID       string
	ControllerID string
	// Controller is the controller's Serf address, host:port.
	Controller string
	// Bind is host:port for this member; Advertise the address the
	// controller reaches (the node's private IP).
	Bind, Advertise string
	// MetricsListen serves /metrics; empty disables.
	MetricsListen string
	// InitCommand runs once through /bin/sh after start.
	InitCommand string
	// RejoinEvery is how often the agent checks it still sees the
	// controller and joins again if not (a controller restarted).
	RejoinEvery time.Duration
	// Key is the controller's gossip key (VCC_SERF_KEY); nil: plaintext.
	Key    []byte
	Logger hclog.Logger
}

// Run joins and stays a member until ctx ends, then leaves gracefully so
// the controller sees a leave, not a failure.
func Run(ctx context.Context, cfg Config) error {
	if cfg.NodeID == "" || cfg.Controller == "" {
		return errors.New("vcc-node: VCC_NODE_ID (or SERF_NODE_ID) and VCC_CONTROLLER_ADDR (or VCCCTR_IPADDR) must be set; the controller sets them when it starts the Base container")
	}
	if cfg.Logger == nil {
		cfg.Logger = hclog.NewNullLogger()
	}
	if cfg.RejoinEvery == 0 {
		cfg.RejoinEvery = 5 * time.Second
	}
	log := cfg.Logger
	conf, err := liveness.MemberConfig(cfg.NodeID, cfg.Bind, cfg.Advertise,
		map[string]string{liveness.TagRole: "node", liveness.TagController: cfg.ControllerID, liveness.TagNode: cfg.NodeID}, cfg.Key, log)
	if err != nil {
		return err
	}
	conf.BroadcastTimeout = 2 * time.Second
	s, err := serf.Create(conf)
	if err != nil {
		return fmt.Errorf("start serf on %s: %w", cfg.Bind, err)
	}
	defer func() {
		if err := s.Shutdown(); err != nil {
			log.Warn("serf shutdown", "error", err)
		}
	}()
	if cfg.MetricsListen != "" {
		stop, err := serveMetrics(cfg.MetricsListen, cfg.NodeID, s, log)
		if err != nil {
			log.Warn("metrics disabled", "error", err)
		} else {
			defer stop()
		}
	}
	if cfg.InitCommand != "" {
		go runInit(ctx, log, cfg.InitCommand)
	}
	// Joins run beside the loop: a join to an unreachable controller can
	// take the TCP timeout, and a stop must not wait for it.
	var joined atomic.Bool
	inflight := make(chan struct{}, 1)
	join := func() {
		select {
		case inflight <- struct{}{}:
		default:
			return
		}
		go func() {
			defer func() { <-inflight }()
			if _, err := s.Join([]string{cfg.Controller}, true); err != nil {
				log.Warn("cannot join the controller yet; retrying", "controller", cfg.Controller, "error", err)
			} else if !joined.Swap(true) {
				log.Info("joined the controller", "controller", cfg.Controller, "node_id", cfg.NodeID)
			}
		}()
	}
	tick := time.NewTicker(cfg.RejoinEvery)
	defer tick.Stop()
	for {
		if !sees(s, cfg.ControllerID) {
			join()
		}
		select {
		case <-ctx.Done():
			if s.NumNodes() > 1 {
				if err := s.Leave(); err != nil {
					log.Warn("leave", "error", err)
				}
			}
			return nil
		case <-tick.C:
		}
	}
}

// sees reports whether the controller is a live member in our view.
func sees(s *serf.Serf, controllerID string) bool {
	for _, m := range s.Members() {
		if m.Tags[liveness.TagRole] == "controller" && m.Tags[liveness.TagController] == controllerID && m.Status == serf.StatusAlive {
			return true
		}
	}
	return false
}

func serveMetrics(addr, nodeID string, s *serf.Serf, log hclog.Logger) (func(), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/metrics", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		writeMetrics(w, nodeID, len(s.Members()))
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			log.Warn("metrics endpoint stopped", "error", err)
		}
	}()
	return func() { _ = srv.Close() }, nil // closing is all a stop wants
}
