package fakecloud

import (
	"fmt"

	"github.com/sacloud/iaas-api-go"
	"github.com/sacloud/iaas-api-go/fake"
	"github.com/sacloud/iaas-api-go/types"
)

// The fake's own plans are a stub: four server plans whose memory is
// given in MB where GB is meant (1 MB for "1Core-1GB"), and disk plans of
// 20 and 40 GB only. seedPlans replaces them with tables shaped like
// Sakura Cloud's, so the plugin's preflight meets plausible answers.
// They are test data, not Sakura's price list: every zone offers the
// same, but the sandbox zone tk1v fewer disk sizes, so a test can see a
// size one zone offers and another does not.
var (
	planCores  = []int{1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 20, 24}
	planMemory = []int{1, 2, 3, 4, 5, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 224}
	diskSizes  = map[types.ID][]int{
		types.DiskPlans.SSD: {20, 40, 60, 80, 100, 200, 250, 500, 750, 1024, 2048, 4096},
		types.DiskPlans.HDD: {20, 40, 60, 80, 100, 200, 250, 500, 750, 1024, 2048, 4096, 8192, 12288},
	}
	sandboxSizes = []int{20, 40, 100, 250}
)

// SandboxZone offers only sandboxSizes of either disk plan.
const SandboxZone = "tk1v"

func seedPlans(st fake.Store) {
	for _, zone := range types.ZoneNames {
		for _, v := range st.List(fake.ResourceServerPlan, zone) {
			st.Delete(fake.ResourceServerPlan, zone, v.(*iaas.ServerPlan).ID)
		}
		for _, c := range planCores {
			for _, m := range planMemory {
				if m < c || m > 16*c {
					continue
				}
				id := types.StringID(fmt.Sprintf("200%03d%03d", m, c))
				st.Put(fake.ResourceServerPlan, zone, id, &iaas.ServerPlan{ID: id, Name: fmt.Sprintf("プラン/%dCore-%dGB", c, m),
					CPU: c, MemoryMB: m * 1024, CPUModel: "uncategorized", Commitment: types.Commitments.Standard,
					Generation: types.PlanGenerations.G200, Availability: types.Availabilities.Available})
			}
		}
		for id, sizes := range diskSizes {
			shared, ok := st.Get(fake.ResourceDiskPlan, zone, id).(*iaas.DiskPlan)
			if !ok {
				continue
			}
			if zone == SandboxZone {
				sizes = sandboxSizes
			}
			plan := *shared // the fake puts one plan value in every zone
			plan.Size = nil
			for _, gb := range sizes {
				plan.Size = append(plan.Size, &iaas.DiskPlanSizeInfo{Availability: types.Availabilities.Available,
					DisplaySize: gb, DisplaySuffix: "GB", SizeMB: gb * 1024})
			}
			st.Put(fake.ResourceDiskPlan, zone, id, &plan)
		}
	}
}
