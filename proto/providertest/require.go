package providertest

import (
	"os"
	"testing"
)

// Require stops a test that lacks a real peer it needs (a server, a
// tool): a skip on a developer's machine, a failure in CI (CI=true),
// where a missing peer must never pass silently. what says what is
// missing and how to get it.
func Require(t testing.TB, ok bool, what string) {
	t.Helper()
	if ok {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is required in CI", what)
	}
	t.Skipf("needs %s", what)
}
