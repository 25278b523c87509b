package sakura

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/sacloud/iaas-api-go"
	"github.com/sacloud/iaas-api-go/types"

	"github.com/vccproject/vcc/proto/provider"
)

// stranger makes, behind vcc's back, a server on zone's test switch at
// ip with a disk connected to it, gone when the test ends; it returns the
// disk's id.
func stranger(t *testing.T, zone, ip string) string {
	t.Helper()
	ctx := context.Background()
	s, err := iaas.NewServerOp(nil).Create(ctx, zone, &iaas.ServerCreateRequest{CPU: 1, MemoryMB: 1024, Name: "hand-made",
		ConnectedSwitches: []*iaas.ConnectedSwitch{{ID: types.StringID(switches[zone]), Scope: types.Scopes.User}}})
	if err != nil {
		t.Fatal(err)
	}
	d, err := iaas.NewDiskOp(nil).Create(ctx, zone, &iaas.DiskCreateRequest{DiskPlanID: types.DiskPlans.SSD, SizeMB: 20 * 1024, ServerID: s.ID, Name: "hand-made"}, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { // the fake lives as long as the test process
		_ = iaas.NewServerOp(nil).Delete(ctx, zone, s.ID)
		_ = iaas.NewDiskOp(nil).Delete(ctx, zone, d.ID)
	})
	edit := &iaas.DiskEditRequest{UserIPAddress: ip, UserSubnet: &iaas.DiskEditUserSubnet{DefaultRoute: testGateway, NetworkMaskLen: 24}}
	if err := iaas.NewDiskOp(nil).Config(ctx, zone, d.ID, edit); err != nil {
		t.Fatal(err)
	}
	return d.ID.String()
}

func TestPreflight(t *testing.T) {
	usedDisk := stranger(t, "tk1a", "172.23.1.30")
	type found struct{ Field, Code, Severity string }
	ok := `{"core": 1, "memory": 1, "sakuracloud_disk_size": 20}`
	cases := map[string]struct {
		zone, entry, spec, ip string
		creds                 provider.Credentials
		want                  []found
		says                  string
	}{
		"ok":           {zone: "tk1a", spec: ok, ip: "172.23.1.20"},
		"archive_name": {zone: "tk1a", spec: `{"cloud_image": "Ubuntu Server 22.04 LTS 64bit"}`, ip: "172.23.1.20"},
		"switch_elsewhere": {zone: "tk1a", entry: strings.Replace(string(entry("tk1a")), switches["tk1a"], switches["tk1b"], 1), spec: ok, ip: "172.23.1.20",
			want: []found{{"catalog.sakura_local_switch_id", provider.CodeNotFound, "error"}}, says: "not in zone tk1a"},
		"unknown_archive": {zone: "tk1a", spec: `{"cloud_image": "Windows 95"}`, ip: "172.23.1.20",
			want: []found{{"spec.cloud_image", provider.CodeNotFound, "error"}}, says: `no available archive named "Windows 95"`},
		"near_archive": {zone: "tk1a", spec: `{"cloud_image": "Ubuntu"}`, ip: "172.23.1.20",
			want: []found{{"spec.cloud_image", provider.CodeNotFound, "error"}}, says: "names that contain it: Ubuntu Server"},
		"archive_of_other_zone": {zone: "tk1a", spec: `{"cloud_image": "999999999999"}`, ip: "172.23.1.20",
			want: []found{{"spec.cloud_image", provider.CodeNotFound, "error"}}, says: "not in zone tk1a"},
		"no_such_plan": {zone: "tk1a", spec: `{"core": 1, "memory": 64}`, ip: "172.23.1.20",
			want: []found{{"spec.memory", provider.CodeInvalid, "error"}}, says: "zone tk1a offers 1, 2, 3, 4, 5, 6, 8, 12, 16 GB"},
		"size_not_in_zone": {zone: "tk1v", spec: `{"sakuracloud_disk_size": 80}`, ip: "172.23.1.20",
			want: []found{{"spec.sakuracloud_disk_size", provider.CodeInvalid, "error"}}, says: "it offers 20, 40, 100, 250 GB"},
		"address_taken": {zone: "tk1a", spec: ok, ip: "172.23.1.30",
			want: []found{{"spec.ip_addresses", provider.CodeInvalid, "error"}}, says: "take 172.23.1.30 out of the pool in sakura_config.yml"},
		"disk_in_use": {zone: "tk1a", spec: fmt.Sprintf(`{"disks": [%q]}`, usedDisk), ip: "172.23.1.20",
			want: []found{{"spec.disks[0]", provider.CodeInvalid, "error"}}, says: "is connected to server"},
		"no_such_disk": {zone: "tk1a", spec: `{"disks": ["999999999999"]}`, ip: "172.23.1.20",
			want: []found{{"spec.disks[0]", provider.CodeNotFound, "error"}}},
		"no_credentials": {zone: "tk1a", spec: ok, ip: "172.23.1.20", creds: provider.Credentials{},
			want: []found{{"credentials", provider.CodeAuthFailed, "error"}}, says: "token and secret"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			e := env(tc.zone)
			if tc.entry != "" {
				e.CatalogEntry = json.RawMessage(tc.entry)
			}
			if tc.creds != nil {
				e.Credentials = tc.creds
			}
			res, err := New("0").Preflight(context.Background(), provider.PreflightRequest{Env: e,
				Nodes: []provider.NodeRef{{NodeID: "n", NodeNo: 1, FixedIP: tc.ip}}, Spec: json.RawMessage(tc.spec)})
			if err != nil {
				t.Fatal(err)
			}
			var got []found
			for _, d := range res.Diagnostics {
				got = append(got, found{d.Field, d.Code, d.Severity.String()})
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("findings (-want +got):\n%s\n%v", diff, res.Diagnostics)
			}
			if tc.says != "" && !containsText(res.Diagnostics, tc.says) {
				t.Errorf("no finding says %q: %v", tc.says, res.Diagnostics)
			}
		})
	}
}
