package cli

import (
	"flag"
	"fmt"
	"os"

	"github.com/vccproject/vcc/host/internal/pluginmgr"
	"github.com/vccproject/vcc/host/internal/tfcatalog"
)

// catalog from-terraform prints a vpn_catalog.yml entry made from the
// outputs of aws/vpn.tf.
func (e env) catalog(args []string) error {
	if len(args) == 0 || args[0] != "from-terraform" {
		return usageError{"catalog: want from-terraform OUTPUT.json [--provider aws] [--entry default]"}
	}
	fs := flag.NewFlagSet("catalog from-terraform", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	prov := fs.String("provider", "aws", "catalog section: aws or aws_spot")
	entry := fs.String("entry", "default", "entry name")
	pos, err := parseMixed(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{"catalog from-terraform: give the file `terraform output -json` wrote"}
	}
	raw, err := os.ReadFile(pos[0])
	if err != nil {
		return err
	}
	out, err := tfcatalog.FromOutput(raw, pluginmgr.Normalize(*prov), *entry)
	if err != nil {
		return fmt.Errorf("%s: %w", pos[0], err)
	}
	fmt.Fprint(e.stdout, out)
	return nil
}
