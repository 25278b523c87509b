package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/vccproject/vcc/host/internal/admin"
	"github.com/vccproject/vcc/host/internal/identity"
	"github.com/vccproject/vcc/host/internal/store"
)

// adminCall runs an admin request on the running host of dataDir, or,
// when none runs, directly on its store.
func adminCall(ctx context.Context, dataDir string, req admin.Request) (admin.Response, error) {
	resp, err := admin.Call(ctx, filepath.Join(dataDir, admin.SocketFile), req)
	if errors.Is(err, admin.ErrNotRunning) {
		svc, closeFn, err := openIdentity(ctx, dataDir)
		if err != nil {
			return admin.Response{}, err
		}
		defer closeFn()
		resp = admin.Do(ctx, svc, nil, req)
	} else if err != nil {
		return admin.Response{}, err
	}
	if err := resp.Err(); err != nil {
		var u admin.UsageError
		if errors.As(err, &u) {
			return resp, usageError{err.Error()}
		}
		return resp, err
	}
	return resp, nil
}

// openIdentity opens the identity service of a stopped host.
func openIdentity(ctx context.Context, dataDir string) (*identity.Service, func(), error) {
	st, err := store.OpenBolt(filepath.Join(dataDir, "state.db"))
	if err != nil {
		return nil, nil, err
	}
	// bbolt syncs at each commit, so Close loses nothing: its error is moot.
	closeStore := func() { _ = st.Close() }
	be, err := recordedBackend(ctx, st, dataDir)
	if err != nil {
		closeStore()
		return nil, nil, err
	}
	svc, err := identity.NewService(st, be)
	if err != nil {
		closeStore()
		return nil, nil, err
	}
	return svc, closeStore, nil
}

// parseMixed parses flags that may come after positional arguments.
func parseMixed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usageError{err.Error()}
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func (e env) users(args []string) error {
	if len(args) == 0 {
		return usageError{"users: want list, add NAME ROLE, modify NAME ROLE or delete [--force] NAME"}
	}
	fs := flag.NewFlagSet("users "+args[0], flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	var d dirs
	d.register(fs)
	force := fs.Bool("force", false, "delete even while the user owns VCs")
	pos, err := parseMixed(fs, args[1:])
	if err != nil {
		return err
	}
	want := map[string]int{"list": 0, "add": 2, "modify": 2, "delete": 1}
	n, ok := want[args[0]]
	if !ok {
		return usageError{fmt.Sprintf("users: unknown subcommand %q", args[0])}
	}
	if len(pos) != n {
		return usageError{fmt.Sprintf("users %s takes %d argument(s), got %d", args[0], n, len(pos))}
	}
	req := admin.Request{Op: "users." + args[0], Force: *force}
	if n > 0 {
		req.Name = pos[0]
	}
	if n > 1 {
		req.Role = identity.Role(pos[1])
	}
	resp, err := adminCall(e.ctx, d.data, req)
	if err != nil {
		return err
	}
	switch args[0] {
	case "list":
		w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "NAME\tROLE\tCREATED")
		for _, u := range resp.Users {
			fmt.Fprintf(w, "%s\t%s\t%s\n", u.Name, u.Role, u.Created.Format(time.RFC3339))
		}
		return w.Flush()
	case "delete":
		fmt.Fprintf(e.stdout, "deleted user %s, its tokens and its secrets\n", req.Name)
	default:
		fmt.Fprintf(e.stdout, "user %s is %s\n", resp.User.Name, resp.User.Role)
	}
	return nil
}

func (e env) token(args []string) error {
	if len(args) == 0 {
		return usageError{"token: want create [USER], list [USER] or revoke TOKEN|--accessor A"}
	}
	fs := flag.NewFlagSet("token "+args[0], flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	var d dirs
	d.register(fs)
	readonly := fs.Bool("readonly", false, "the token may only read")
	ttl := fs.Duration("ttl", 0, "lifetime, e.g. 720h; 0 never expires")
	note := fs.String("note", "", "free text shown by token list")
	accessor := fs.String("accessor", "", "revoke by accessor instead of by token")
	pos, err := parseMixed(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return usageError{fmt.Sprintf("token %s: unexpected argument %q", args[0], pos[1])}
	}
	req := admin.Request{ReadOnly: *readonly, TTL: *ttl, Note: *note, Accessor: *accessor}
	if len(pos) == 1 {
		req.Name, req.Token = pos[0], pos[0]
	}
	switch args[0] {
	case "create":
		req.Op = "token.create"
	case "list":
		req.Op = "token.list"
	case "revoke":
		req.Op, req.Name = "token.revoke", ""
		if (req.Token == "") == (req.Accessor == "") {
			return usageError{"token revoke: give a TOKEN or --accessor A (one of them)"}
		}
	default:
		return usageError{fmt.Sprintf("token: unknown subcommand %q", args[0])}
	}
	resp, err := adminCall(e.ctx, d.data, req)
	if err != nil {
		return err
	}
	switch args[0] {
	case "create":
		fmt.Fprintln(e.stdout, resp.Secret) // the token and nothing else
	case "list":
		w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ACCESSOR\tUSER\tROLE\tNOTE\tCREATED\tEXPIRES")
		for _, t := range resp.Tokens {
			role, exp := "fullaccess", "never"
			if t.ReadOnly {
				role = "readonly"
			}
			if !t.Expires.IsZero() {
				exp = t.Expires.Format(time.RFC3339)
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", t.Accessor, t.User, role, strings.ReplaceAll(t.Note, "\t", " "), t.Created.Format(time.RFC3339), exp)
		}
		return w.Flush()
	case "revoke":
		fmt.Fprintln(e.stdout, "revoked; it is refused from the next request on")
	}
	return nil
}
