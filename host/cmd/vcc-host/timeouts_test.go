package main_test

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/vccproject/vcc/host/internal/testenv"
	"github.com/vccproject/vcc/sdk"
)

// dialTLS opens a raw HTTPS connection to the host, speaking HTTP/1.1.
func dialTLS(t *testing.T, h *testenv.Host) *tls.Conn {
	t.Helper()
	pem, err := os.ReadFile(h.CA)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	c, err := tls.Dial("tcp", strings.TrimPrefix(h.URL, "https://"), &tls.Config{RootCAs: pool, NextProtos: []string{"http/1.1"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() }) // the server may have closed it first
	return c
}

// answer reads the response on c; it fails the test when none comes (or
// the connection is not closed after it) within limit.
func answer(t *testing.T, c *tls.Conn, limit time.Duration) (*http.Response, string) {
	t.Helper()
	if err := c.SetReadDeadline(time.Now().Add(limit)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer within %v: %v", limit, err)
	}
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// TestSlowClients: a client that trickles its body, or never completes
// it, is answered 408 and let go after the read timeout; a client that
// opens too many connections is answered 429 on the extra ones; long
// polls and event streams outlive the read timeout.
func TestSlowClients(t *testing.T) {
	h := testenv.StartHost(t, "sim:\n  default:\n    latency_ms: 3000\n", "--read-timeout", "1s", "--max-client-conns", "6")
	c, cl := ctx(t), h.Client
	post := "POST " + sdk.Prefix + "/vcs HTTP/1.1\r\nHost: vcc\r\nAuthorization: Bearer " + h.Token + "\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n"

	t.Run("trickled_body", func(t *testing.T) {
		conn := dialTLS(t, h)
		fmt.Fprint(conn, post)
		go func() { // one byte every 300 ms: it would take 12 s
			for _, b := range []byte(`{"name": "slowly-slowly-slowly-arriving"}`) {
				if _, err := conn.Write([]byte{b}); err != nil {
					return
				}
				time.Sleep(300 * time.Millisecond)
			}
		}()
		if resp, body := answer(t, conn, 20*time.Second); resp.StatusCode != http.StatusRequestTimeout || !strings.Contains(body, "did not arrive in time") {
			t.Errorf("trickled body: %d %s, want 408 saying why", resp.StatusCode, body)
		}
	})
	t.Run("body_never_completed", func(t *testing.T) {
		conn := dialTLS(t, h)
		fmt.Fprint(conn, post+`{"name": `)
		if resp, _ := answer(t, conn, 20*time.Second); resp.StatusCode != http.StatusRequestTimeout {
			t.Errorf("unfinished body: %d, want 408", resp.StatusCode)
		}
		if err := conn.SetReadDeadline(time.Now().Add(20 * time.Second)); err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Read(make([]byte, 1)); err == nil {
			t.Error("the connection stays open after the 408")
		}
	})

	t.Run("long_requests_outlive_it", func(t *testing.T) {
		vc := must[*sdk.VC](t)(cl.CreateUnitGroup(c, "slow", ""))
		get := func(path string) *tls.Conn { // over HTTP/1.1, where an expired read deadline ends a request
			conn := dialTLS(t, h)
			fmt.Fprintf(conn, "GET %s%s HTTP/1.1\r\nHost: vcc\r\nAuthorization: Bearer %s\r\n\r\n", sdk.Prefix, path, h.Token)
			return conn
		}
		stream := bufio.NewReader(get("/events?vcid=" + vc.VCID))
		acc := must[*sdk.Accepted](t)(cl.CreateUnit(c, vc.VCID, sdk.CreateUnitRequest{UnitName: "u", Provider: "sim"}))
		// The create's cloud call takes 3 s; the read timeout is 1 s, the
		// write timeout 2 s.
		poll := get("/operations/" + acc.OperationID + "?wait=50s")
		if resp, body := answer(t, poll, 20*time.Second); !strings.Contains(body, `"state":"succeeded"`) {
			t.Errorf("long poll answered %d %s, want the operation's end (succeeded)", resp.StatusCode, body)
		}
		want := fmt.Sprintf(`"operation_id":%q,"state":"succeeded"`, acc.OperationID)
		for {
			line, err := stream.ReadString('\n')
			if err != nil {
				t.Fatalf("the event stream ended before the operation did: %v", err)
			}
			if strings.Contains(line, want) {
				return
			}
		}
	})

	t.Run("connection_cap", func(t *testing.T) {
		var refused string
		for i := 0; i < 8 && refused == ""; i++ { // the test's clients hold some already
			conn := dialTLS(t, h)
			fmt.Fprint(conn, "GET "+sdk.Prefix+"/health HTTP/1.1\r\nHost: vcc\r\n\r\n")
			if resp, body := answer(t, conn, 20*time.Second); resp.StatusCode == http.StatusTooManyRequests {
				refused = body
			}
		}
		if !strings.Contains(refused, "too many connections from 127.0.0.1: at most 6") {
			t.Fatalf("the 8th connection of one client: %q, want a 429 saying why", refused)
		}
	})
	if err := cl.Health(c); err != nil {
		t.Errorf("after the raw connections closed: %v", err)
	}
}
