package sdk

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// Prefix is the API's root path.
const Prefix = "/vcp/v1/occtr"

// Client talks to one controller. Every method takes a context.
type Client struct {
	base       string
	token      string
	http       *http.Client
	privileged bool
}

// Privileged returns a client whose calls ask for privileged access (a
// super user acting on every VC, as the upstream SDK's privileged=True).
func (c *Client) Privileged() *Client {
	cp := *c
	cp.privileged = true
	return &cp
}

// Option configures a Client.
type Option func(*Client) error

// WithCAFile trusts the CA in a PEM file (the controller's ca.pem).
func WithCAFile(path string) Option {
	return func(c *Client) error {
		pem, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("read CA: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return fmt.Errorf("%s holds no PEM certificate", path)
		}
		c.http.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
		return nil
	}
}

// WithHTTPClient replaces the HTTP client.
func WithHTTPClient(h *http.Client) Option {
	return func(c *Client) error { c.http = h; return nil }
}

// New returns a client for baseURL (https://host:port) with token.
func New(baseURL, token string, opts ...Option) (*Client, error) {
	c := &Client{base: strings.TrimRight(baseURL, "/"), token: token, http: &http.Client{Timeout: 2 * time.Minute}}
	for _, o := range opts {
		if err := o(c); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// APIError is an error answer of the controller.
type APIError struct {
	Status int
	Body   Error
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("%d %s", e.Status, e.Body.Message)
	for _, d := range e.Body.Details {
		s += fmt.Sprintf("; %s: %s", d.Field, d.Message)
	}
	return s
}

// StatusOf returns the HTTP status of an *APIError, or 0.
func StatusOf(err error) int {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Status
	}
	return 0
}

// do sends a request and decodes a 2xx answer into out (when not nil).
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		raw, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(raw)
	}
	if c.privileged {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		path += sep + "privileged=true"
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }() // read only: nothing to lose
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		ae := &APIError{Status: resp.StatusCode}
		if json.Unmarshal(raw, &ae.Body) != nil || ae.Body.Message == "" {
			ae.Body.Message = strings.TrimSpace(string(raw))
		}
		return ae
	}
	if out != nil && len(raw) > 0 {
		return json.Unmarshal(raw, out)
	}
	return nil
}

func esc(s string) string { return url.PathEscape(s) }

// Token returns the client's token.
func (c *Client) Token() string { return c.token }
