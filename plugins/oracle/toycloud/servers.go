package toycloud

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"slices"
	"strings"
)

type createBody struct {
	Name     string            `json:"name"`
	Image    string            `json:"image"`
	Size     string            `json:"size"`
	Network  string            `json:"network"`
	FixedIP  string            `json:"fixed_ip"`
	Tags     map[string]string `json:"tags"`
	UserData string            `json:"user_data"`
}

func (c *Cloud) create(r *http.Request) (int, any, *apiError) {
	var b createBody
	if err := json.NewDecoder(r.Body).Decode(&b); err != nil {
		return 0, nil, fail(http.StatusBadRequest, "invalid_request", "body: "+err.Error())
	}
	net, ok := c.networks[b.Network]
	switch {
	case b.Name == "":
		return 0, nil, fail(http.StatusBadRequest, "invalid_request", "name is required")
	case !slices.Contains(Images, b.Image):
		return 0, nil, fail(http.StatusNotFound, "not_found", "no image "+b.Image)
	case !slices.Contains(Sizes, b.Size):
		return 0, nil, fail(http.StatusBadRequest, "invalid_request", fmt.Sprintf("size %q is not one of %v", b.Size, Sizes))
	case !ok:
		return 0, nil, fail(http.StatusNotFound, "not_found", "no network "+b.Network)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.advanceLocked()
	if c.opts.Quota > 0 && len(c.servers) >= c.opts.Quota {
		return 0, nil, fail(http.StatusForbidden, "quota_exceeded", fmt.Sprintf("the account holds %d servers, its quota", c.opts.Quota))
	}
	addr, err := c.addressLocked(net, b.FixedIP)
	if err != nil {
		return 0, nil, err
	}
	c.seq++
	s := &server{Server: Server{ID: fmt.Sprintf("srv-%06d", c.seq), Name: b.Name, Image: b.Image, Size: b.Size, Network: b.Network,
		Address: addr, Tags: b.Tags, UserData: b.UserData, Created: c.now().UTC()}}
	c.moveLocked(s, "pending", "running", c.opts.BootDelay)
	c.servers[s.ID] = s
	return http.StatusAccepted, s.Server, nil
}

// addressLocked takes the fixed IP, or the first free host address.
func (c *Cloud) addressLocked(net netip.Prefix, fixed string) (string, *apiError) {
	used := map[string]bool{}
	for _, s := range c.servers {
		used[s.Address] = true
	}
	if fixed != "" {
		a, err := netip.ParseAddr(fixed)
		if err != nil || !net.Contains(a) {
			return "", fail(http.StatusBadRequest, "invalid_request", fmt.Sprintf("fixed_ip %s is not inside %s", fixed, net))
		}
		if used[a.String()] {
			return "", fail(http.StatusConflict, "address_in_use", fmt.Sprintf("%s is used by another server", a))
		}
		return a.String(), nil
	}
	for a := net.Addr().Next(); net.Contains(a.Next()); a = a.Next() {
		if !used[a.String()] {
			return a.String(), nil
		}
	}
	return "", fail(http.StatusServiceUnavailable, "no_capacity", "no free address in "+net.String())
}

// list answers the servers carrying every ?tag=KEY=VALUE given.
func (c *Cloud) list(r *http.Request) (int, any, *apiError) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.advanceLocked()
	out := []Server{}
	for _, s := range c.servers {
		if matches(s.Tags, r.URL.Query()["tag"]) {
			out = append(out, s.Server)
		}
	}
	slices.SortFunc(out, func(a, b Server) int { return strings.Compare(a.ID, b.ID) })
	return http.StatusOK, map[string][]Server{"servers": out}, nil
}

func matches(tags map[string]string, want []string) bool {
	for _, kv := range want {
		k, v, _ := strings.Cut(kv, "=")
		if got, ok := tags[k]; !ok || got != v {
			return false
		}
	}
	return true
}

// statuses is the cheap call: ids in, states out, unknown ids left out.
func (c *Cloud) statuses(r *http.Request) (int, any, *apiError) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.advanceLocked()
	type status struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	}
	out := []status{}
	for _, id := range r.URL.Query()["id"] {
		if s, ok := c.servers[id]; ok {
			out = append(out, status{id, s.Status})
		}
	}
	return http.StatusOK, map[string][]status{"statuses": out}, nil
}
