package sim

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"time"

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

// config is a decoded, validated catalog entry.
type config struct {
	StateDir    string  `json:"sim_state_dir"`
	LatencyMS   int     `json:"latency_ms"`
	FailureRate float64 `json:"failure_rate"`
	Capacity    int     `json:"capacity"`
	IPMask      string  `json:"private_network_ipmask"`
	BootMS      int     `json:"boot_ms"`
	DelayMS     int     `json:"consistency_delay_ms"`

	prefix netip.Prefix
}

func (c config) latency() time.Duration { return time.Duration(c.LatencyMS) * time.Millisecond }

// validateCatalog checks an entry beyond its schema.
func validateCatalog(entry json.RawMessage) (config, provider.Diagnostics) {
	diags := catalogSchema.Validate(entry, "catalog")
	if diags.HasError() {
		return config{}, diags
	}
	withDefaults, err := catalogSchema.WithDefaults(entry)
	if err != nil {
		return config{}, append(diags, provider.Errorf("catalog", "%v", err))
	}
	var c config
	if err := json.Unmarshal(withDefaults, &c); err != nil {
		return config{}, append(diags, provider.Errorf("catalog", "%v", err))
	}
	if c.LatencyMS < 0 {
		diags = append(diags, provider.Errorf("catalog.latency_ms", "must not be negative, got %d", c.LatencyMS))
	}
	if c.FailureRate < 0 || c.FailureRate > 1 {
		diags = append(diags, provider.Errorf("catalog.failure_rate", "must be between 0 and 1, got %v", c.FailureRate))
	}
	if c.BootMS < 0 {
		diags = append(diags, provider.Errorf("catalog.boot_ms", "must not be negative, got %d", c.BootMS))
	}
	if c.DelayMS < 0 {
		diags = append(diags, provider.Errorf("catalog.consistency_delay_ms", "must not be negative, got %d", c.DelayMS))
	}
	if c.Capacity < 0 {
		diags = append(diags, provider.Errorf("catalog.capacity", "must not be negative, got %d", c.Capacity))
	}
	if c.prefix, err = netip.ParsePrefix(c.IPMask); err != nil || !c.prefix.Addr().Is4() || c.prefix.Bits() > 30 {
		d := provider.Errorf("catalog.private_network_ipmask", "%q is not an IPv4 CIDR with room for hosts", c.IPMask)
		d.Detail = "write it like 10.208.0.0/16"
		diags = append(diags, d)
	}
	c.prefix = c.prefix.Masked()
	if c.StateDir == "" {
		c.StateDir = os.Getenv(EnvStateDir)
	}
	if c.StateDir == "" {
		c.StateDir = os.Getenv(providerplugin.EnvDataDir) // the host's dir for this plugin
	}
	if c.StateDir == "" {
		c.StateDir = filepath.Join(os.TempDir(), "vcc-sim")
	}
	return c, diags
}

// spec is the part of a unit spec the simulator uses.
type spec struct {
	InstanceType string            `json:"instance_type"`
	Tags         map[string]string `json:"tags"`
}

func decodeSpec(raw json.RawMessage) (spec, error) {
	withDefaults, err := specSchema.WithDefaults(raw)
	if err != nil {
		return spec{}, err
	}
	var s spec
	if err := json.Unmarshal(withDefaults, &s); err != nil {
		return spec{}, fmt.Errorf("decode spec: %w", err)
	}
	return s, nil
}
