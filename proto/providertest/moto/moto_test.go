package moto

import "testing"

func TestStart(t *testing.T) {
	s := Start(t)
	if s.Subnet == "" || s.SecurityGroup == "" || s.Image == "" || s.SubnetCIDR == "" {
		t.Fatalf("%+v", s)
	}
	if n := len(s.Instances(t)); n != 0 {
		t.Errorf("a fresh moto has %d instances", n)
	}
}
