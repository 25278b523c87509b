package ociemu_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/oracle/oci-go-sdk/v65/core"
	"github.com/vccproject/vcc/plugins/oracle/ociemu"
)

// TestControl: the control API a test in another process drives lists
// instances, crashes one (STOPPED at once), injects faults, and is not
// served at OCI's paths; OCI's API beside it still checks signatures.
func TestControl(t *testing.T) {
	w, _ := ociemu.Start(t)
	srv := httptest.NewServer(w.WithControl())
	t.Cleanup(srv.Close)
	c := sdk(t, w, srv.URL, w.UserOCID, w.Fingerprint, w.PrivateKey)
	res, err := c.compute.LaunchInstance(context.Background(), launch(w, "", "ctl"))
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, c, *res.Id, core.InstanceLifecycleStateRunning)
	post := func(path, body string) int {
		resp, err := http.Post(srv.URL+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close() // the status is the answer
		return resp.StatusCode
	}
	cases := []struct {
		name, path, body string
		want             int
	}{
		{"crash", "/_emu/crash?id=" + *res.Id, "", 204},
		{"crash again", "/_emu/crash?id=" + *res.Id, "", 409},
		{"preempt on-demand", "/_emu/preempt?id=" + *res.Id, "", 409},
		{"fail", "/_emu/fail", `{"op": "GetInstance", "n": 1, "status": 429, "code": "TooManyRequests", "message": "slow"}`, 204},
		{"fail without op", "/_emu/fail", `{"status": 429}`, 400},
	}
	for _, tc := range cases {
		if got := post(tc.path, tc.body); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
	resp, err := http.Get(srv.URL + "/_emu/instances")
	if err != nil {
		t.Fatal(err)
	}
	var list []ociemu.Instance
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil || len(list) != 1 || list[0].LifecycleState != ociemu.Stopped {
		t.Errorf("instances: %v %+v", err, list)
	}
	_ = resp.Body.Close() // read to the end
	vol := w.AddVolume(50)
	resp, err = http.Get(srv.URL + "/_emu/volumes")
	if err != nil {
		t.Fatal(err)
	}
	var vols []ociemu.Volume
	if err := json.NewDecoder(resp.Body).Decode(&vols); err != nil || len(vols) != 1 || vols[0].ID != vol || vols[0].LifecycleState != "AVAILABLE" {
		t.Errorf("volumes: %v %+v", err, vols)
	}
	_ = resp.Body.Close() // read to the end
	_, err = c.compute.GetInstance(context.Background(), core.GetInstanceRequest{InstanceId: res.Id})
	if s, cd := code(err); s != 429 || cd != "TooManyRequests" {
		t.Errorf("injected fault: %v", err)
	}
	if resp, err := http.Get(srv.URL + "/20160918/instances/" + *res.Id); err != nil || resp.StatusCode != 401 {
		t.Errorf("an unsigned API call beside the control API: %v %v", err, resp)
	} else {
		_ = resp.Body.Close()
	}
}
