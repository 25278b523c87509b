package sim

import (
	"os"
	"path/filepath"
	"time"

	"github.com/vccproject/vcc/proto/kit/fields"
	"github.com/vccproject/vcc/proto/provider"
	"github.com/vccproject/vcc/proto/providerplugin"
)

// EnvStateDir overrides where the simulated cloud keeps its state when the
// catalog entry does not say.
const EnvStateDir = "VCC_SIM_STATE_DIR"

var catalogSchema = provider.CommonCatalogAttributes().Merge(provider.Schema{Attributes: []provider.Attribute{
	{Name: "sim_state_dir", Type: provider.TypeString, Description: "directory of the simulated cloud's state; default $" + EnvStateDir + ", else the plugin's data dir from the host, else <tmp>/vcc-sim"},
	{Name: "latency_ms", Type: provider.TypeInt, Default: 0, Description: "delay of every cloud call, in milliseconds"},
	{Name: "failure_rate", Type: provider.TypeNumber, Default: 0, Description: "share of cloud calls that fail with a retryable error, 0 to 1"},
	{Name: "capacity", Type: provider.TypeInt, Default: 0, Description: "most instances the cloud holds at once; 0 is unlimited"},
	{Name: "boot_ms", Type: provider.TypeInt, Default: 0, Description: "how long a new instance stays pending, without an address (as on OpenStack), in milliseconds"},
	{Name: "consistency_delay_ms", Type: provider.TypeInt, Default: 0, Description: "how long describes miss a new instance (as EC2's eventual consistency), in milliseconds"},
	{Name: "private_network_ipmask", Type: provider.TypeString, Default: "10.208.0.0/16", Description: "CIDR instance addresses come from"},
}})

var specSchema = provider.CommonSpecAttributes().Merge(provider.Schema{Attributes: []provider.Attribute{
	{Name: "instance_type", Type: provider.TypeString, Default: "sim.small", AllowedValues: []string{"sim.small", "sim.medium", "sim.large"}, Description: "simulated instance size"},
	{Name: "volume_size", Type: provider.TypeInt, Default: 16, Description: "simulated root disk, GB"},
}})

// config is a decoded, checked catalog entry.
type config struct {
	fields.Network
	StateDir    string  `json:"sim_state_dir"`
	LatencyMS   int     `json:"latency_ms"`
	FailureRate float64 `json:"failure_rate"`
	Capacity    int     `json:"capacity"`
	BootMS      int     `json:"boot_ms"`
	DelayMS     int     `json:"consistency_delay_ms"`
}

// Check checks the knobs and fills the state dir: the environment's, else
// a temp dir.
func (c *config) Check(prefix string) provider.Diagnostics {
	if c.StateDir == "" {
		c.StateDir = os.Getenv(EnvStateDir)
	}
	if c.StateDir == "" {
		c.StateDir = os.Getenv(providerplugin.EnvDataDir) // the host's dir for this plugin
	}
	if c.StateDir == "" {
		c.StateDir = filepath.Join(os.TempDir(), "vcc-sim")
	}
	var d provider.Diagnostics
	for field, v := range map[string]int{"latency_ms": c.LatencyMS, "boot_ms": c.BootMS, "consistency_delay_ms": c.DelayMS, "capacity": c.Capacity} {
		if v < 0 {
			d = append(d, provider.Invalid("must not be negative, got %d", v).On(prefix+"."+field))
		}
	}
	if c.FailureRate < 0 || c.FailureRate > 1 {
		d = append(d, provider.Invalid("must be between 0 and 1, got %v", c.FailureRate).On(prefix+".failure_rate"))
	}
	return d
}

func (c config) latency() time.Duration { return time.Duration(c.LatencyMS) * time.Millisecond }

// spec is the part of a unit spec the simulator uses.
type spec struct {
	fields.Spec
	InstanceType string `json:"instance_type"`
}
