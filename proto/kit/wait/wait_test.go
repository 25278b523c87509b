package wait_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/vccproject/vcc/proto/kit/wait"
)

func TestFor(t *testing.T) {
	fast := wait.Backoff{Min: time.Millisecond, Max: 2 * time.Millisecond}
	boom := errors.New("boom")
	cases := map[string]struct {
		doneAt    int // call that reports done; 0 never
		failAt    int
		timeout   time.Duration
		wantErr   error
		isTimeout bool
	}{
		"done_third":  {doneAt: 3, timeout: time.Second},
		"check_fails": {failAt: 2, timeout: time.Second, wantErr: boom},
		"times_out":   {timeout: 20 * time.Millisecond, wantErr: context.DeadlineExceeded, isTimeout: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), tc.timeout)
			defer cancel()
			calls := 0
			err := wait.For(ctx, "x", fast, func(context.Context) (bool, string, error) {
				calls++
				if calls == tc.failAt {
					return false, "", boom
				}
				return calls == tc.doneAt, "pending", nil
			})
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err %v, want %v", err, tc.wantErr)
			}
			var te *wait.TimeoutError
			if errors.As(err, &te) != tc.isTimeout || (te != nil && te.LastSeen != "pending") {
				t.Errorf("timeout error %+v", te)
			}
		})
	}
}
