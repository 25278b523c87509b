package toycloud

import (
	"net/http/httptest"
	"testing"
	"time"
)

// TestKey is the admin API key of a cloud from Start.
const TestKey = "toy-admin-key"

// ReaderKey is a key of a cloud from Start that may only read.
const ReaderKey = "toy-reader-key"

// Start serves a cloud for one test on 127.0.0.1: TestKey is an admin,
// ReaderKey a reader, servers boot and delete in 30 ms; tweaks change
// that. It stops when the test ends.
func Start(t testing.TB, tweaks ...func(*Options)) (*Cloud, *httptest.Server) {
	t.Helper()
	o := Options{
		Keys:      map[string]Role{TestKey: Admin, ReaderKey: Reader},
		BootDelay: 30 * time.Millisecond, DeleteDelay: 30 * time.Millisecond,
	}
	for _, tweak := range tweaks {
		tweak(&o)
	}
	c, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(c.Handler())
	t.Cleanup(srv.Close)
	return c, srv
}

// Servers lists every server the cloud holds now, for tests to check
// what a plugin left behind.
func (c *Cloud) Servers() []Server {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.advanceLocked()
	out := make([]Server, 0, len(c.servers))
	for _, s := range c.servers {
		out = append(out, s.Server)
	}
	return out
}
