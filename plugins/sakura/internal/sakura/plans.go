package sakura

import (
	"slices"
	"strconv"
	"strings"

	"github.com/sacloud/iaas-api-go/types"

	"github.com/vccproject/vcc/proto/provider"
)

var itoa = strconv.Itoa

// diskPlanNames are the spec's names of Sakura's disk plans.
var diskPlanNames = []string{"ssd", "hdd"}

// diskPlanIDs are the plans' ids in the API.
var diskPlanIDs = map[string]types.ID{"ssd": types.DiskPlans.SSD, "hdd": types.DiskPlans.HDD}

// diskSizes are the boot disk sizes (GB) a plan offers: Sakura Cloud's
// published table (cloud.sakura.ad.jp/specification/server-disk/) with
// the sizes upstream's flavors use. A zone may offer fewer: the preflight
// asks the zone's own plan (DiskPlan.Size) before anything is made, so
// the validation without a cloud call refuses what no zone offers and
// the preflight what this zone does not.
var diskSizes = map[string][]int{
	"ssd": {20, 40, 60, 80, 100, 200, 250, 500, 750, 1024, 2048, 4096},
	"hdd": {20, 40, 60, 80, 100, 200, 250, 500, 750, 1024, 2048, 4096, 8192, 12288},
}

// Server plans: cores and memory within Sakura's range; the zone's own
// plans are checked by the preflight (ServerPlan).
const (
	maxCores    = 128
	maxMemoryGB = 1024
)

// checkPlan checks the server plan and the boot disk without a cloud
// call. A refusal lists what is allowed.
func checkPlan(s *spec, prefix string) provider.Diagnostics {
	var d provider.Diagnostics
	coreField := prefix + ".core"
	if s.NumCores > 0 {
		coreField = prefix + ".num_cores"
	}
	if c := s.cores(); c < 1 || c > maxCores {
		d = append(d, provider.Invalid("%d cores: a server plan has 1 to %d", c, maxCores).On(coreField))
	}
	if s.NumCores < 0 {
		d = append(d, provider.Invalid("must not be negative, got %d", s.NumCores).On(prefix+".num_cores"))
	}
	if s.Memory < 1 || s.Memory > maxMemoryGB {
		d = append(d, provider.Invalid("%d GB: a server plan has 1 to %d GB of memory", s.Memory, maxMemoryGB).On(prefix+".memory").
			Because("give memory in GB, like 4"))
	}
	if sizes, ok := diskSizes[s.DiskPlan]; ok && !slices.Contains(sizes, s.DiskSize) {
		d = append(d, provider.Invalid("%d GB is not a size of the %s plan: it offers %s GB", s.DiskSize, s.DiskPlan, list(sizes)).
			On(prefix+".sakuracloud_disk_size").Because("pick one of those sizes (the zone may offer fewer; the preflight says)"))
	}
	return d
}

// list renders sizes like "20, 40, 100".
func list(sizes []int) string {
	s := make([]string, len(sizes))
	for i, v := range sizes {
		s[i] = itoa(v)
	}
	return strings.Join(s, ", ")
}
