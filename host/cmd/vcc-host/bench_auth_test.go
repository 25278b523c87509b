package main_test

import (
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/vccproject/vcc/host/internal/testenv"
	"github.com/vccproject/vcc/sdk"
)

// BenchmarkAuthenticatedGET compares requests/s of an authenticated GET
// (token checked against the embedded backend, with its short cache) with
// an unauthenticated one, over keep-alive HTTPS from 8 clients.
func BenchmarkAuthenticatedGET(b *testing.B) {
	h := testenv.StartHost(b, "", "--reconcile-interval", "0")
	client := httpsClientB(b, h)
	rate := func(path, token string, n int) float64 {
		var wg sync.WaitGroup
		start := time.Now()
		for w := 0; w < 8; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < n/8; i++ {
					req, _ := http.NewRequest(http.MethodGet, h.URL+sdk.Prefix+path, nil)
					if token != "" {
						req.Header.Set("Authorization", "Bearer "+token)
					}
					resp, err := client.Do(req)
					if err != nil || resp.StatusCode != 200 {
						b.Errorf("%s: %v", path, err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}()
		}
		wg.Wait()
		return float64(n) / time.Since(start).Seconds()
	}
	rate("/health", "", 800) // warm up connections and the token cache
	rate("/accounts/authority", h.Token, 800)
	var open, authed float64
	rounds := 0
	for b.Loop() {
		// Alternate the order so neither side always runs warmer.
		if rounds%2 == 0 {
			open += rate("/health", "", 4000)
			authed += rate("/accounts/authority", h.Token, 4000)
		} else {
			authed += rate("/accounts/authority", h.Token, 4000)
			open += rate("/health", "", 4000)
		}
		rounds++
	}
	open, authed = open/float64(rounds), authed/float64(rounds)
	b.ReportMetric(open, "unauth-req/s")
	b.ReportMetric(authed, "auth-req/s")
	b.ReportMetric(authed/open, "ratio")
}

func httpsClientB(b *testing.B, h *testenv.Host) *http.Client {
	c := httpsClient(b, h)
	c.Transport.(*http.Transport).MaxIdleConnsPerHost = 16
	return c
}
