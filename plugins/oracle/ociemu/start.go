package ociemu

import (
	"net/http/httptest"
	"testing"
	"time"
)

// Start serves a seeded emulator for one test on 127.0.0.1 (subnet
// 10.0.1.0/24, instances booting and stopping in 50 ms); tweaks change the
// options. It stops when the test ends.
func Start(t testing.TB, tweaks ...func(*Options)) (*World, *httptest.Server) {
	t.Helper()
	o := Options{BootDelay: 50 * time.Millisecond, StopDelay: 50 * time.Millisecond}
	for _, tw := range tweaks {
		tw(&o)
	}
	w, err := Seed(New(o), "10.0.1.0/24")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(w.Handler())
	t.Cleanup(srv.Close)
	return w, srv
}
