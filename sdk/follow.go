package sdk

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// PublicKey returns the controller's SSH public key.
func (c *Client) PublicKey(ctx context.Context) (string, error) {
	var out struct {
		PublicKey string `json:"public_key"`
	}
	return out.PublicKey, c.do(ctx, http.MethodGet, Prefix+"/publickey", nil, &out)
}

// Follow streams state changes (only those of vcid when it is set) until
// ctx ends or the connection drops, when the channel is closed. It sees
// what GET /vcs/{vcid} would: the caller's VCs, or with Privileged every
// VC.
func (c *Client) Follow(ctx context.Context, vcid string) (<-chan Event, error) {
	path := Prefix + "/events?vcid=" + url.QueryEscape(vcid)
	if c.privileged {
		path += "&privileged=true"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "text/event-stream")
	stream := *c.http
	stream.Timeout = 0 // the stream lasts as long as ctx
	resp, err := stream.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		_ = resp.Body.Close() // the status is the error to report
		return nil, &APIError{Status: resp.StatusCode, Body: Error{Message: fmt.Sprintf("events: %s", resp.Status)}}
	}
	ch := make(chan Event, 64)
	go func() {
		defer close(ch)
		defer func() { _ = resp.Body.Close() }() // read only: nothing to lose
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			data, ok := strings.CutPrefix(sc.Text(), "data: ")
			if !ok {
				continue
			}
			var e Event
			if json.Unmarshal([]byte(data), &e) != nil {
				continue
			}
			select {
			case ch <- e:
			case <-ctx.Done():
				return
			}
		}
	}()
	return ch, nil
}
