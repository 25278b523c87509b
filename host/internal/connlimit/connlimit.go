// Package connlimit caps the connections one client (remote IP) holds
// open at once, so that one careless or hostile client cannot take every
// goroutine and file descriptor of the API. A connection over the cap is
// still accepted and answered, with a 429 that says why, then closed.
package connlimit

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"sync"

	"github.com/vccproject/vcc/sdk"
)

// Listener counts the open connections of each remote IP.
type Listener struct {
	net.Listener
	max  int
	mu   sync.Mutex
	open map[string]int
}

// Wrap caps the connections of each client of l at max (0: no cap).
func Wrap(l net.Listener, max int) *Listener {
	return &Listener{Listener: l, max: max, open: map[string]int{}}
}

// Accept returns the next connection, marked when its client is over
// the cap.
func (l *Listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	ip := remoteIP(c)
	l.mu.Lock()
	l.open[ip]++
	n := l.open[ip]
	l.mu.Unlock()
	return &conn{Conn: c, l: l, ip: ip, over: l.max > 0 && n > l.max}, nil
}

func (l *Listener) release(ip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[ip]--; l.open[ip] <= 0 {
		delete(l.open, ip)
	}
}

func remoteIP(c net.Conn) string {
	if a, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		return a.IP.String()
	}
	host, _, _ := net.SplitHostPort(c.RemoteAddr().String())
	return host
}

// conn is one counted connection.
type conn struct {
	net.Conn
	l    *Listener
	ip   string
	over bool
	once sync.Once
}

func (c *conn) Close() error {
	c.once.Do(func() { c.l.release(c.ip) })
	return c.Conn.Close()
}

type overKey struct{}

// ConnContext is http.Server's ConnContext: it remembers whether the
// connection is over its client's cap.
func ConnContext(l *Listener) func(context.Context, net.Conn) context.Context {
	return func(ctx context.Context, c net.Conn) context.Context {
		if tc, ok := c.(*tls.Conn); ok {
			c = tc.NetConn()
		}
		if cc, ok := c.(*conn); ok && cc.over {
			return context.WithValue(ctx, overKey{}, cc.ip)
		}
		return ctx
	}
}

// Handler answers requests on a connection over the cap with a 429 and
// closes the connection; others go to next.
func Handler(l *Listener, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ip, over := r.Context().Value(overKey{}).(string)
		if !over {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Connection", "close")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		_ = json.NewEncoder(w).Encode(sdk.Error{Message: fmt.Sprintf(
			"too many connections from %s: at most %d at once; close idle connections, or reuse one (HTTP keep-alive)", ip, l.max)})
	})
}
