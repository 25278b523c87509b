package moto

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// ActionStats is how often an EC2 action was called and how long moto
// took to answer in all.
type ActionStats struct {
	Action string
	Calls  int
	Time   time.Duration
}

// counter is a reverse proxy in front of moto that tallies the actions
// it forwards, so a benchmark can say which calls its time went to.
type counter struct {
	mu    sync.Mutex
	stats map[string]*ActionStats
}

// Count puts a tallying proxy in front of the server: s.URL becomes the
// proxy's, and Stats reports what went through it.
func (s *Server) Count(t testing.TB) {
	t.Helper()
	target, err := url.Parse(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	c := &counter{stats: map[string]*ActionStats{}}
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.Transport = &http.Transport{MaxIdleConnsPerHost: 256}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		form, _ := url.ParseQuery(string(body))
		start := time.Now()
		proxy.ServeHTTP(w, r)
		c.add(form.Get("Action"), time.Since(start))
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	s.URL = "http://" + ln.Addr().String()
	s.count = c
}

func (c *counter) add(action string, d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.stats[action]
	if st == nil {
		st = &ActionStats{Action: action}
		c.stats[action] = st
	}
	st.Calls++
	st.Time += d
}

// Stats returns the tally since Count (nil without it), busiest first,
// and starts a new one.
func (s *Server) Stats() []ActionStats {
	if s.count == nil {
		return nil
	}
	s.count.mu.Lock()
	defer s.count.mu.Unlock()
	var out []ActionStats
	for _, st := range s.count.stats {
		out = append(out, *st)
	}
	s.count.stats = map[string]*ActionStats{}
	sort.Slice(out, func(i, j int) bool { return out[i].Time > out[j].Time })
	return out
}

// CPU is the processor time moto has used so far (user and system): the
// work a client made the emulator do, which wall time on a shared
// machine hides.
func (s *Server) CPU(t testing.TB) time.Duration {
	t.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.pid))
	if err != nil {
		t.Fatal(err)
	}
	// Fields after the command name, which is in parentheses.
	f := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+2:]))
	var utime, stime int64
	// /proc/PID/stat fields 14 and 15 are numbers; a bad read stays 0.
	_, _ = fmt.Sscan(f[11], &utime)
	_, _ = fmt.Sscan(f[12], &stime)
	const hz = 100 // USER_HZ on Linux
	return time.Duration(utime+stime) * time.Second / hz
}
