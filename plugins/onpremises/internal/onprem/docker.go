package onprem

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
)

// dockerSocket is where the Engine API listens on a server.
const dockerSocket = "/var/run/docker.sock"

// engine is the Docker Engine API of one server, reached through SSH:
// the socket forwarded directly when the login user may open it, else
// `sudo -n docker system dial-stdio` (what docker's own ssh:// transport
// does), so a sudo user outside the docker group works too.
type engine struct {
	c    *conn
	http *http.Client
}

// engine returns the server's Docker, probing once per connection how it
// is reached. One HTTP transport per connection keeps its streams reused:
// sshd allows only a few sessions per connection (MaxSessions 10).
func (c *conn) engine(ctx context.Context) (*engine, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.eng != nil {
		return c.eng, nil
	}
	var problems []string
	for _, m := range []string{"socket", "sudo"} {
		e := &engine{c: c}
		e.http = e.client(m)
		if err := e.ping(ctx); err != nil {
			e.http.CloseIdleConnections()
			problems = append(problems, m+": "+err.Error())
			continue
		}
		c.eng = e
		return e, nil
	}
	return nil, &dockerError{problems: problems}
}

// dockerError says Docker cannot be reached either way.
type dockerError struct{ problems []string }

func (e *dockerError) Error() string {
	return "Docker is not reachable: " + strings.Join(e.problems, "; ")
}

func (e *engine) client(mode string) *http.Client {
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			if mode == "socket" {
				return e.c.client.Dial("unix", dockerSocket)
			}
			return dialStdio(e.c.client)
		},
		MaxIdleConnsPerHost: 4, IdleConnTimeout: 30 * time.Second,
	}
	return &http.Client{Transport: tr}
}

func (e *engine) ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	var body []byte
	if err := e.do(ctx, http.MethodGet, "/_ping", nil, nil, &body); err != nil {
		return err
	}
	if strings.TrimSpace(string(body)) != "OK" {
		return fmt.Errorf("unexpected /_ping answer %q", body)
	}
	return nil
}

// apiError is a non-2xx answer of the Engine API.
type apiError struct {
	Status  int
	Message string
}

func (e *apiError) Error() string { return fmt.Sprintf("docker: %s (HTTP %d)", e.Message, e.Status) }

func isStatus(err error, code int) bool {
	var ae *apiError
	return errors.As(err, &ae) && ae.Status == code
}

// do calls the Engine API; out is a *[]byte for the raw body or a value
// to decode JSON into.
func (e *engine) do(ctx context.Context, method, path string, query url.Values, in, out any) error {
	var body io.Reader
	if in != nil {
		raw, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(raw)
	}
	u := "http://docker" + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := e.http.Do(req)
	if err != nil {
		return err
	}
	// A read body's close error says nothing the read did not.
	defer func() { _ = resp.Body.Close() }()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 && resp.StatusCode != http.StatusNotModified {
		var m struct{ Message string }
		if json.Unmarshal(raw, &m) != nil || m.Message == "" {
			m.Message = strings.TrimSpace(string(raw))
		}
		return &apiError{Status: resp.StatusCode, Message: m.Message}
	}
	switch o := out.(type) {
	case nil:
		return nil
	case *[]byte:
		*o = raw
		return nil
	default:
		return json.Unmarshal(raw, out)
	}
}

// stdioConn is a net.Conn over an SSH session running docker's
// dial-stdio proxy.
type stdioConn struct {
	s *ssh.Session
	r io.Reader
	w io.WriteCloser
}

func dialStdio(c *ssh.Client) (net.Conn, error) {
	s, err := c.NewSession()
	if err != nil {
		return nil, err
	}
	w, err := s.StdinPipe()
	if err != nil {
		_ = s.Close() // the session failed already; its close error adds nothing
		return nil, err
	}
	r, err := s.StdoutPipe()
	if err != nil {
		_ = s.Close() // the session failed already; its close error adds nothing
		return nil, err
	}
	var stderr bytes.Buffer
	s.Stderr = &stderr
	if err := s.Start("sudo -n docker system dial-stdio"); err != nil {
		_ = s.Close() // the session failed already; its close error adds nothing
		return nil, err
	}
	// A refused sudo or a missing docker ends the session at once; tell
	// that apart from a proxy that is simply waiting for a request.
	exited := make(chan error, 1)
	go func() { exited <- s.Wait() }()
	select {
	case err := <-exited:
		return nil, fmt.Errorf("sudo -n docker system dial-stdio: %v: %s", err, strings.TrimSpace(stderr.String()))
	case <-time.After(150 * time.Millisecond):
	}
	return &stdioConn{s: s, r: r, w: w}, nil
}

func (c *stdioConn) Read(p []byte) (int, error)  { return c.r.Read(p) }
func (c *stdioConn) Write(p []byte) (int, error) { return c.w.Write(p) }
func (c *stdioConn) Close() error {
	return errors.Join(c.w.Close(), c.s.Close())
}
func (c *stdioConn) LocalAddr() net.Addr              { return stdioAddr{} }
func (c *stdioConn) RemoteAddr() net.Addr             { return stdioAddr{} }
func (c *stdioConn) SetDeadline(time.Time) error      { return nil }
func (c *stdioConn) SetReadDeadline(time.Time) error  { return nil }
func (c *stdioConn) SetWriteDeadline(time.Time) error { return nil }

type stdioAddr struct{}

func (stdioAddr) Network() string { return "ssh" }
func (stdioAddr) String() string  { return "docker-dial-stdio" }
