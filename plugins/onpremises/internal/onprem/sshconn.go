package onprem

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/vccproject/vcc/proto/provider"
)

// target is one existing server as the spec names it.
type target struct {
	Addr string // host:port
	User string
}

func (t target) String() string { return t.User + "@" + t.Addr }

// hostKeyError is a pinned host key that no longer matches.
type hostKeyError struct {
	addr, pinned, got string
}

func (e *hostKeyError) Error() string {
	return fmt.Sprintf("the SSH host key of %s changed (pinned %s, now %s)", e.addr, e.pinned, e.got)
}

// conn is an SSH connection to one server and how Docker is reached there.
type conn struct {
	client *ssh.Client
	t      target
	mu     sync.Mutex
	eng    *engine // nil until probed
	seen   string  // the host key presented, authorized_keys form
}

// pool keeps connections to servers for reuse across calls: describes
// poll often, and a handshake costs more than the call.
type pool struct {
	mu    sync.Mutex
	conns map[string]*conn
}

func (p *pool) key(t target, signer ssh.Signer) string {
	return t.String() + "|" + ssh.FingerprintSHA256(signer.PublicKey())
}

// get returns a live connection to t, dialling when needed. known is the
// host key pinned for t.Addr ("" when none: trust on first use).
func (p *pool) get(ctx context.Context, t target, signer ssh.Signer, known string) (*conn, error) {
	k := p.key(t, signer)
	p.mu.Lock()
	c := p.conns[k]
	p.mu.Unlock()
	if c != nil {
		if known != "" && c.seen != known {
			p.drop(k, c)
		} else if c.alive(ctx) {
			return c, nil
		} else {
			p.drop(k, c)
		}
	}
	c, err := dial(ctx, t, signer, known)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	if p.conns == nil {
		p.conns = map[string]*conn{}
	}
	if old := p.conns[k]; old != nil {
		old.close()
	}
	p.conns[k] = c
	p.mu.Unlock()
	return c, nil
}

// alive checks a pooled connection with a keepalive request. A server
// that stopped answering would leave the request hanging, so it is
// bounded; closing the connection ends the request.
func (c *conn) alive(ctx context.Context) bool {
	done := make(chan error, 1)
	go func() {
		_, _, err := c.client.SendRequest("keepalive@vcc", true, nil)
		done <- err
	}()
	select {
	case err := <-done:
		return err == nil
	case <-time.After(3 * time.Second):
	case <-ctx.Done():
	}
	return false
}

func (p *pool) drop(k string, c *conn) {
	p.mu.Lock()
	if p.conns[k] == c {
		delete(p.conns, k)
	}
	p.mu.Unlock()
	c.close()
}

func (c *conn) close() {
	c.mu.Lock()
	if c.eng != nil {
		c.eng.http.CloseIdleConnections()
	}
	c.mu.Unlock()
	_ = c.client.Close() // dropped from the pool: a dead connection's close error is expected
}

func dial(ctx context.Context, t target, signer ssh.Signer, known string) (*conn, error) {
	c := &conn{t: t}
	cfg := &ssh.ClientConfig{
		User: t.User, Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)}, Timeout: 10 * time.Second,
		// Ask for one key type first, so the key pinned is the key seen.
		HostKeyAlgorithms: []string{ssh.KeyAlgoED25519, ssh.KeyAlgoECDSA256, ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256},
		HostKeyCallback: func(_ string, _ net.Addr, key ssh.PublicKey) error {
			c.seen = strings.TrimSpace(string(ssh.MarshalAuthorizedKey(key)))
			if known != "" && !sameKey(known, c.seen) {
				return &hostKeyError{addr: t.Addr, pinned: fingerprint(known), got: ssh.FingerprintSHA256(key)}
			}
			return nil
		},
	}
	d := net.Dialer{Timeout: 10 * time.Second}
	raw, err := d.DialContext(ctx, "tcp", t.Addr)
	if err != nil {
		return nil, err
	}
	if dl, ok := ctx.Deadline(); ok {
		if err := raw.SetDeadline(dl); err != nil {
			_ = raw.Close()
			return nil, err
		}
	}
	sc, chans, reqs, err := ssh.NewClientConn(raw, t.Addr, cfg)
	if err != nil {
		_ = raw.Close() // the handshake failed already
		return nil, err
	}
	if err := raw.SetDeadline(time.Time{}); err != nil {
		_ = raw.Close()
		return nil, err
	}
	c.client = ssh.NewClient(sc, chans, reqs)
	return c, nil
}

func sameKey(a, b string) bool {
	fa, fb := strings.Fields(a), strings.Fields(b)
	return len(fa) >= 2 && len(fb) >= 2 && fa[0] == fb[0] && fa[1] == fb[1]
}

func fingerprint(line string) string {
	key, _, _, _, err := ssh.ParseAuthorizedKey([]byte(line))
	if err != nil {
		sum := sha256.Sum256([]byte(line))
		return "unparsable key " + hex.EncodeToString(sum[:8])
	}
	return ssh.FingerprintSHA256(key)
}

// run executes a command on the server and returns its stdout.
func (c *conn) run(ctx context.Context, cmd string) (string, error) {
	s, err := c.client.NewSession()
	if err != nil {
		return "", err
	}
	defer func() { _ = s.Close() }() // the command's own error is what counts
	var out, errOut bytes.Buffer
	s.Stdout, s.Stderr = &out, &errOut
	done := make(chan error, 1)
	go func() { done <- s.Run(cmd) }()
	select {
	case err := <-done:
		if err != nil {
			return out.String(), fmt.Errorf("%s: %w: %s", cmd, err, strings.TrimSpace(errOut.String()))
		}
		return out.String(), nil
	case <-ctx.Done():
		_ = s.Signal(ssh.SIGKILL) // best effort: the caller gave up; closing the session ends it anyway
		return "", ctx.Err()
	}
}

// signer parses the controller key the host passed.
func signer(env provider.CallEnv) (ssh.Signer, error) {
	if len(env.ControllerSSHKey) == 0 {
		return nil, errors.New("the host passed no controller SSH key (it sends one to plugins with the ssh_login capability; is it older than this plugin?)")
	}
	s, err := ssh.ParsePrivateKey(env.ControllerSSHKey)
	if err != nil {
		return nil, fmt.Errorf("controller SSH key: %w", err)
	}
	return s, nil
}

func hostPort(ip string, port int) string { return net.JoinHostPort(ip, strconv.Itoa(port)) }
