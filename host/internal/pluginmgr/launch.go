package pluginmgr

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"

	"github.com/vccproject/vcc/proto/provider"
	"github.com/vccproject/vcc/proto/providerplugin"
)

// RefusedError is a plugin the host will not run until someone fixes it;
// restarting would not help.
type RefusedError struct {
	Path   string
	Reason string
	Fix    string
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("plugin %s refused: %s; to fix: %s", e.Path, e.Reason, e.Fix)
}

// process is one running plugin process.
type process struct {
	client *plugin.Client
	prov   *providerplugin.Client
	info   *provider.Info
	pid    int
	// calls counts the calls running on this process (see acquire).
	calls sync.WaitGroup
}

type launchOpts struct {
	logger       hclog.Logger
	logLevel     string
	startTimeout time.Duration
	dataDir      string
}

var versionRE = regexp.MustCompile(`Plugin version: (\d+)`)

// launch starts the plugin of c, checks its pin, protocol and identity, and
// returns it running.
func launch(ctx context.Context, c Candidate, o launchOpts) (*process, error) {
	if c.Reattach != nil {
		return attach(ctx, c, o)
	}
	if c.Pin == "" {
		return nil, &RefusedError{
			Path: c.Path, Reason: "it is not pinned (no " + PinPath(c.Path) + ")",
			Fix: fmt.Sprintf("if you trust it, run `vcc-host plugins install --path %s`", c.Path),
		}
	}
	sum, _ := hex.DecodeString(c.Pin)
	env, err := pluginEnv(c.Name, o)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(c.Path)
	cmd.Env = env
	cmd.SysProcAttr = procAttr()
	cfg := providerplugin.ClientConfig(cmd, o.logger)
	cfg.SkipHostEnv = true // pluginEnv has it, with the host's own values last
	cfg.SecureConfig = &plugin.SecureConfig{Checksum: sum, Hash: sha256.New()}
	cfg.StartTimeout = o.startTimeout
	client := plugin.NewClient(cfg)

	prov, err := providerplugin.Dispense(client)
	if err != nil {
		client.Kill()
		return nil, startError(c, err, o.startTimeout)
	}
	p := &process{client: client, prov: prov}
	if rc := client.ReattachConfig(); rc != nil {
		p.pid = rc.Pid
	}
	infoCtx, cancel := context.WithTimeout(ctx, o.startTimeout)
	defer cancel()
	p.info, err = prov.GetInfo(infoCtx)
	if err != nil {
		p.kill()
		return nil, fmt.Errorf("plugin %s: GetInfo: %w", c.Path, err)
	}
	// An empty Name means "learn it" (plugins install).
	if c.Name != "" && Normalize(p.info.Name) != c.Name {
		p.kill()
		return nil, &RefusedError{
			Path:   c.Path,
			Reason: fmt.Sprintf("its file name says provider %q but the plugin says it is %q", c.Name, p.info.Name),
			Fix:    fmt.Sprintf("rename the file to %s%s (and re-install it)", FilePrefix, p.info.Name),
		}
	}
	if c.FileVersion != "" && p.info.Version != c.FileVersion && "v"+c.FileVersion != p.info.Version {
		p.kill()
		return nil, &RefusedError{
			Path:   c.Path,
			Reason: fmt.Sprintf("its file name says version %s but the plugin reports %s", c.FileVersion, p.info.Version),
			Fix:    "re-install it with `vcc-host plugins install --path BINARY`, which names it after what it reports",
		}
	}
	return p, nil
}

// startError turns go-plugin's start failures into errors that say what
// to do.
func startError(c Candidate, err error, timeout time.Duration) error {
	switch {
	case errors.Is(err, plugin.ErrChecksumsDoNotMatch):
		got, herr := HashFile(c.Path)
		if herr != nil {
			got = "unreadable: " + herr.Error()
		}
		return &RefusedError{
			Path:   c.Path,
			Reason: fmt.Sprintf("its SHA-256 is %s but %s pins %s (the binary changed after it was installed)", got, PinPath(c.Path), c.Pin),
			Fix:    fmt.Sprintf("if you rebuilt or replaced it on purpose, run `vcc-host plugins install --path %s`; otherwise restore the original", c.Path),
		}
	}
	if m := versionRE.FindStringSubmatch(err.Error()); m != nil {
		theirs, _ := strconv.Atoi(m[1])
		return &RefusedError{
			Path: c.Path,
			Reason: fmt.Sprintf("plugin %q speaks provider protocol %d, this vcc-host speaks protocol %d",
				c.Name, theirs, providerplugin.ProtocolVersion),
			Fix: fmt.Sprintf("rebuild the plugin against vcc.provider.v%d (module github.com/vccproject/vcc/proto), or use a vcc-host that speaks protocol %d",
				providerplugin.ProtocolVersion, theirs),
		}
	}
	msg := err.Error()
	if rest, ok := strings.CutPrefix(msg, "Unrecognized remote plugin message: "); ok {
		first, _, _ := strings.Cut(rest, "\n")
		if strings.Contains(rest, "Failed to read any lines") {
			msg = "the plugin exited without a handshake (nothing on its stdout); its stderr is in the host log under plugin." + filepath.Base(c.Path)
		} else {
			msg = fmt.Sprintf("the plugin printed %q on stdout instead of the handshake; plugins must log to stderr (hclog) and call providerplugin.Serve first", first)
		}
	}
	return fmt.Errorf("start plugin %q (%s, start timeout %v): %s", c.Name, c.Path, timeout, msg)
}

// kill stops the process and sweeps its process group, so children a
// plugin started go too.
func (p *process) kill() {
	p.client.Kill()
	if p.pid > 0 {
		_ = syscall.Kill(-p.pid, syscall.SIGKILL)
	}
}
