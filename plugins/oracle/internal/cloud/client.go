// Package cloud is the plugin's cloud API client: the one place that
// speaks the cloud's wire protocol. In the oracle it is a small REST
// client of the toy cloud; in your plugin, replace this package with your
// cloud's SDK (or a thin wrapper of it) and keep the provider's calls to
// it marked "CLOUD CALL".
package cloud

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// Client talks to one endpoint with one API key. It is safe for
// concurrent use and keeps its connections, so the plugin caches it
// (kit/clientcache) instead of making one per call.
type Client struct {
	base *url.URL
	key  string
	http *http.Client
}

// New checks the endpoint and makes a client.
func New(endpoint, apiKey string) (*Client, error) {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("endpoint %q is not an http(s) URL", endpoint)
	}
	// A per-request timeout besides the caller's context: a cloud that
	// accepts a connection and never answers must not hold a call forever.
	return &Client{base: u, key: apiKey, http: &http.Client{Timeout: time.Minute}}, nil
}

// Close drops idle connections (the cache calls it on eviction).
func (c *Client) Close() { c.http.CloseIdleConnections() }

// APIError is an error answer of the cloud.
type APIError struct {
	Status  int    // HTTP status
	Code    string // the cloud's own code, e.g. "quota_exceeded"
	Message string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("%s (HTTP %d %s)", e.Message, e.Status, e.Code)
}

// IsNotFound reports whether err is the cloud saying "no such thing".
func IsNotFound(err error) bool {
	var e *APIError
	return errors.As(err, &e) && e.Status == http.StatusNotFound
}

// do sends one request with in as JSON body and decodes the answer into out.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, in, out any) error {
	u := c.base.JoinPath(path)
	u.RawQuery = query.Encode()
	var body io.Reader
	if in != nil {
		raw, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("encode %s %s: %w", method, path, err)
		}
		body = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer func() { _ = resp.Body.Close() }() // read to the end below; nothing to act on
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return fmt.Errorf("%s %s: read answer: %w", method, path, err)
	}
	if resp.StatusCode >= 300 {
		var e struct{ Error APIError }
		if json.Unmarshal(raw, &e) != nil || e.Error.Code == "" {
			e.Error = APIError{Code: "unknown", Message: http.StatusText(resp.StatusCode)}
		}
		e.Error.Status = resp.StatusCode
		return &e.Error
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("%s %s: decode answer: %w", method, path, err)
	}
	return nil
}
