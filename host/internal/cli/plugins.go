package cli

import (
	"encoding/json"
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/vccproject/vcc/host/internal/admin"
	"github.com/vccproject/vcc/host/internal/pluginmgr"
)

func (e env) plugins(args []string) error {
	if len(args) == 0 {
		return usageError{"plugins: want a subcommand: list or install"}
	}
	switch args[0] {
	case "list":
		return e.pluginsList(args[1:])
	case "install":
		return e.pluginsInstall(args[1:])
	}
	return usageError{fmt.Sprintf("plugins: unknown subcommand %q (want list or install)", args[0])}
}

// pluginsList starts every plugin found (in parallel), asks each for its
// info, prints one row per plugin and stops them again.
func (e env) pluginsList(args []string) error {
	fs := flag.NewFlagSet("plugins list", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	var c common
	c.register(fs, "off")
	asJSON := fs.Bool("json", false, "print JSON")
	data := fs.String("data", envOr("VCC_DATA_DIR", "./volume"), "data directory of a running vcc-host to ask (env VCC_DATA_DIR)")
	onDisk := fs.Bool("on-disk", false, "start the plugins found on disk instead of asking the running vcc-host")
	if err := parse(fs, args); err != nil {
		return err
	}
	statuses, from, err := e.pluginStatuses(c, *data, *onDisk)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(statuses)
	}
	if len(statuses) == 0 {
		fmt.Fprintf(e.stdout, "no provider plugins found in %s\n", strings.Join(pluginmgr.DefaultDirs(c.pluginDir), ", "))
		return nil
	}
	if from != "" {
		fmt.Fprintln(e.stdout, from)
	}
	w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tVERSION\tPROTOCOL\tSTATE\tPINNED\tSHA256\tCAPABILITIES\tPATH")
	var notes []string
	for _, s := range statuses {
		caps := make([]string, len(s.Capabilities))
		for i, c := range s.Capabilities {
			caps[i] = string(c)
		}
		state := string(s.State)
		if s.Crashes > 0 {
			state = fmt.Sprintf("%s (crashed %d times)", state, s.Crashes)
		}
		if s.Simulator {
			state += " [SIMULATOR]"
		}
		sha := s.SHA256
		if len(sha) > 12 {
			sha = sha[:12]
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.Name, dash(s.Version), dash(protocolText(s.Protocol)), state,
			yesNo(s.Pinned), dash(sha), dash(strings.Join(caps, ",")), s.Path)
		if s.Reason != "" && s.State != pluginmgr.StateRunning {
			notes = append(notes, fmt.Sprintf("%s (%s): %s", s.Name, s.State, s.Reason))
		}
		for _, n := range []string{s.Problem, s.Note} {
			if n != "" {
				notes = append(notes, fmt.Sprintf("%s: %s", s.Name, n))
			}
		}
	}
	if err := w.Flush(); err != nil { // the table's writes fail here, if at all
		return err
	}
	for _, n := range notes {
		fmt.Fprintln(e.stdout, "  "+n)
	}
	return nil
}

// pluginStatuses asks the vcc-host running on dataDir for its plugins
// (what its reloads did shows there), or, with none running or onDisk,
// starts the plugins found on disk. from names the running host.
func (e env) pluginStatuses(c common, dataDir string, onDisk bool) ([]pluginmgr.Status, string, error) {
	if pid := runningHost(dataDir); pid > 0 && !onDisk {
		resp, err := admin.Call(e.ctx, filepath.Join(dataDir, admin.SocketFile), admin.Request{Op: "plugins"})
		if err == nil && resp.Err() == nil {
			var out []pluginmgr.Status
			if err := json.Unmarshal(resp.Plugins, &out); err != nil {
				return nil, "", fmt.Errorf("plugins of the running vcc-host: %w", err)
			}
			return out, fmt.Sprintf("plugins of the running vcc-host (pid %d; --on-disk for the files on disk):", pid), nil
		}
	}
	m := pluginmgr.New(c.managerConfig(e.stderr, false))
	m.Start(e.ctx)
	defer m.Close()
	return m.Statuses(), "", nil
}

func (e env) pluginsInstall(args []string) error {
	fs := flag.NewFlagSet("plugins install", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	var c common
	c.register(fs, "off")
	path := fs.String("path", "", "the plugin binary to install (required)")
	dir := fs.String("dir", "", "where to install it (default: first plugin dir)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *path == "" {
		return usageError{"plugins install: --path BIN is required"}
	}
	if *dir == "" {
		*dir = pluginmgr.InstallDir(pluginmgr.DefaultDirs(c.pluginDir))
	}
	m := pluginmgr.New(c.managerConfig(e.stderr, false))
	got, err := m.Install(e.ctx, *path, *dir)
	if err != nil {
		return fmt.Errorf("plugins install: %w", err)
	}
	fmt.Fprintf(e.stdout, "installed provider %q %s (protocol %d) as %s, pinned sha256 %s\n",
		got.Info.Name, got.Info.Version, got.Info.ProtocolVersion, got.Path, got.SHA256)
	return nil
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func protocolText(p int) string {
	if p == 0 {
		return ""
	}
	return fmt.Sprint(p)
}
