package config

import "testing"

func TestClosest(t *testing.T) {
	installed := []string{"aws", "aws_spot", "onpremises", "sim"}
	cases := map[string]string{
		"smi":        "sim",
		"sin":        "sim",
		"aws_sopt":   "aws_spot",
		"onpremise":  "onpremises",
		"onpremisse": "onpremises",
		"azure":      "", // another cloud, not a typo
		"gcp":        "",
		"sim":        "", // installed: no suggestion
		"ab":         "",
	}
	for in, want := range cases {
		if got := closest(in, installed); got != want {
			t.Errorf("closest(%q) = %q, want %q", in, got, want)
		}
	}
}
