package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/vccproject/vcc/host/internal/identity"
)

// Serve answers admin requests on a unix socket at path (mode 0600, so
// only its owner and root can connect) until ctx ends.
func Serve(ctx context.Context, path string, svc *identity.Service, h *Host) error {
	_ = os.Remove(path) // a stale socket of a crashed run
	ln, err := net.Listen("unix", path)
	if err != nil {
		return fmt.Errorf("admin socket: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		_ = ln.Close() // the chmod error is the one to report
		return err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req Request
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&req); err != nil {
			_ = json.NewEncoder(w).Encode(Response{Error: "bad admin request: " + err.Error(), Usage: true})
			return
		}
		_ = json.NewEncoder(w).Encode(Do(r.Context(), svc, h, req))
	}), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
		_ = os.Remove(path)
	}()
	go func() { _ = srv.Serve(ln) }()
	return nil
}

// ErrNotRunning means no vcc-host answers on the socket.
var ErrNotRunning = errors.New("no vcc-host is serving on this data dir")

// Call sends one request to a running host.
func Call(ctx context.Context, path string, req Request) (Response, error) {
	if _, err := os.Stat(path); err != nil {
		return Response{}, ErrNotRunning
	}
	client := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", path)
	}}, Timeout: 30 * time.Second}
	raw, _ := json.Marshal(req)
	resp, err := client.Post("http://admin/", "application/json", bytes.NewReader(raw))
	if err != nil {
		var op *net.OpError
		if errors.As(err, &op) {
			return Response{}, ErrNotRunning // socket left by a stopped host
		}
		return Response{}, err
	}
	defer func() { _ = resp.Body.Close() }() // read only
	var out Response
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return Response{}, fmt.Errorf("admin socket answered: %w", err)
	}
	return out, nil
}
