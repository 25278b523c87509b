package cli

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/vccproject/vcc/host/internal/tlsconf"
)

type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// cert generate makes a CA and a server certificate with the names and
// addresses the SDK will use, in one step.
func (e env) cert(args []string) error {
	if len(args) == 0 || args[0] != "generate" {
		return usageError{"cert: want generate --san NAME_OR_IP [--san ...] [--out DIR]"}
	}
	fs := flag.NewFlagSet("cert generate", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	var sans stringList
	fs.Var(&sans, "san", "a DNS name or IP address the certificate is for (repeat)")
	out := fs.String("out", "cert", "directory to write ca.pem, occtr_cert.pem, occtr_key.pem")
	force := fs.Bool("force", false, "replace an existing certificate")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if len(sans) == 0 {
		return usageError{"cert generate: give at least one --san (the host names and IPs clients use)"}
	}
	if _, err := os.Stat(filepath.Join(*out, tlsconf.KeyFile)); err == nil && !*force {
		return fmt.Errorf("%s already holds a certificate; add --force to replace it", *out)
	}
	if err := tlsconf.Generate(*out, sans); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "wrote %s/{%s,%s,%s} for %s\n", *out, tlsconf.CAFile, tlsconf.CertFile, tlsconf.KeyFile, strings.Join(sans, ", "))
	return nil
}
