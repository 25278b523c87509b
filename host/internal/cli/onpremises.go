package cli

import (
	"flag"
	"fmt"

	"github.com/vccproject/vcc/host/internal/admin"
	"github.com/vccproject/vcc/host/internal/bootstrap"
	"github.com/vccproject/vcc/host/internal/sshkey"
)

// onpremises: preparing existing servers and their pinned host keys.
func (e env) onpremises(args []string) error {
	if len(args) == 0 {
		return usageError{"onpremises: want bootstrap, known-hosts or forget-host"}
	}
	fs := flag.NewFlagSet("onpremises "+args[0], flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	var d dirs
	d.register(fs)
	switch args[0] {
	case "bootstrap":
		user := fs.String("user", "vcp", "login user the controller will use (spec user_name)")
		port := fs.Int("ssh-port", 20022, "port sshd must also listen on (spec ssh_port)")
		if err := parse(fs, args[1:]); err != nil {
			return err
		}
		key, err := sshkey.Load(d.data)
		if err != nil {
			return fmt.Errorf("controller SSH key in %s: %w", d.data, err)
		}
		script, err := bootstrap.Script(bootstrap.Options{User: *user, SSHPort: *port, PublicKey: key})
		if err != nil {
			return usageError{err.Error()}
		}
		fmt.Fprint(e.stdout, script)
		return nil
	case "known-hosts":
		if err := parse(fs, args[1:]); err != nil {
			return err
		}
		resp, err := adminCall(e.ctx, d.data, admin.Request{Op: "hosts.list"})
		if err != nil {
			return err
		}
		for _, h := range resp.Hosts {
			fmt.Fprintf(e.stdout, "%s %s\n", h.Address, h.Key)
		}
		return nil
	case "forget-host":
		pos, err := parseMixed(fs, args[1:])
		if err != nil {
			return err
		}
		if len(pos) != 1 {
			return usageError{"onpremises forget-host: give the server as host:port, e.g. 10.0.0.5:20022"}
		}
		if _, err := adminCall(e.ctx, d.data, admin.Request{Op: "hosts.forget", Name: pos[0]}); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "forgot the host key of %s; the next contact pins the key it presents\n", pos[0])
		return nil
	}
	return usageError{fmt.Sprintf("onpremises: unknown subcommand %q (bootstrap, known-hosts, forget-host)", args[0])}
}
