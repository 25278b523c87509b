package nodeagent

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// writeMetrics writes the node's gauges in Prometheus text format, read
// from /proc (the Base container shares the host's /proc view of load
// and memory).
func writeMetrics(w io.Writer, nodeID string, members int) {
	fmt.Fprintf(w, "# HELP vcc_node_up The node's agent answers.\n# TYPE vcc_node_up gauge\nvcc_node_up{node_id=%q} 1\n", nodeID)
	fmt.Fprintf(w, "# HELP vcc_node_serf_members Serf members this node sees.\n# TYPE vcc_node_serf_members gauge\nvcc_node_serf_members %d\n", members)
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		f := strings.Fields(string(b))
		for i, name := range []string{"load1", "load5", "load15"} {
			if i < len(f) {
				fmt.Fprintf(w, "# TYPE vcc_node_%s gauge\nvcc_node_%s %s\n", name, name, f[i])
			}
		}
	}
	if mem, err := meminfo("/proc/meminfo"); err == nil {
		for _, k := range []string{"MemTotal", "MemAvailable"} {
			if v, ok := mem[k]; ok {
				name := "vcc_node_memory_" + strings.ToLower(strings.TrimPrefix(k, "Mem")) + "_bytes"
				fmt.Fprintf(w, "# TYPE %s gauge\n%s %d\n", name, name, v)
			}
		}
	}
}

// meminfo reads /proc/meminfo values in bytes.
func meminfo(path string) (map[string]int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }() // read only
	out := map[string]int64{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) == 0 {
			continue
		}
		v, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			continue
		}
		if len(fields) > 1 && fields[1] == "kB" {
			v *= 1024
		}
		out[k] = v
	}
	return out, sc.Err()
}
