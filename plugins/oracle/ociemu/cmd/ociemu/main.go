// Command ociemu serves the OCI emulator on its own, for demos with a real
// vcc-host: it seeds a user with a fresh API key, a subnet and images,
// writes the key to a file and prints the catalog entry and credentials
// that reach it.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/vccproject/vcc/plugins/oracle/ociemu"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:8790", "address to serve on")
	region := flag.String("region", "ap-tokyo-1", "region the emulator plays")
	cidr := flag.String("subnet", "10.0.1.0/24", "CIDR of the seeded subnet")
	keyOut := flag.String("key-out", "ociemu-key.pem", "file to write the seeded user's private key to")
	boot := flag.Duration("boot", 3*time.Second, "how long instances stay PROVISIONING/STARTING")
	stop := flag.Duration("stop", 2*time.Second, "how long instances stay STOPPING/TERMINATING")
	flag.Parse()
	w, err := ociemu.Seed(ociemu.New(ociemu.Options{Region: *region, BootDelay: *boot, StopDelay: *stop}), *cidr)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*keyOut, []byte(w.PrivateKey), 0o600); err != nil {
		log.Fatal(err)
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	entry := map[string]any{"oracle": map[string]any{"default": map[string]string{
		"oracle_tenancy_ocid": w.Tenancy(), "oracle_compartment_id": w.Tenancy(), "oracle_subnet_id": w.SubnetID,
		"oracle_region": w.Region(), "oracle_availability_domain": w.ADs()[0], "private_network_ipmask": w.SubnetCIDR,
		"oracle_endpoint_url": "http://" + ln.Addr().String(),
	}}}
	out, _ := json.MarshalIndent(entry, "", "  ")
	fmt.Printf("OCI emulator on http://%s (not OCI: for tests and demos)\n\nvpn_catalog.yml entry (JSON):\n%s\n\n", ln.Addr(), out)
	fmt.Printf("credentials (oracle): user_ocid=%s fingerprint=%s private_key=<contents of %s>\n", w.UserOCID, w.Fingerprint, *keyOut)
	log.Fatal(http.Serve(ln, w.Handler()))
}
