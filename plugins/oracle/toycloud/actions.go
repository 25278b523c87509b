package toycloud

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// lookupLocked finds the server of the request's {id}.
func (c *Cloud) lookupLocked(r *http.Request) (*server, *apiError) {
	c.advanceLocked()
	s, ok := c.servers[r.PathValue("id")]
	if !ok {
		return nil, fail(http.StatusNotFound, "not_found", "no server "+r.PathValue("id"))
	}
	return s, nil
}

func (c *Cloud) get(r *http.Request) (int, any, *apiError) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, err := c.lookupLocked(r)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, s.Server, nil
}

// delete starts a deletion; deleting a deleting server is no error, a
// gone one is a 404 (as most clouds answer).
func (c *Cloud) delete(r *http.Request) (int, any, *apiError) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, err := c.lookupLocked(r)
	if err != nil {
		return 0, nil, err
	}
	if s.Status != "deleting" {
		c.moveLocked(s, "deleting", "deleted", c.opts.DeleteDelay)
	}
	return http.StatusAccepted, s.Server, nil
}

// transitions: action -> status it needs -> (transient, final).
var transitions = map[string]map[string][2]string{
	"stop":   {"running": {"stopping", "stopped"}},
	"start":  {"stopped": {"starting", "running"}},
	"reboot": {"running": {"rebooting", "running"}},
}

// act runs {"action": "start" | "stop" | "reboot"}; one that does not fit
// the server's state now is a 409, as a cloud refuses to stop a server
// that is still booting.
func (c *Cloud) act(r *http.Request) (int, any, *apiError) {
	var b struct {
		Action string `json:"action"`
	}
	if err := json.NewDecoder(r.Body).Decode(&b); err != nil || transitions[b.Action] == nil {
		return 0, nil, fail(http.StatusBadRequest, "invalid_request", `want {"action": "start" | "stop" | "reboot"}`)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	s, err := c.lookupLocked(r)
	if err != nil {
		return 0, nil, err
	}
	t, ok := transitions[b.Action][s.Status]
	if !ok {
		return 0, nil, fail(http.StatusConflict, "conflict", fmt.Sprintf("cannot %s server %s while it is %s", b.Action, s.ID, s.Status))
	}
	c.moveLocked(s, t[0], t[1], c.opts.BootDelay)
	return http.StatusAccepted, s.Server, nil
}
