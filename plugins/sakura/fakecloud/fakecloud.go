// Package fakecloud is the Sakura plugin's test peer: iaas-api-go's own
// stateful fake (servers, disks copied from archives asynchronously,
// disk edits, boot and shutdown, tags), kept in a JSON store file that
// one process writes: the plugin under test. It is never part of the
// production plugin: only test builds (tag sakurafake) and tests import
// it.
//
// The fake is process-wide (iaas-api-go swaps every API factory for its
// own), so each function here switches the calling process into fake
// mode for good.
package fakecloud

import (
	"context"
	"fmt"
	"io"
	"log"
	"time"

	"github.com/sacloud/iaas-api-go"
	"github.com/sacloud/iaas-api-go/defaults"
	"github.com/sacloud/iaas-api-go/fake"
)

// Zones are the zones a seeded store has a local switch in.
var Zones = []string{"tk1a", "tk1b", "is1a", "is1b", "tk1v"}

// SwitchName names the local switch made in every zone.
const SwitchName = "vcc-test-local"

// Switches maps a zone to the id of its local switch.
type Switches map[string]string

// InMemory switches this process into fake mode on an in-memory store,
// seeds it and makes a local switch per zone: for tests of the plugin
// running in the test process itself.
func InMemory() (Switches, error) {
	return start(fake.NewInMemoryStore())
}

// start puts the process on store, seeds it when empty (the fake's own
// initial data: archives, plans, zones) and makes the switches.
func start(store fake.Store) (Switches, error) {
	enter()
	fake.DataStore = store
	fake.SwitchFactoryFuncToFake()
	fake.InitDataStore()
	seedPlans(store)
	ctx := context.Background()
	op := iaas.NewSwitchOp(nil)
	out := Switches{}
	for _, zone := range Zones {
		sw, err := op.Create(ctx, zone, &iaas.SwitchCreateRequest{Name: SwitchName, Description: "vcc test: the private network without DHCP"})
		if err != nil {
			return nil, fmt.Errorf("make the local switch of %s: %w", zone, err)
		}
		out[zone] = sw.ID.String()
	}
	return out, nil
}

// PollInterval is the SDK's state polling interval in fake mode (as the
// SDK's own helper/api.SetupFakeDefaults sets one): the plugin's waits
// and the direct benchmark's look this often. The fake finishes a copy or
// a boot in tens of milliseconds, where the cloud takes seconds to
// minutes and the SDK's default is 5 s.
const PollInterval = 50 * time.Millisecond

// enter sets up the process for the fake: the polling interval above, and
// no log lines of the fake's own (its file store logs every reload of its
// file on the standard logger, which would drown a test's output).
func enter() {
	log.SetOutput(io.Discard)
	defaults.DefaultStatePollingInterval = PollInterval
}
