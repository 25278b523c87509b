package armemu

import (
	"net/http"
	"strings"
	"sync"
)

// faults are errors a test asks the emulator to answer, as Azure would:
// the next n requests whose method and path match get the error.
type faults struct {
	mu   sync.Mutex
	list []*fault
}

type fault struct {
	method, pathPart string
	n                int
	err              *apiError
}

// Fail makes the next n requests of method (empty: any) whose path
// contains pathPart (case-insensitive) fail with Azure's error of this
// status and code.
func (s *Server) Fail(method, pathPart string, n, status int, code, message string) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.list = append(s.faults.list, &fault{method: method, pathPart: strings.ToLower(pathPart), n: n, err: fail(status, code, "%s", message)})
}

func (f *faults) take(r *http.Request) *apiError {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, x := range f.list {
		if x.n > 0 && (x.method == "" || x.method == r.Method) && strings.Contains(strings.ToLower(r.URL.Path), x.pathPart) {
			x.n--
			return x.err
		}
	}
	return nil
}
