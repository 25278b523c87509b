package providertest

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/vccproject/vcc/proto/provider"
)

var powerCaps = []provider.Capability{provider.CapPower, provider.CapReboot, provider.CapTags, provider.CapListByController}

func fixture(t *testing.T, impl provider.Provider) Fixture {
	var attach func(context.Context, string) (string, error)
	if m := memOf(impl); m != nil && m.disk {
		attach = m.attach
	}
	return Fixture{AttachDisk: attach,
		Provider: Connect(t, impl), Impl: impl,
		Env:         provider.CallEnv{ControllerID: "ctl", CatalogEntryName: "default", CatalogEntry: json.RawMessage(`{}`)},
		Spec:        json.RawMessage(`{"size": 1}`),
		BadSpec:     []Bad{{Name: "negative", Doc: json.RawMessage(`{"size": -1}`), WantField: "spec.size"}},
		Timeout:     5 * time.Second,
		CallTimeout: 2 * time.Second, CancelGrace: 500 * time.Millisecond,
	}
}

// broken are plugins with one flaw each, and what the suite must say.
var broken = map[string]struct {
	impl func() provider.Provider
	want string
}{
	"declares_power_without_interface": {func() provider.Provider { return newMem(powerCaps...) }, "answers unsupported although the plugin declares"},
	"implements_power_undeclared":      {func() provider.Provider { return memPower{newMem()} }, `without the "power" capability`},
	"hangs":                            {func() provider.Provider { m := newMem(); m.hangDescribe = true; return m }, "did not answer within"},
	"ignores_cancel":                   {func() provider.Provider { m := newMem(); m.ignoreCancel = true; return m }, "after its context was cancelled"},
	"reboot_broken":                    {func() provider.Provider { m := newMem(powerCaps...); m.brokenReboot = true; return memPower{m} }, "Reboot: "},
	"disk_with_power": {func() provider.Provider {
		m := newMemDisk()
		m.caps = append(m.caps, provider.CapPower)
		return memPower{m}
	}, `disk provider declares "power"`},
	"disk_without_status": {func() provider.Provider { m := newMemDisk(); m.diskNoStatus = true; return m }, "without NodeStatus.Disk"},
	"disk_delete_keeps":   {func() provider.Provider { m := newMemDisk(); m.deleteKeeps = true; return m }, `want "not_found"`},
	"second_instance":     {func() provider.Provider { m := newMem(); m.notIdempotent = true; return m }, "made a second instance"},
}

func TestSuitePassesHealthyPlugins(t *testing.T) {
	t.Run("bare", func(t *testing.T) { Run(t, fixture(t, newMem())) })
	t.Run("with_power", func(t *testing.T) { Run(t, fixture(t, memPower{newMem(powerCaps...)})) })
	t.Run("disk", func(t *testing.T) { Run(t, fixture(t, newMemDisk())) })
	t.Run("validation_only", func(t *testing.T) {
		f := fixture(t, newMem())
		f.ValidationOnly = true
		Run(t, f)
	})
}

// TestSuiteCatchesBrokenPlugins runs the suite against each broken plugin
// in a child test process (a failing suite fails its test, which this
// test must observe rather than suffer) and wants it to fail, saying why.
func TestSuiteCatchesBrokenPlugins(t *testing.T) {
	for name, b := range broken {
		t.Run(name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestBrokenPlugin$", "-test.v")
			cmd.Env = append(os.Environ(), "VCC_BROKEN_PLUGIN="+name)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("the suite passed a plugin that %s:\n%s", strings.ReplaceAll(name, "_", " "), out)
			}
			if !strings.Contains(string(out), b.want) {
				t.Errorf("the suite failed, but without saying %q:\n%s", b.want, out)
			}
		})
	}
}

// TestBrokenPlugin is the child of TestSuiteCatchesBrokenPlugins.
func TestBrokenPlugin(t *testing.T) {
	name := os.Getenv("VCC_BROKEN_PLUGIN")
	if name == "" {
		t.Skip("run by TestSuiteCatchesBrokenPlugins")
	}
	Run(t, fixture(t, broken[name].impl()))
}

func memOf(p provider.Provider) *mem {
	switch v := p.(type) {
	case *mem:
		return v
	case memPower:
		return v.mem
	}
	return nil
}
