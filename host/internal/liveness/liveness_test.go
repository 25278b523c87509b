package liveness_test

import (
	"bytes"
	"context"
	"net"
	"testing"
	"time"

	"github.com/vccproject/vcc/host/internal/liveness"
	"github.com/vccproject/vcc/host/internal/nodeagent"
)

func start(t *testing.T, id string) *liveness.Monitor { return startKeyed(t, id, nil) }

func startKeyed(t *testing.T, id string, key []byte) *liveness.Monitor {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	m, err := liveness.Start(ctx, liveness.Config{Bind: "127.0.0.1:0", ControllerID: id, Key: key})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Error(err)
		}
		cancel()
	})
	return m
}

// agent runs a vcc-node agent in-process; the returned func stops it, by
// leaving (graceful) or by context cancel after the test.
func agent(t *testing.T, m *liveness.Monitor, node, ctrlID string) (context.CancelFunc, chan error) {
	return keyedAgent(t, m, node, ctrlID, m.Key())
}

func keyedAgent(t *testing.T, m *liveness.Monitor, node, ctrlID string, key []byte) (context.CancelFunc, chan error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- nodeagent.Run(ctx, nodeagent.Config{NodeID: node, ControllerID: ctrlID, Controller: m.Addr(),
			Bind: "127.0.0.1:0", RejoinEvery: 200 * time.Millisecond, Key: key})
	}()
	t.Cleanup(cancel)
	return cancel, done
}

func TestJoinLeaveAndForeign(t *testing.T) {
	m := start(t, "ctl1")
	evs, unsub := m.Subscribe()
	defer unsub()
	stop, done := agent(t, m, "node-a", "ctl1")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := m.WaitAlive(ctx, "node-a"); err != nil {
		t.Fatalf("node-a never joined: %v", err)
	}
	if ev := next(t, evs); ev != (liveness.Event{NodeID: "node-a", Alive: true, Why: "join"}) {
		t.Errorf("event %+v", ev)
	}
	// An agent of another controller is refused.
	agent(t, m, "intruder", "ctl2")
	short, cancel2 := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel2()
	if err := m.WaitAlive(short, "intruder"); err == nil {
		t.Error("a member of another controller was admitted")
	}
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if ev := next(t, evs); ev.NodeID != "node-a" || ev.Alive || ev.Why != "leave" {
		t.Errorf("after a graceful stop: %+v", ev)
	}
	if m.Alive("node-a") || m.Members() != 0 {
		t.Error("node-a still alive")
	}
}

func next(t *testing.T, evs <-chan liveness.Event) liveness.Event {
	t.Helper()
	select {
	case ev := <-evs:
		return ev
	case <-time.After(15 * time.Second):
		t.Fatal("no liveness event")
	}
	return liveness.Event{}
}

// TestRejoinStaysAlive: an agent that leaves (power off) and comes back
// under the same name and port stays alive, not suspected.
func TestRejoinStaysAlive(t *testing.T) {
	m := start(t, "ctl1")
	ctx := context.Background()
	bind := freeAddr(t)
	run := func() (context.CancelFunc, chan error) {
		c, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() {
			done <- nodeagent.Run(c, nodeagent.Config{NodeID: "n1", ControllerID: "ctl1", Controller: m.Addr(),
				Bind: bind, Advertise: "127.0.0.1", RejoinEvery: 200 * time.Millisecond})
		}()
		return cancel, done
	}
	stop, done := run()
	w, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := m.WaitAlive(w, "n1"); err != nil {
		t.Fatal(err)
	}
	stop()
	if err := <-done; err != nil {
		t.Fatalf("first agent: %v", err)
	}
	time.Sleep(500 * time.Millisecond)
	stop2, done2 := run()
	defer func() {
		stop2()
		if err := <-done2; err != nil {
			t.Errorf("second agent: %v", err)
		}
	}()
	if err := m.WaitAlive(w, "n1"); err != nil {
		t.Fatal(err)
	}
	// Longer than failure detection takes (about 4 s).
	time.Sleep(6 * time.Second)
	if !m.Alive("n1") {
		t.Fatal("the rejoined agent was lost")
	}
}

// TestEncryptedGossip: with a gossip key, an agent given the key joins;
// one without it, or with another, is never admitted.
func TestEncryptedGossip(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	m := startKeyed(t, "ctl1", key)
	agent(t, m, "keyed", "ctl1")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := m.WaitAlive(ctx, "keyed"); err != nil {
		t.Fatalf("the agent with the key never joined: %v", err)
	}
	keyedAgent(t, m, "plain", "ctl1", nil)
	keyedAgent(t, m, "wrong", "ctl1", bytes.Repeat([]byte{8}, 32))
	short, cancel2 := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel2()
	for _, n := range []string{"plain", "wrong"} {
		if err := m.WaitAlive(short, n); err == nil {
			t.Errorf("agent %q without the right key was admitted", n)
		}
	}
	if m.Members() != 1 {
		t.Errorf("%d members, want only the keyed agent", m.Members())
	}
}

// freeAddr is a loopback address whose port is free for TCP and UDP now,
// so the test never depends on what else runs on the machine.
func freeAddr(t *testing.T) string {
	t.Helper()
	for range 20 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		udp, err := net.ListenPacket("udp", addr)
		_ = ln.Close() // only the number was wanted
		if err == nil {
			_ = udp.Close()
			return addr
		}
	}
	t.Fatal("no port free for both TCP and UDP on 127.0.0.1")
	return ""
}
