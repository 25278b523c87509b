// Package cli implements vcc-host's command line: one function per
// command, flags with environment defaults, documented exit codes.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/vccproject/vcc/host/internal/pluginmgr"
)

// Exit codes, documented in the README.
const (
	ExitOK      = 0
	ExitFailure = 1
	ExitUsage   = 2
)

// Version of vcc-host and the commit it was built from, set at build
// time (make build); a plain go build takes the commit from Go's VCS
// stamp (see commit).
var (
	Version = "0.1.0-dev"
	Commit  = ""
)

// commit is Commit, or the VCS revision Go stamped into the binary, with
// "-dirty" for uncommitted changes; "unknown" without either.
func commit() string {
	if Commit != "" {
		return Commit
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	rev, dirty := "", ""
	for _, s := range info.Settings {
		switch {
		case s.Key == "vcs.revision":
			rev = s.Value
		case s.Key == "vcs.modified" && s.Value == "true":
			dirty = "-dirty"
		}
	}
	if rev == "" {
		return "unknown"
	}
	return rev[:min(12, len(rev))] + dirty
}

// versionText is what the banner and `vcc-host version` show.
func versionText() string { return Version + " (commit " + commit() + ")" }

const usage = `usage: vcc-host COMMAND [flags]

commands:
  serve                     run the controller (REST API over HTTPS)
  init                      validate config and certificates; a running host reloads them and
                            rescans its plugin dirs (--force-plugin-removal: stop removed plugins units use)
  users list | add NAME ROLE | modify NAME ROLE | delete [--force] NAME
                            manage users (ROLE: super or regular)
  token create [USER] [--readonly] [--ttl D] [--note TEXT] | list [USER] | revoke TOKEN|--accessor A
                            manage API tokens (no USER: nobody)
  cert generate --san NAME_OR_IP... [--out DIR]
                            make a CA and a server certificate
  status [--json]           one line per component of the running controller
  destroy [--force]         stop the controller and remove its data (refused while nodes exist)
  catalog from-terraform OUTPUT.json [--provider aws] [--entry default]
                            print a vpn_catalog.yml entry from aws/vpn.tf's outputs
  onpremises bootstrap [--user U] [--ssh-port P]
                            print a script that prepares an existing server
  onpremises known-hosts | forget-host HOST:PORT
                            list or forget pinned SSH host keys of existing servers
  plugins list [--json]     show the provider plugins: the running host's (what its reloads did), or --on-disk
  plugins install --path BIN [--dir DIR]
                            copy a plugin binary in and pin its SHA-256
  version                   print the version

Run 'vcc-host COMMAND -h' for a command's flags.
`

// env is what every command gets.
type env struct {
	ctx    context.Context
	stdout io.Writer
	stderr io.Writer
}

// closeAtExit is for a deferred Close when a command ends: nobody is left
// to handle the error, but the operator should see it (the last audit
// lines may be lost, say).
func (e env) closeAtExit(what string, c io.Closer) {
	if err := c.Close(); err != nil {
		fmt.Fprintf(e.stderr, "vcc-host: close %s: %v\n", what, err)
	}
}

// Run runs the command in args and returns the process exit code.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	e := env{ctx: ctx, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return ExitUsage
	}
	var err error
	switch args[0] {
	case "serve":
		err = e.serve(args[1:])
	case "init":
		err = e.initCmd(args[1:])
	case "users":
		err = e.users(args[1:])
	case "token":
		err = e.token(args[1:])
	case "cert":
		err = e.cert(args[1:])
	case "catalog":
		err = e.catalog(args[1:])
	case "status":
		err = e.status(args[1:])
	case "destroy":
		err = e.destroy(args[1:])
	case "plugins":
		err = e.plugins(args[1:])
	case "onpremises":
		err = e.onpremises(args[1:])
	case "version", "--version":
		fmt.Fprintf(stdout, "vcc-host %s, provider protocol %d\n", versionText(), protocolVersion)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
	default:
		err = usageError{fmt.Sprintf("unknown command %q", args[0])}
	}
	return e.exit(err)
}

// usageError is a mistake in the command line itself.
type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

func (e env) exit(err error) int {
	var ue usageError
	var code exitCode
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return ExitOK
	case errors.As(err, &code):
		return int(code)
	case errors.As(err, &ue):
		fmt.Fprintf(e.stderr, "vcc-host: %s\n\n%s", ue.msg, usage)
		return ExitUsage
	default:
		fmt.Fprintf(e.stderr, "vcc-host: %s\n", err)
		return ExitFailure
	}
}

// common are the flags every plugin-using command shares.
type common struct {
	pluginDir    string
	logLevel     string
	logJSON      bool
	startTimeout time.Duration
}

// register adds the flags; defLevel is the log level when neither flag nor
// env sets one (one-shot commands print their findings and stay quiet).
func (c *common) register(fs *flag.FlagSet, defLevel string) {
	fs.StringVar(&c.pluginDir, "plugin-dir", os.Getenv(pluginmgr.EnvPluginDir), "plugin directories searched first, colon-separated (env "+pluginmgr.EnvPluginDir+")")
	fs.StringVar(&c.logLevel, "log-level", envOr("VCC_LOG_LEVEL", defLevel), "trace, debug, info, warn, error or off (env VCC_LOG_LEVEL)")
	fs.BoolVar(&c.logJSON, "log-json", os.Getenv("VCC_LOG_FORMAT") == "json", "log JSON lines (env VCC_LOG_FORMAT=json)")
	fs.DurationVar(&c.startTimeout, "plugin-start-timeout", envDuration("VCC_PLUGIN_START_TIMEOUT", 10*time.Second), "how long one plugin may take to start (env VCC_PLUGIN_START_TIMEOUT)")
}

func (c *common) logger(w io.Writer) hclog.Logger {
	return hclog.New(&hclog.LoggerOptions{Name: "vcc-host", Level: hclog.LevelFromString(c.logLevel), Output: w, JSONFormat: c.logJSON})
}

func (c *common) managerConfig(w io.Writer, supervise bool) pluginmgr.Config {
	return pluginmgr.Config{
		Dirs: pluginmgr.DefaultDirs(c.pluginDir), Logger: c.logger(w), LogLevel: c.logLevel,
		StartTimeout: c.startTimeout, Supervise: supervise,
	}
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func envDuration(key string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(key)); err == nil {
		return d
	}
	return def
}

// parse parses flags and refuses stray arguments.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("%s: unexpected argument %q", fs.Name(), fs.Arg(0))}
	}
	return nil
}
