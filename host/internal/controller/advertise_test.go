package controller

import (
	"encoding/json"
	"testing"
)

func TestFirstHost(t *testing.T) {
	for in, want := range map[string]string{
		`{"private_network_ipmask": "172.30.2.0/24"}`: "172.30.2.1",
		`{"private_network_ipmask": "10.1.2.3/16"}`:   "10.1.0.1",
		`{"private_network_ipmask": "nonsense"}`:      "",
		`{}`:                                          "",
	} {
		if got := firstHost(json.RawMessage(in)); got != want {
			t.Errorf("firstHost(%s) = %q, want %q", in, got, want)
		}
	}
}

func TestLocalAddrToward(t *testing.T) {
	if got := localAddrToward("127.0.0.1"); got != "127.0.0.1" {
		t.Errorf("toward loopback: %q", got)
	}
	if got := localAddrToward("not-an-ip"); got != "" {
		t.Errorf("toward a bad address: %q", got)
	}
}
