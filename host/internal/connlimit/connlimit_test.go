package connlimit

import (
	"io"
	"net"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestCap: connections over a client's cap are marked, and a closed one
// frees its place.
func TestCap(t *testing.T) {
	cases := map[string]struct {
		max   int
		steps string // a: accept one, c: close the oldest open
		want  []bool // over, for each accept
	}{
		"under":        {max: 3, steps: "aaa", want: []bool{false, false, false}},
		"over":         {max: 2, steps: "aaaa", want: []bool{false, false, true, true}},
		"close_frees":  {max: 2, steps: "aacaa", want: []bool{false, false, false, true}},
		"no_cap":       {max: 0, steps: "aaaa", want: []bool{false, false, false, false}},
		"over_closing": {max: 1, steps: "aacca", want: []bool{false, true, false}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			inner, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer closeConn(t, inner)
			l := Wrap(inner, tc.max)
			var open []net.Conn
			var got []bool
			for _, s := range tc.steps {
				if s == 'c' {
					if len(open) > 0 {
						closeConn(t, open[0])
						open = open[1:]
					} else {
						t.Fatal("nothing to close")
					}
					continue
				}
				client, err := net.Dial("tcp", inner.Addr().String())
				if err != nil {
					t.Fatal(err)
				}
				defer closeConn(t, client)
				c, err := l.Accept()
				if err != nil {
					t.Fatal(err)
				}
				defer func() { _ = c.Close() }() // maybe closed by the case already
				open = append(open, c)
				got = append(got, c.(*conn).over)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("over (-want +got):\n%s", diff)
			}
		})
	}
}

// TestCloseTwice: closing a connection twice frees one place, not two.
func TestCloseTwice(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer closeConn(t, inner)
	l := Wrap(inner, 1)
	var conns []net.Conn
	for range 2 {
		client, err := net.Dial("tcp", inner.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer closeConn(t, client)
		c, err := l.Accept()
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	closeConn(t, conns[0])
	_ = conns[0].Close() // the second close is the point; its error (closed already) is expected
	if got := l.open["127.0.0.1"]; got != 1 {
		t.Errorf("127.0.0.1 holds %d connections after one of two closed twice, want 1", got)
	}
}

func closeConn(t *testing.T, c io.Closer) {
	t.Helper()
	if err := c.Close(); err != nil {
		t.Error(err)
	}
}
