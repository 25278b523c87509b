package fakecloud

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/sacloud/iaas-api-go"
	"github.com/sacloud/iaas-api-go/defaults"
	"github.com/sacloud/iaas-api-go/helper/query"
	"github.com/sacloud/iaas-api-go/ostype"
	"github.com/sacloud/iaas-api-go/types"

	"github.com/vccproject/vcc/proto/providertest"
)

// BenchmarkDirectSDK100 is the baseline of the controller's Sakura
// benchmark (host's BenchmarkSakura100): the calls the plugin makes for
// 100 nodes, made directly with the SDK on the same fake and store, 32 at
// a time (the controller's default per-provider limit): per node the
// archive, a server with its NIC on the switch, a boot disk copied from
// the archive (waited for), a startup script, the disk edit (waited
// for), the script deleted, a boot, and a wait until the server is up;
// then a forced shutdown, a wait until it is down, the delete with its
// disk. The store is flushed once a node is made and once it is deleted,
// as the test build of the plugin flushes when it answers a call.
func BenchmarkDirectSDK100(b *testing.B) {
	path := filepath.Join(b.TempDir(), "store.json")
	var sw Switches
	if err := json.Unmarshal(role(b, "seed", path), &sw); err != nil {
		b.Fatal(err)
	}
	if err := Open(path); err != nil {
		b.Fatal(err)
	}
	var total, creating time.Duration
	round := 0
	for b.Loop() {
		start := time.Now()
		ids := make([]types.ID, 100)
		providertest.Parallel(b, 100, func(i int) error {
			var err error
			ids[i], err = directCreate(types.StringID(sw["tk1a"]), fmt.Sprintf("bench-%d-%d", round, i), fmt.Sprintf("172.23.1.%d", 11+i))
			return err
		})
		creating += time.Since(start)
		providertest.Parallel(b, 100, func(i int) error { return directDelete(ids[i]) })
		total += time.Since(start)
		round++
	}
	b.ReportMetric(total.Seconds()/float64(b.N), "s/100nodes")
	b.ReportMetric(creating.Seconds()/float64(b.N), "s-create")
}

const zone = "tk1a"

// until reads a resource at the SDK's polling interval (PollInterval,
// as the plugin does) until ok.
func until(read func() (bool, error)) error {
	for {
		ok, err := read()
		if err != nil || ok {
			return err
		}
		time.Sleep(defaults.DefaultStatePollingInterval)
	}
}

func directCreate(sw types.ID, name, ip string) (types.ID, error) {
	ctx, tags := context.Background(), types.Tags{"vcc.controller_id=bench", "vcc.node_id=" + name}
	arc, err := query.FindArchiveByOSType(ctx, iaas.NewArchiveOp(nil), zone, ostype.Ubuntu)
	if err != nil {
		return 0, err
	}
	s, err := iaas.NewServerOp(nil).Create(ctx, zone, &iaas.ServerCreateRequest{CPU: 1, MemoryMB: 1024, Name: name, Tags: tags,
		ConnectedSwitches: []*iaas.ConnectedSwitch{{ID: sw, Scope: types.Scopes.User}}, InterfaceDriver: types.InterfaceDrivers.VirtIO})
	if err != nil {
		return 0, err
	}
	disks := iaas.NewDiskOp(nil)
	d, err := disks.Create(ctx, zone, &iaas.DiskCreateRequest{DiskPlanID: types.DiskPlans.SSD, SourceArchiveID: arc.ID, ServerID: s.ID,
		SizeMB: 20 * 1024, Name: name, Tags: tags, Connection: types.DiskConnections.VirtIO}, nil, 0)
	if err != nil {
		return 0, err
	}
	available := func() (bool, error) {
		now, err := disks.Read(ctx, zone, d.ID)
		return err == nil && now.Availability == types.Availabilities.Available, err
	}
	if err := until(available); err != nil {
		return 0, err
	}
	note, err := iaas.NewNoteOp(nil).Create(ctx, &iaas.NoteCreateRequest{Name: name, Tags: tags, Class: "shell", Content: "#!/bin/sh\necho bench\n"})
	if err != nil {
		return 0, err
	}
	edit := &iaas.DiskEditRequest{HostName: name, UserIPAddress: ip, Notes: []*iaas.DiskEditNote{{ID: note.ID}},
		UserSubnet: &iaas.DiskEditUserSubnet{DefaultRoute: "172.23.1.254", NetworkMaskLen: 24}}
	if err := disks.Config(ctx, zone, d.ID, edit); err != nil {
		return 0, err
	}
	if err := until(available); err != nil {
		return 0, err
	}
	if err := iaas.NewNoteOp(nil).Delete(ctx, note.ID); err != nil {
		return 0, err
	}
	if err := iaas.NewServerOp(nil).Boot(ctx, zone, s.ID); err != nil {
		return 0, err
	}
	if err := Flush(); err != nil {
		return 0, err
	}
	return s.ID, until(func() (bool, error) {
		now, err := iaas.NewServerOp(nil).Read(ctx, zone, s.ID)
		return err == nil && now.InstanceStatus.IsUp(), err
	})
}

func directDelete(id types.ID) error {
	ctx, servers := context.Background(), iaas.NewServerOp(nil)
	s, err := servers.Read(ctx, zone, id)
	if err != nil {
		return err
	}
	if err := servers.Shutdown(ctx, zone, id, &iaas.ShutdownOption{Force: true}); err != nil {
		return err
	}
	if err := until(func() (bool, error) {
		now, err := servers.Read(ctx, zone, id)
		return err == nil && now.InstanceStatus == types.ServerInstanceStatuses.Down, err
	}); err != nil {
		return err
	}
	var disks []types.ID
	for _, d := range s.Disks {
		disks = append(disks, d.ID)
	}
	if err := servers.DeleteWithDisks(ctx, zone, id, &iaas.ServerDeleteWithDisksRequest{IDs: disks}); err != nil {
		return err
	}
	return Flush()
}
