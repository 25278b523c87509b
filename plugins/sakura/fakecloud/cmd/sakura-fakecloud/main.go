// Command sakura-fakecloud prepares and shows the store of iaas-api-go's
// fake that a test build of vcc-provider-sakura (go build -tags
// sakurafake) drives instead of Sakura Cloud:
//
//	sakura-fakecloud seed -store FILE   seed FILE, a local switch per zone; prints the switches as JSON
//	sakura-fakecloud list -store FILE   print the servers, disks and startup scripts in FILE as JSON
//
// list only reads the file: the plugin stays the store's one writer.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"github.com/vccproject/vcc/plugins/sakura/fakecloud"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	store := fs.String("store", "", "the fake's JSON store file")
	_ = fs.Parse(os.Args[2:]) // ExitOnError: Parse exits itself
	if *store == "" {
		usage()
	}
	var out any
	var err error
	switch os.Args[1] {
	case "seed":
		out, err = fakecloud.Seed(*store)
	case "list":
		out, err = fakecloud.Read(*store)
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "sakura-fakecloud:", err)
		os.Exit(1)
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, "sakura-fakecloud:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: sakura-fakecloud seed|list -store FILE")
	os.Exit(2)
}
